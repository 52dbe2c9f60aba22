import type { Evidence } from "../../schema/domain/classification.ts";
import { isCoordinateColumn } from "./detectors/geolocation.ts";
import { maskValue } from "./mask.ts";
import { nameTokens } from "./name-tokens.ts";
import { SENSITIVITY } from "./scoring.ts";

/**
 * Latitude and longitude stored as two number columns of one table. One number alone is a
 * score, a rate or an amount as often as a coordinate, and `long` is as often a length or a Java
 * long: a column is a longitude by its values (in -180..180 with a coordinate's decimals) next to
 * a latitude column of the same table whose values are in -90..90, and the pair is the location.
 * A `long` of counts or ids has no decimals and stays what its values say.
 */

export type TableColumn = { name: string; samples: unknown[] };

type Role = "latitude" | "longitude";

const LATITUDE = /(?:^|_)(?:lat|latitude|breitengrad)$/;
const LONGITUDE = /(?:^|_)(?:long|lng|lon|longitude|langengrad|laengengrad)$/;

function role(name: string): Role | undefined {
  const key = nameTokens(name).join("_");
  return LATITUDE.test(key) ? "latitude" : LONGITUDE.test(key) ? "longitude" : undefined;
}

const RANGE: Record<Role, number> = { latitude: 90, longitude: 180 };

/** Text before the coordinate word (`home_` of `home_lat`): the pair's shared prefix. */
function prefix(name: string): string {
  return nameTokens(name).slice(0, -1).join("_");
}

type Scored = {
  category: Evidence["category"];
  sensitivity?: string;
  confidence: number;
  evidence: Evidence[];
};

/**
 * The proposal of one column of a table, with its coordinate pair taken into account: a
 * latitude or longitude column whose values fit, next to a column of the other role whose values
 * fit too, is geolocation (its own proposal when it already said so, with the pair as evidence).
 * Any other column's proposal is returned as it was.
 */
export function withCoordinatePair<T extends Scored>(
  column: TableColumn,
  proposal: T,
  table: TableColumn[],
): T {
  const own = role(column.name);
  if (!own || !isCoordinateColumn(column.samples, RANGE[own])) {
    return proposal;
  }
  const other: Role = own === "latitude" ? "longitude" : "latitude";
  const partners = table.filter(
    (c) =>
      c.name !== column.name &&
      role(c.name) === other &&
      isCoordinateColumn(c.samples, RANGE[other]),
  );
  if (partners.length === 0) {
    return proposal;
  }
  const mine = prefix(column.name);
  const partner = partners.find((c) => prefix(c.name) === mine) ?? (partners[0] as TableColumn);
  const values = column.samples.filter((v) => typeof v === "number" || typeof v === "string");
  const evidence: Evidence = {
    detector: "geolocation.column_pair",
    signal: "value",
    category: "geolocation",
    matched: values.length,
    sampled: values.length,
    examples: values.slice(0, 3).map((v) => maskValue(String(v), "geolocation")),
    note: `${own} values next to the ${other} column ${partner.name}`,
  };
  const was = proposal.category === "geolocation";
  return {
    ...proposal,
    category: "geolocation",
    ...("sensitivity" in proposal ? { sensitivity: SENSITIVITY.geolocation } : {}),
    confidence: Math.max(was ? proposal.confidence : 0, 0.92),
    evidence: was ? [...proposal.evidence, evidence] : [evidence],
  };
}

/** Applies `withCoordinatePair` to every column of a table (proposals in column order). */
export function pairCoordinates<T extends Scored>(table: TableColumn[], proposals: T[]): T[] {
  if (!table.some((c) => role(c.name))) {
    return proposals;
  }
  return proposals.map((p, i) => withCoordinatePair(table[i] as TableColumn, p, table));
}
