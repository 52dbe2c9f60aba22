/**
 * The masked clone's floor: the same pipeline as provisionDataset — schema archive (pre-data,
 * partitions), tables as binary COPY streams source → target on `parallel` connections, the
 * sequences, post-data built in as many jobs as there are cores — with nothing masked and
 * nothing scanned. What the masked clone costs beyond it is masking and the leak scan.
 * Used by bench/provision.ts; not a benchmark of its own.
 */
import { availableParallelism } from "node:os";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { inParallel } from "../masking/parallel.ts";
import { copySequences, dumpSchema, leafPartitions } from "../masking/provision/schema-copy.ts";
import { ident } from "../masking/provision/select.ts";
import { copyOut } from "../schema/copy-out.ts";

export type FloorPhases = { schemaMs: number; copyMs: number; constraintsMs: number };

export async function floorClone(
  sourceUrl: string,
  targetUrl: string,
  parallel: number,
): Promise<FloorPhases> {
  const source = new pg.Pool({ connectionString: sourceUrl, max: parallel + 1 });
  const target = new pg.Pool({ connectionString: targetUrl, max: parallel + 1 });
  const t0 = Date.now();
  try {
    const archive = await dumpSchema(sourceUrl, "public", await leafPartitions(source, "public"));
    try {
      await target.query("DROP SCHEMA IF EXISTS public");
      await archive.restore(targetUrl, "pre-data");
      await archive.restore(targetUrl, "partitions");
      const schemaMs = Date.now() - t0;
      const t1 = Date.now();
      // The tables provisioning copies: every table and partitioned parent, no partition alone.
      const tables = await source.query<{ name: string; kind: string; rows: number }>(
        `SELECT c.relname AS name, c.relkind AS kind,
                coalesce((SELECT sum(s.n_live_tup) FROM pg_stat_user_tables s
                          JOIN pg_inherits i ON i.inhrelid = s.relid WHERE i.inhparent = c.oid), 0)
                + coalesce((SELECT s.n_live_tup FROM pg_stat_user_tables s WHERE s.relid = c.oid), 0)
                  AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
      );
      await inParallel(
        [...tables.rows].sort((a, b) => Number(b.rows) - Number(a.rows)),
        parallel,
        {
          open: async () => ({ src: await source.connect(), dst: await target.connect() }),
          each: async ({ src, dst }, t) => {
            const name = `public.${ident(t.name)}`;
            await pipeline(
              src.query(copyOut(`COPY (SELECT * FROM ${name}) TO STDOUT (FORMAT binary)`)),
              dst.query(copyFrom(`COPY ${name} FROM STDIN (FORMAT binary)`)),
            );
          },
          close: async ({ src, dst }) => {
            src.release();
            dst.release();
          },
        },
      );
      await copySequences(source, target, "public");
      const copyMs = Date.now() - t1;
      const t2 = Date.now();
      await archive.restore(targetUrl, "post-data", Math.max(2, availableParallelism()));
      return { schemaMs, copyMs, constraintsMs: Date.now() - t2 };
    } finally {
      await archive.remove();
    }
  } finally {
    await source.end();
    await target.end();
  }
}
