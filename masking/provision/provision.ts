import { availableParallelism } from "node:os";
import { pipeline } from "node:stream/promises";
import { sql } from "kysely";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Config } from "../../schema/config.ts";
import { copyOut } from "../../schema/copy-out.ts";
import { createDb, createPool, type Db } from "../../schema/postgres.ts";
import { isUuid } from "../../schema/uuid.ts";
import { type AddressLineSet, sourceAddressLines } from "../address-line-set.ts";
import {
  createDataset,
  DATASET_NAME,
  type Dataset,
  getDataset,
  setTableProgress,
  type TableProgress,
  updateDataset,
} from "../datasets.repository.ts";
import type { ShortHits } from "../leak-scan/chance.ts";
import { HashSet64 } from "../leak-scan/hash-set.ts";
import { sourceNameWords } from "../leak-scan/identifiers.ts";
import { sourceIdentifiersOnThread } from "../leak-scan/identifiers-thread.ts";
import {
  finishStreamScan,
  type LeakScanReport,
  type SourceIdentifiers,
} from "../leak-scan/leak-scan.ts";
import { currentXid, foreignRows, foreignTriggers } from "../leak-scan/load-proof.ts";
import { streamField } from "../leak-scan/stream-fields.ts";
import { MaskingError } from "../masking-error.ts";
import { inParallel } from "../parallel.ts";
import { nameColumnsSql, nameWordsSql, personNameSql } from "../person-names.ts";
import { leakScanKey, maskingKey } from "../strategies/key.ts";
import { maskingFunctionsSql } from "../strategies/sql-functions.ts";
import { NAME_LETTERS, SCRUB_PATTERNS } from "../strategies/strategies.ts";
import { MaskingThread } from "../threads/masking-threads.ts";
import { DatasetCancelled, guardRun, SIZE_LIMIT_REASON } from "./cancellation.ts";
import {
  connectionString,
  createDatasetDatabase,
  dropDatasetDatabase,
  grantDatasetRole,
  terminateDatasetSessions,
} from "./dataset-database.ts";
import { hasNodeMasks } from "./node-masks.ts";
import { type BlockReason, checkProvisioningGate, type TablePlan } from "./plan.ts";
import { copySequences, dumpSchema, leafPartitions, type SchemaArchive } from "./schema-copy.ts";
import { ident, literal, maskedSelect } from "./select.ts";
import { foreignKeys, subsetFilters } from "./subset.ts";
import { resolveUniqueCollisions } from "./unique-values.ts";

/**
 * Provisioning a masked clone: gate → target database → schema (pre-data) → every table streamed
 * source → masker → target with binary COPY, tables in parallel (constraints come after the
 * load, so order does not matter) → sequences → indexes, constraints, triggers (post-data) →
 * materialized views → leak scan → handed over. Simple columns are masked inside the source's
 * `COPY (SELECT ...)` with the session's pg_temp.gm_* functions; free text and JSON on the
 * binary COPY stream, on the copy connection's masking thread (node-masks.ts). The leak scan's
 * source side (identifiers.ts) runs while the schema is restored and the tables copied.
 * Any failure drops the target database and marks the dataset failed: a dataset is either
 * complete and verified, or gone. The database and its own login role are made, owned and
 * dropped by dataset-database.ts; a cancelled run (cancellation.ts) stops between tables, or
 * mid-table when its sessions are ended, and drops what it made.
 */

export type ProvisionDeps = {
  /** Governance connection (catalog, rules, datasets). */
  db: Db;
  config: Config;
};

