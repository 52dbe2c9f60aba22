import { createHash } from "node:crypto";
import { sql } from "kysely";
import {
  loadRetentionSchedule,
  operationalColumns,
  parseRetentionPolicy,
  policyProblems,
  RetentionRulesError,
  type TRetentionPolicy,
  type TRetentionSchedule,
} from "../../rules/retention/index.ts";
import type { Db } from "../../schema/postgres.ts";
import { canonicalJson } from "./definition.ts";

/**
 * Retention policies as govern runs them: governance.retention_policies, one row per version.
 * The schedule file seeds version 1 of each policy (and a new version when the file changes
 * while the newest version still came from the file); compliance officers edit in the console,
 * each edit a new version. The current policy is the newest active version.
 *
 * These functions record versions (who, when, note); the route or CLI command that calls them
 * writes the audit event.
 */

export type PolicyVersion = {
  id: string;
  version: number;
  policy: TRetentionPolicy;
  definitionSha256: string;
  source: "file" | "console";
  editedBy: string;
  editedAt: Date;
  note: string | null;
  active: boolean;
};

type Row = {
  id: string;
  version: number;
  definition: unknown;
  definition_sha256: string;
  source: string;
  edited_by: string;
  edited_at: Date;
  note: string | null;
  active: boolean;
};

function toVersion(row: Row): PolicyVersion {
  return {
    id: row.id,
    version: row.version,
    policy: row.definition as TRetentionPolicy,
    definitionSha256: row.definition_sha256,
    source: row.source as PolicyVersion["source"],
    editedBy: row.edited_by,
    editedAt: row.edited_at,
    note: row.note,
    active: row.active,
  };
}

function sha256(policy: TRetentionPolicy): string {
  return createHash("sha256").update(canonicalJson(policy)).digest("hex");
}

/** The current version of every policy (newest active version), by id. */
export async function currentPolicies(db: Db): Promise<PolicyVersion[]> {
  const rows = await db
    .selectFrom("governance.retention_policies")
    .selectAll()
    .distinctOn("id")
    .where("active", "=", true)
    .orderBy("id")
    .orderBy("version", "desc")
    .execute();
  return rows.map(toVersion);
}

/** One policy: its current version, or the given version; undefined when unknown. */
export async function getPolicy(
  db: Db,
  id: string,
  version?: number,
): Promise<PolicyVersion | undefined> {
  let query = db.selectFrom("governance.retention_policies").selectAll().where("id", "=", id);
  query =
    version === undefined ? query.where("active", "=", true) : query.where("version", "=", version);
  const row = await query.orderBy("version", "desc").limit(1).executeTakeFirst();
  return row ? toVersion(row) : undefined;
}

/** Every version of a policy, newest first. */
export async function policyHistory(db: Db, id: string): Promise<PolicyVersion[]> {
  const rows = await db
    .selectFrom("governance.retention_policies")
    .selectAll()
    .where("id", "=", id)
    .orderBy("version", "desc")
    .execute();
  return rows.map(toVersion);
}

/**
 * Runs `work` in a transaction that holds the policies' lock: version numbers, the console's
 * `expectedVersion` check and the file sync each read then write, and two of them at once (the
 * scheduled planner and a CLI run) would otherwise both add a version for one change.
 */
function underPolicyLock<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('govern.retention_policies'))`.execute(trx);
    return work(trx);
  });
}

async function insertVersion(
  trx: Db,
  policy: TRetentionPolicy,
  meta: { source: "file" | "console"; editedBy: string; note?: string | null },
): Promise<PolicyVersion> {
  const row = await trx
    .insertInto("governance.retention_policies")
    .values({
      id: policy.id,
      version: sql<number>`(SELECT coalesce(max(version), 0) + 1 FROM governance.retention_policies WHERE id = ${policy.id})`,
      definition: JSON.stringify(policy),
      definition_sha256: sha256(policy),
      source: meta.source,
      edited_by: meta.editedBy,
      note: meta.note ?? null,
      active: true,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toVersion(row);
}

/**
 * Saves an edited policy as a new version after validating it (shape and real schema). Throws
 * RetentionRulesError listing every problem; `expectedVersion` (optional) refuses an edit made
 * on top of a version that is no longer current.
 */
export async function savePolicyVersion(
  db: Db,
  input: { definition: unknown; editedBy: string; note?: string; expectedVersion?: number },
  schedule: Pick<TRetentionSchedule, "minimumRetention"> = loadRetentionSchedule(),
): Promise<PolicyVersion> {
  const policy = parseRetentionPolicy(input.definition);
  const problems = policyProblems(policy, await operationalColumns(db), schedule);
  if (problems.length) {
    throw new RetentionRulesError(`policy ${policy.id} does not fit the database`, problems);
  }
  return underPolicyLock(db, async (trx) => {
    const current = await getPolicy(trx, policy.id);
    if (input.expectedVersion !== undefined && current?.version !== input.expectedVersion) {
      throw new RetentionRulesError(`policy ${policy.id} changed meanwhile`, [
        `edited on top of version ${input.expectedVersion}, current is ${current?.version ?? "none"}`,
      ]);
    }
    return insertVersion(trx, policy, {
      source: "console",
      editedBy: input.editedBy,
      note: input.note,
    });
  });
}

export type SyncReport = {
  created: string[];
  updated: string[];
  unchanged: string[];
  keptConsole: string[];
};

/**
 * Brings the schedule file's policies into the database: a policy never seen gets version 1; a
 * policy whose newest version came from the file and differs from it gets a new file version;
 * a policy edited in the console keeps the console's version (the file no longer rules it).
 */
export async function syncPolicyFiles(
  db: Db,
  schedule: TRetentionSchedule = loadRetentionSchedule(),
  editedBy = "policy-file",
): Promise<SyncReport> {
  return underPolicyLock(db, async (trx) => {
    const report: SyncReport = { created: [], updated: [], unchanged: [], keptConsole: [] };
    for (const policy of schedule.policies) {
      const current = await getPolicy(trx, policy.id);
      if (!current) {
        await insertVersion(trx, policy, {
          source: "file",
          editedBy,
          note: "from the schedule file",
        });
        report.created.push(policy.id);
      } else if (current.source === "console") {
        report.keptConsole.push(policy.id);
      } else if (current.definitionSha256 !== sha256(policy)) {
        await insertVersion(trx, policy, {
          source: "file",
          editedBy,
          note: "schedule file changed",
        });
        report.updated.push(policy.id);
      } else {
        report.unchanged.push(policy.id);
      }
    }
    return report;
  });
}
