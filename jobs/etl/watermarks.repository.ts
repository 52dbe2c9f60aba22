import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";

export type Watermark = { target: string; watermark: Date; rowsLoaded: number; updatedAt: Date };

/** How far `target` has been loaded, or undefined before its first load. */
export async function getWatermark(db: Db, target: string): Promise<Watermark | undefined> {
  const row = await db
    .selectFrom("governance.etl_watermarks")
    .select(["target", "watermark", "rows_loaded", "updated_at"])
    .where("target", "=", target)
    .executeTakeFirst();
  return row && toWatermark(row);
}

export async function listWatermarks(db: Db): Promise<Watermark[]> {
  const rows = await db
    .selectFrom("governance.etl_watermarks")
    .select(["target", "watermark", "rows_loaded", "updated_at"])
    .orderBy("target")
    .execute();
  return rows.map(toWatermark);
}

/**
 * Records that `target` is loaded up to `watermark` and adds `rowsAdded` to its total. Called
 * only after the rows are in the analytics store, so a crash before it just redoes the window.
 */
export async function advanceWatermark(
  db: Db,
  target: string,
  watermark: Date,
  rowsAdded: number,
): Promise<void> {
  await db
    .insertInto("governance.etl_watermarks")
    .values({ target, watermark, rows_loaded: rowsAdded })
    .onConflict((oc) =>
      oc.column("target").doUpdateSet({
        watermark,
        rows_loaded: sql`governance.etl_watermarks.rows_loaded + ${rowsAdded}`,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

function toWatermark(row: {
  target: string;
  watermark: Date;
  rows_loaded: number;
  updated_at: Date;
}): Watermark {
  return {
    target: row.target,
    watermark: row.watermark,
    rowsLoaded: Number(row.rows_loaded),
    updatedAt: row.updated_at,
  };
}