export type ProvisionOptions = {
  name: string;
  tenants?: string[] | null;
  /** 0 < percent ≤ 100: share of customers kept (with their closure). */
  percent?: number | null;
  /**
   * Another PostgreSQL server to create the dataset on: an admin connection (a role that may
   * create roles and databases there), its path the maintenance database. govern creates
   * `govern_ds_<name>` and its role there exactly as on its own server. Kept sealed.
   */
  targetUrl?: string | null;
  requestedBy: string;
  expiresInDays?: number | null;
  /** Called after each table starts and finishes. */
  onProgress?: (event: {
    table: string;
    progress: TableProgress;
    done: number;
    total: number;
  }) => void;
  /** Copy connections (default 2). */
  parallel?: number;
  /** Use this dataset row (created by the API before enqueuing the job) instead of a new one. */
  datasetId?: string;
  /** Rows the copy may hold (the requester's limit): a copy that outgrows it stops, failed. */
  maxRows?: number | null;
  /**
   * Called with each target value the leak scan finds (diagnostics for a refused copy, never
   * stored: reports and run records hold only column names and counts).
   */
  onLeak?: (column: string, text: string) => void;
  /** Test hook: runs after each table is copied (throw to simulate a failure mid-copy). */
  afterTable?: (table: string) => void | Promise<void>;
};

export type ProvisionReport = {
  dataset: { id: string; name: string };
  database: string;
  subset: { tenants: string[] | null; percent: number | null };
  keyFingerprint: string;
  tables: Record<string, { rows: number; ms: number; filtered: boolean }>;
  totalRows: number;
  rules: { column: string; path?: string; category: string; strategy: string; source: string }[];
  leakScan: LeakScanReport;
  timings: {
    gateMs: number;
    schemaMs: number;
    copyMs: number;
    constraintsMs: number;
    refreshMs: number;
    leakScanMs: number;
    totalMs: number;
  };
  rowsPerSecond: number;
  sizeBytes: number;
};

export type ProvisionResult =
  | {
      kind: "refused";
      datasetId: string;
      blocking: string[];
      reasons: Record<string, BlockReason>;
      /** Why each not-yet-classifiable column had no usable samples. */
      details?: Record<string, string>;
    }
  | {
      kind: "ready";
      datasetId: string;
      /** Where to connect, no password. */
      databaseUrl: string;
      /** The dataset role's connection string with its password: for the requester only. */
      connectionString: string;
      report: ProvisionReport;
    };

/**
 * Settings of every provisioning connection, source and target:
 * - no JIT: compiling a masked SELECT (dozens of calls of the session's masking functions) or a
 *   leak scan's read costs seconds of CPU per table and speeds up none of it;
 * - row security off: the platform's tables force row-level security, and a role the policies
 *   applied to would copy, and leak-scan, only the rows they let it see. With it off such a
 *   query fails instead (a role that bypasses row security, as the owner should, is unaffected):
 *   a copy is whole or refused, and the scan reads every row.
 */
const SESSION_SETTINGS = { jit: "off", row_security: "off" };

/** The database a dataset gets: `govern_ds_<name>`. */
export function datasetDatabaseName(name: string): string {
  return `govern_ds_${name.replace(/-/g, "_")}`;
}

/** Throws MaskingError('invalid') when the options cannot be provisioned as given. */
export function validateProvisionOptions(o: ProvisionOptions): void {
  if (!DATASET_NAME.test(o.name)) {
    throw new MaskingError(
      "invalid",
      "name must start with a letter and hold only a-z, 0-9, _ and - (at most 40 characters)",
    );
  }
  for (const t of o.tenants ?? []) {
    if (!isUuid(t)) {
      throw new MaskingError("invalid", `tenant ${t} is not a UUID`);
    }
  }
  if (o.percent != null && !(o.percent > 0 && o.percent <= 100)) {
    throw new MaskingError("invalid", "percent must be greater than 0 and at most 100");
  }
  if (o.expiresInDays != null && !(Number.isInteger(o.expiresInDays) && o.expiresInDays >= 1)) {
    throw new MaskingError("invalid", "expires-in-days must be a whole number of at least 1");
  }
  if (o.targetUrl != null) {
    try {
      const u = new URL(o.targetUrl);
      if (!/^postgres(ql)?:$/.test(u.protocol) || !u.hostname) {
        throw new Error();
      }
    } catch {
      throw new MaskingError(
        "invalid",
        "target-url must be a postgres:// URL of the server (an admin role; its path the maintenance database)",
      );
    }
  }
}

