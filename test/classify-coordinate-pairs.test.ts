import { expect, test } from "vitest";
import { withCoordinatePair } from "../rules/classification/coordinate-pairs.ts";
import { classifySampleFile } from "../rules/classification/index.ts";

/**
 * Latitude and longitude in two columns (issue 21): a longitude is decided by its values — in
 * range, with a coordinate's decimals — next to a latitude column of the same table; `long` of
 * counts, ids or amounts stays none whatever sits next to it, and `long` without a latitude is
 * not a coordinate on its name.
 */

const LATS = [52.52437, 48.85661, -33.86785, 40.71278, 35.68945, -22.90685, 51.50735, 19.43261];
const LONS = [13.41053, 2.35222, 151.20732, -74.00597, 139.69171, -43.1729, -0.12776, -99.13321];

function classify(columns: { table: string; column: string; samples: unknown[] }[]) {
  return classifySampleFile(JSON.stringify({ columns })).columns.map(
    (c) => `${c.table}.${c.column}=${c.category}`,
  );
}

test("a longitude next to its latitude is geolocation, by values; `long` of counts or ids is not", () => {
  expect(
    classify([
      { table: "stores", column: "lat", samples: LATS },
      { table: "stores", column: "long", samples: LONS },
      { table: "visits", column: "lat", samples: LATS.map(String) },
      { table: "visits", column: "long", samples: [3, 17, 120, 44, 9, 61, 150, 2] },
      { table: "events", column: "lat", samples: LATS },
      { table: "events", column: "long", samples: [40007, 40014, 40021, 40028, 40035, 40042] },
      { table: "prices", column: "lat", samples: LATS },
      { table: "prices", column: "long", samples: [12.5, 99.99, 4.25, 150.1, 17.75, 3.99] },
      { table: "trades", column: "long", samples: LONS.map((x) => Math.abs(x)) },
      { table: "trades", column: "short", samples: LATS.map((x) => Math.abs(x)) },
      { table: "homes", column: "home_lat", samples: LATS },
      { table: "homes", column: "homeLong", samples: LONS.map(String) },
    ]),
  ).toEqual([
    "stores.lat=geolocation",
    "stores.long=geolocation",
    "visits.lat=geolocation",
    "visits.long=none",
    "events.lat=geolocation",
    "events.long=none",
    "prices.lat=geolocation",
    "prices.long=none",
    "trades.long=none",
    "trades.short=none",
    "homes.home_lat=geolocation",
    "homes.homeLong=geolocation",
  ]);
});

test("the pair is the evidence, and a latitude out of range pairs with nothing", () => {
  const none = { category: "none" as const, confidence: 0.85, evidence: [] };
  const paired = withCoordinatePair({ name: "lng", samples: LONS }, none, [
    { name: "lat", samples: LATS },
    { name: "lng", samples: LONS },
  ]);
  expect(paired.category).toBe("geolocation");
  expect(paired.evidence[0]).toMatchObject({
    detector: "geolocation.column_pair",
    note: "longitude values next to the latitude column lat",
  });
  // "Latitudes" beyond 90 are not latitudes: no pair.
  const wide = withCoordinatePair({ name: "long", samples: LONS }, none, [
    { name: "lat", samples: LONS.map((x) => x + 100 * Math.sign(x)) },
    { name: "long", samples: LONS },
  ]);
  expect(wide.category).toBe("none");
});