/** Reserves the dataset row: a new one, or a finished one of the same name reused. */
async function reserveDataset(deps: ProvisionDeps, o: ProvisionOptions): Promise<Dataset> {
  if (o.datasetId) {
    const existing = await getDataset(deps.db, o.datasetId);
    if (!existing) {
      throw new MaskingError("not_found", `dataset ${o.datasetId} not found`);
    }
    return existing;
  }
  const expiresAt = o.expiresInDays ? new Date(Date.now() + o.expiresInDays * 86_400_000) : null;
  const fresh = {
    name: o.name,
    kind: "masked" as const,
    owner: o.requestedBy,
    tenants: o.tenants?.length ? o.tenants : null,
    percent: o.percent ?? null,
    expiresAt,
    keyFingerprint: maskingKey(deps.config.secret).fingerprint,
  };
  const created = await createDataset(deps.db, fresh);
  if (created) {
    return created;
  }
  const existing = await getDataset(deps.db, o.name);
  if (!existing || !["refused", "failed", "dropped", "expired"].includes(existing.status)) {
    throw new MaskingError("conflict", `a dataset named ${o.name} already exists`);
  }
  await deps.db
    .updateTable("governance.datasets")
    .set({
      kind: "masked",
      status: "requested",
      owner: fresh.owner,
      tenants: fresh.tenants,
      percent: fresh.percent,
      expires_at: fresh.expiresAt,
      key_fingerprint: fresh.keyFingerprint,
      progress: "{}",
      report: null,
      error: null,
      size_bytes: null,
      database_name: null,
      database_url: null,
      database_oid: null,
      role_name: null,
      role_oid: null,
      password_enc: null,
      server_url_enc: null,
      cancel_requested_at: null,
      cancel_requested_by: null,
      started_at: null,
      finished_at: null,
      created_at: new Date(),
    })
    .where("id", "=", existing.id)
    .execute();
  return (await getDataset(deps.db, existing.id)) as Dataset;
}

/**
 * Lower-cased first and last names of the source's name columns, for scrub: the words of
 * first- and last-name columns, and of full names that name a person (`personNameSql`), their
 * first word a first name and the rest last names. Words as scrub matches them ("D'angelo",
 * "McCullough"), or runs of letters where a name is not capitalized.
 */
export async function nameDictionary(
  source: pg.PoolClient,
  plan: TablePlan[],
  schema: string,
): Promise<{ first: string[]; last: string[] }> {
  const columns = nameColumnsSql(plan, schema);
  const words = (values: string) =>
    `SELECT lower(m[1]) AS n, o FROM (${values}) s(v), LATERAL regexp_matches(v, ${literal(`(${SCRUB_PATTERNS.word}|[${NAME_LETTERS}]{2,})`)}, 'g') WITH ORDINALITY x(m, o)`;
  const r = await source.query<{ n: string; part: string }>(
    `WITH f AS (${nameWordsSql(columns.first)}), l AS (${nameWordsSql(columns.last)}),
      person AS (SELECT v FROM (${columns.full}) s(v) WHERE ${personNameSql("v", "f", "l")})
     SELECT n, 'first' AS part FROM (${words(columns.first)}) s
     UNION SELECT n, 'last' FROM (${words(columns.last)}) s
     UNION SELECT n, CASE WHEN o = 1 THEN 'first' ELSE 'last' END FROM (${words("SELECT v FROM person")}) s`,
  );
  return {
    first: r.rows.filter((x) => x.part === "first").map((x) => x.n),
    last: r.rows.filter((x) => x.part === "last").map((x) => x.n),
  };
}

/**
 * Provisions a masked clone. Returns `refused` (naming every blocking column as `table.column`)
 * when the gate fails, `ready` with the connection string (no password) and the report when the
 * dataset is complete and the leak scan clean. Throws MaskingError for bad options or a name in
 * use, and any other error after recording the dataset as failed and dropping the target.
 */
export async function provisionDataset(
  deps: ProvisionDeps,
  options: ProvisionOptions,
): Promise<ProvisionResult> {
  validateProvisionOptions(options);
  const started = Date.now();
  const schema = "public";
  const dataset = await reserveDataset(deps, options);
  // Copy workers, the setup and catalog queries (the identifiers thread has its own).
  const sourcePool = createPool(deps.config.databaseUrl, {
    max: (options.parallel ?? 2) + 2,
    applicationName: "govern-provision",
    settings: SESSION_SETTINGS,
  });
  const source = createDb(sourcePool);
  const gate = await checkProvisioningGate({ db: deps.db, source }, { schema });
  const gateMs = Date.now() - started;
  if (gate.kind === "refused") {
    await updateDataset(deps.db, dataset.id, {
      status: "refused",
      finishedAt: new Date(),
      report: { blocking: gate.blocking, reasons: gate.reasons, details: gate.details ?? {} },
      error: `refused: ${gate.blocking.length} column(s) not cleared by the catalog`,
    });
    await source.destroy();
    return {
      kind: "refused",
      datasetId: dataset.id,
      blocking: gate.blocking,
      reasons: gate.reasons,
      details: gate.details,
    };
  }

  // The leak scan's source side needs only the source: it runs while the target is written.
  // Its key also hashes what the masking threads make (images.ts) and the target's candidates.
  const leakKey = leakScanKey(deps.config.secret);
  // On a thread of its own with its own sessions (identifiers-thread.ts): the main thread
  // moves the copy's streams.
  const identifiersThread = sourceIdentifiersOnThread({
    url: deps.config.databaseUrl,
    applicationName: "govern-provision",
    settings: SESSION_SETTINGS,
    plan: gate.tables,
    schema,
    key: new Uint8Array(leakKey),
    maskingKey: new Uint8Array(maskingKey(deps.config.secret).bytes),
    parallel: options.parallel ?? 2,
  });
  const identifiers = identifiersThread.result;
  identifiers.catch(() => {});
  // The stream scan's name heads: every word of the source's names (stream-scan.ts).
  const nameWords = sourceNameWords(sourcePool, gate.tables, schema);
  nameWords.catch(() => {});
  const databaseName = datasetDatabaseName(options.name);
  const tables = gate.tables;
  const progress: Record<string, TableProgress> = Object.fromEntries(
    tables.map((t) => [t.table, { status: "pending", rows: 0, expected: t.estimatedRows }]),
  );
  await updateDataset(deps.db, dataset.id, {
    status: "running",
    startedAt: new Date(),
    progress,
  });

  let targetPool: pg.Pool | undefined;
  let archive: SchemaArchive | undefined;
  let created = false;
  const guard = guardRun(deps.db, dataset.id, async () => {
    const current = await getDataset(deps.db, dataset.id);
    if (current) {
      await terminateDatasetSessions(deps.config, current);
    }
  });
  try {
    const target = await createDatasetDatabase(
      deps,
      dataset,
      databaseName,
      options.targetUrl ?? null,
    );
    created = true;
    const targetUrl = target.adminUrl;
    const databaseUrl = target.databaseUrl;
    await guard.check();
    targetPool = createPool(targetUrl, {
      max: (options.parallel ?? 2) + 1,
      applicationName: "govern-provision",
      settings: SESSION_SETTINGS,
    });

    // A cancellation ends these sessions: their errors reach the copy that uses them, and must
    // not bring the process down as unhandled events (idle or checked out).
    targetPool.on("error", () => {});
    targetPool.on("connect", (client) => client.on("error", () => {}));
    // 1. Schema before the data.
    const t0 = Date.now();
    // pg_restore recreates the schema itself; an empty one in the way is dropped, a used one refused.
    const used = await targetPool.query(
      "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1",
      [schema],
    );
    if ((used.rows[0]?.n ?? 0) > 0) {
      throw new MaskingError(
        "conflict",
        `the target database already has objects in schema ${schema}`,
      );
    }
    await targetPool.query(`DROP SCHEMA IF EXISTS ${ident(schema)}`);
    // Partitions (hundreds for a time-partitioned table, each seconds' worth of catalog work
    // in all) are created while the other tables copy; only their parents' copies wait.
    archive = await dumpSchema(
      deps.config.databaseUrl,
      schema,
      await leafPartitions(sourcePool, schema),
    );
    await archive.restore(targetUrl, "pre-data");
    const extensions = await sql<{ extname: string; schema: string }>`
      SELECT e.extname, n.nspname AS schema FROM pg_extension e
      JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'`.execute(source);
    for (const e of extensions.rows) {
      await targetPool.query(
        `CREATE EXTENSION IF NOT EXISTS ${ident(e.extname)} SCHEMA ${ident(e.schema)}`,
      );
    }
    // The stream scan counts on no trigger firing during the load (load-proof.ts): pre-data
    // creates none; one found here was made by someone else.
    const loadTriggers = await foreignTriggers(sourcePool, targetPool, schema);
    if (loadTriggers.length > 0) {
      throw new MaskingError(
        "conflict",
        `the target database has triggers govern did not make (${loadTriggers.join(", ")})`,
      );
    }
    const schemaMs = Date.now() - t0;
    const partitionsCreated = archive.restore(targetUrl, "partitions");
    partitionsCreated.catch(() => {});

    // 2. Data, masked in the source's SELECT, tables in parallel.
    const t1 = Date.now();
    const columnsOf = new Map(
      tables.map((t) => [t.table, new Set(t.columns.map((c) => c.column))]),
    );
    const filters = subsetFilters(columnsOf, await foreignKeys(source, schema), {
      tenants: options.tenants,
      percent: options.percent,
    });
    const key = maskingKey(deps.config.secret).bytes;
    const setup = await sourcePool.connect();
    let names: { first: string[]; last: string[] };
    let lines: AddressLineSet;
    try {
      names = await nameDictionary(setup, tables, schema);
      // The source's address lines, which scrub replaces in prose whatever their shape.
      lines = await sourceAddressLines(setup, tables, schema, key);
    } finally {
      setup.release();
    }
    const results: ProvisionReport["tables"] = {};
    // Format-kept values the masking threads made (images.ts): the leak scan takes them for
    // masking's own, as it takes the images of the PII columns' values.
    const maskedImages = new HashSet64();
    // The leak scan on the stream (stream-scan.ts): every thread scans what its connection
    // writes; the source's identifiers go to every thread as soon as they are complete.
    const heads = await nameWords;
    const threads = new Set<MaskingThread>();
    let sourceSide: SourceIdentifiers | undefined;
    identifiers.then(
      (ids) => {
        sourceSide = ids;
        for (const t of threads) {
          t.sendIdentifiers(ids.identifiers.state());
        }
      },
      () => {},
    );
    const streamFound = new HashSet64();
    const streamShort: ShortHits[] = [];
    let streamValues = 0;
    // Per streamed table, its columns (`schema.table.column`) the stream read.
    const covered = new Map<string, string[]>();
    // The transactions the copy wrote in: any other row version is someone else's.
    const xids: string[] = [];
    let done = 0;
    let copiedRows = 0;
    let copyFailed = false;
    const copyTable = async (
      { src, dst, thread }: { src: pg.PoolClient; dst: pg.PoolClient; thread: MaskingThread },
      table: TablePlan,
    ) => {
      if (table.kind === "p") {
        await partitionsCreated;
      }
      const tableStart = Date.now();
      const name = table.table;
      const running: TableProgress = {
        status: "copying",
        rows: 0,
        expected: table.estimatedRows,
      };
      await setTableProgress(deps.db, dataset.id, name, running);
      options.onProgress?.({ table: name, progress: running, done, total: tables.length });
      const select = maskedSelect(table, schema, filters.get(name) ?? null);
      const columns = table.columns.map((c) => ident(c.column)).join(", ");
      const sink = copyFrom(
        `COPY ${ident(schema)}.${ident(name)} (${columns}) FROM STDIN (FORMAT binary)`,
      );
      const out = src.query(copyOut(`COPY (${select}) TO STDOUT (FORMAT binary)`));
      const fields = table.columns.map((c) => streamField(c) ?? null);
      // One transaction per table: its id marks the rows it wrote (load-proof.ts).
      await dst.query("BEGIN");
      try {
        xids.push(await currentXid(dst));
        // Free text and JSON are masked on the stream, on the session's masking thread;
        // every table's bytes are scanned there on their way to the target.
        await (hasNodeMasks(table)
          ? pipeline(
              out,
              thread.rewriter(table, (pairs) => maskedImages.addPairs(pairs), fields),
              dst.query(sink),
            )
          : pipeline(out, thread.watcher(fields), dst.query(sink)));
        await dst.query("COMMIT");
      } catch (error) {
        await dst.query("ROLLBACK").catch(() => {});
        throw error;
      }
      covered.set(
        name,
        table.columns
          .filter((_, i) => fields[i] !== null)
          .map((c) => `${schema}.${name}.${c.column}`),
      );
      const finished: TableProgress = {
        status: "done",
        rows: sink.rowCount,
        expected: table.estimatedRows,
        ms: Date.now() - tableStart,
      };
      results[name] = {
        rows: sink.rowCount,
        ms: finished.ms ?? 0,
        filtered: filters.get(name) != null,
      };
      done++;
      copiedRows += sink.rowCount;
      if (options.maxRows != null && copiedRows > options.maxRows) {
        await guard.stop(
          `${SIZE_LIMIT_REASON}: ${copiedRows} rows copied, the limit is ${options.maxRows}`,
        );
      }
      await setTableProgress(deps.db, dataset.id, name, finished);
      options.onProgress?.({ table: name, progress: finished, done, total: tables.length });
      await options.afterTable?.(name);
    };
    await inParallel(
      // Partitioned tables last: their partitions are still being created.
      [...tables].sort(
        (a, b) =>
          Number(a.kind === "p") - Number(b.kind === "p") || b.estimatedRows - a.estimatedRows,
      ),
      options.parallel ?? 2,
      {
        open: async () => {
          const thread = await MaskingThread.start({
            mode: "rewrite",
            key: new Uint8Array(key),
            names: { ...names, lines: lines.state() },
            leakKey: new Uint8Array(leakKey),
            heads,
          });
          threads.add(thread);
          if (sourceSide) {
            thread.sendIdentifiers(sourceSide.identifiers.state());
          }
          const src = await sourcePool.connect().catch(async (error) => {
            await thread.close();
            throw error;
          });
          try {
            await src.query(maskingFunctionsSql(key));
            await src.query(
              "INSERT INTO pg_temp.gm_first_names SELECT DISTINCT unnest($1::text[])",
              [names.first],
            );
            await src.query(
              "INSERT INTO pg_temp.gm_last_names SELECT DISTINCT unnest($1::text[])",
              [names.last],
            );
            await src.query("ANALYZE pg_temp.gm_first_names; ANALYZE pg_temp.gm_last_names");
            const dst = await (targetPool as pg.Pool).connect();
            await dst.query("SET synchronous_commit = off").catch((error) => {
              dst.release();
              throw error;
            });
            return { src, dst, thread };
          } catch (error) {
            await src.query("DISCARD TEMP").catch(() => {});
            src.release();
            await thread.close();
            throw error;
          }
        },
        each: async (connection, table) => {
          // A failed copy collects nothing: its close must not wait for the identifiers.
          let copied = false;
          try {
            await copyTable(connection, table);
            copied = true;
          } finally {
            copyFailed ||= !copied;
          }
        },
        close: async ({ src, dst, thread }) => {
          await src.query("DISCARD TEMP").catch(() => {});
          src.release();
          dst.release();
          try {
            if (copyFailed) {
              return;
            }
            // What the thread's stream scan found, once it has looked everything up.
            const ids = await identifiers;
            thread.sendIdentifiers(ids.identifiers.state());
            const found = await thread.collect();
            streamFound.addPairs(found.found);
            streamShort.push(...found.short);
            streamValues += found.values;
          } finally {
            threads.delete(thread);
            await thread.close();
          }
        },
      },
    );
    // A copy without partitioned tables never waited for them: post-data needs them.
    await partitionsCreated;
    // Masked values that now collide under a unique index get their row's tag (unique-values.ts).
    const collisions = await resolveUniqueCollisions({
      source: sourcePool,
      target: targetPool,
      schema,
      plan: tables,
    });
    if (collisions.xid) {
      xids.push(collisions.xid);
    }
    // The tags are written after the stream: their columns are read from the target.
    for (const [table, column] of collisions.columns) {
      covered.set(
        table,
        (covered.get(table) ?? []).filter((c) => c !== `${schema}.${table}.${column}`),
      );
    }
    const copyMs = Date.now() - t1;

    // 3. Sequences, then indexes/constraints/triggers/policies, then materialized views.
    await guard.check();
    const t2 = Date.now();
    await copySequences(sourcePool, targetPool, schema);
    // Index builds and constraint checks in as many jobs as there are cores, as pg_restore -j.
    await archive.restore(targetUrl, "post-data", Math.max(2, availableParallelism()));
    const constraintsMs = Date.now() - t2;
    const t3 = Date.now();
    const matviews = await targetPool.query<{ name: string }>(
      "SELECT quote_ident(schemaname) || '.' || quote_ident(matviewname) AS name FROM pg_matviews WHERE schemaname = $1",
      [schema],
    );
    for (const m of matviews.rows) {
      await targetPool.query(`REFRESH MATERIALIZED VIEW ${m.name}`);
    }
    const refreshMs = Date.now() - t3;

    // 4. Prove it.
    await guard.check();
    await updateDataset(deps.db, dataset.id, { status: "verifying" });
    const source_ = await identifiers;
    source_.images.addAll(maskedImages);
    // Rows another transaction wrote, and triggers that could have rewritten the copy's rows
    // (load-proof.ts): such tables, or all, are read from the target instead.
    const scanStarted = Date.now();
    const foreign = await foreignRows(
      targetPool,
      schema,
      [...covered.keys()],
      xids,
      options.parallel ?? 2,
    );
    const triggered = (await foreignTriggers(sourcePool, targetPool, schema)).length > 0;
    // The stream read address lines only as far as the dictionary's line ends allowed
    // (stream-scan.ts): a line the source gained after the dictionary was read, and the
    // identifiers then found, may have gone unread there, so the copy is read again.
    const linesKnown = lines.holdsEnds(source_.lineEnds);
    const trusted = new Set(
      triggered || !linesKnown
        ? []
        : [...covered].flatMap(([table, cs]) => (foreign.has(table) ? [] : cs)),
    );
    const scanned = await finishStreamScan({
      target: targetPool,
      identifiers: source_,
      key: leakKey,
      stream: { found: streamFound, short: streamShort, values: streamValues, covered: trusted },
      parallel: options.parallel ?? 2,
      onLeak: options.onLeak,
    });
    const scan = { ...scanned, ms: Date.now() - scanStarted };
    const sizeBytes = Number(
      (await targetPool.query("SELECT pg_database_size(current_database())::bigint AS n")).rows[0]
        ?.n ?? 0,
    );
    const totalRows = Object.values(results).reduce((n, r) => n + r.rows, 0);
    const totalMs = Date.now() - started;
    const report: ProvisionReport = {
      dataset: { id: dataset.id, name: options.name },
      database: databaseName,
      subset: {
        tenants: options.tenants?.length ? options.tenants : null,
        percent: options.percent ?? null,
      },
      keyFingerprint: maskingKey(deps.config.secret).fingerprint,
      tables: results,
      totalRows,
      rules: tables.flatMap((t) =>
        t.columns.flatMap((c) => [
          ...(c.strategy !== "allow" || c.ruleSource === "rule"
            ? [
                {
                  column: `${t.table}.${c.column}`,
                  category: c.category,
                  strategy: c.strategy,
                  source: c.ruleSource,
                },
              ]
            : []),
          ...c.paths.map((p) => ({
            column: `${t.table}.${c.column}`,
            path: p.path,
            category: p.category,
            strategy: p.strategy,
            source: p.ruleSource,
          })),
        ]),
      ),
      leakScan: scan,
      timings: { gateMs, schemaMs, copyMs, constraintsMs, refreshMs, leakScanMs: scan.ms, totalMs },
      rowsPerSecond: Math.round(totalRows / Math.max(totalMs / 1000, 0.001)),
      sizeBytes,
    };
    if (!scan.clean) {
      const where = scan.findings.map((f) => `${f.column} (${f.rows})`).join(", ");
      throw Object.assign(new Error(`leak scan found source personal data in ${where}`), {
        report,
      });
    }
    // 5. Hand it over: the dataset's own role gets the data, then the engineer gets the role.
    await guard.check();
    await grantDatasetRole(targetUrl, target.roleName);
    await updateDataset(deps.db, dataset.id, {
      status: "ready",
      finishedAt: new Date(),
      report,
      sizeBytes,
    });
    const ready = (await getDataset(deps.db, dataset.id)) as Dataset;
    return {
      kind: "ready",
      datasetId: dataset.id,
      databaseUrl,
      connectionString: connectionString(deps.config, ready) as string,
      report,
    };
  } catch (error) {
    await targetPool?.end().catch(() => {});
    targetPool = undefined;
    // A batch that died because its sessions were ended is a cancellation too.
    const cancelled = error instanceof DatasetCancelled ? error.message : await guard.cancelled();
    let dropError: string | null = null;
    if (created) {
      const current = await getDataset(deps.db, dataset.id);
      const outcome = current
        ? await dropDatasetDatabase(deps.config, current).catch((e: Error) => ({
            dropped: false as const,
            reason: e.message,
          }))
        : null;
      if (outcome && !outcome.dropped) {
        dropError = outcome.reason;
      }
    }
    const report = (error as { report?: unknown }).report;
    const message = error instanceof Error ? error.message : String(error);
    const outgrown = cancelled?.startsWith(SIZE_LIMIT_REASON) ?? false;
    await updateDataset(deps.db, dataset.id, {
      status: cancelled && !outgrown ? "dropped" : "failed",
      finishedAt: new Date(),
      error: [cancelled ? (outgrown ? cancelled : `cancelled: ${cancelled}`) : message, dropError]
        .filter(Boolean)
        .join("; "),
      ...(report ? { report } : {}),
      ...(created && !dropError ? { databaseUrl: null, passwordEnc: null } : {}),
    });
    throw cancelled && !(error instanceof DatasetCancelled)
      ? new DatasetCancelled(cancelled)
      : error;
  } finally {
    guard.done();
    await identifiersThread.stop();
    await targetPool?.end().catch(() => {});
    await archive?.remove();
    await source.destroy();
  }
}
