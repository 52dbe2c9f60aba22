import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import {
  DEFAULT_TIERING_DIR,
  loadTieringPolicies,
  parseTieringPolicy,
  TieringPolicyError,
} from "../../rules/tiering/loader.ts";
import type { TTieringPolicy } from "../../rules/tiering/schema.ts";
import { appendAuditEvent } from "../../schema/governance/audit-events.repository.ts";
import type { Db } from "../../schema/postgres.ts";

/**
 * The policies in force: the files under rules/tiering, each overridden by its newest version
 * edited in the console (governance.tiering_policy_versions; every edit is a new, audited
 * version, validated like a file).
 */
export type PolicyEntry = {
  policy: TTieringPolicy;
  body: string;
  version: number;
  source: "file" | "console";
  editedBy: string | null;
};

export async function currentTieringPolicies(
  db: Db,
  dir = DEFAULT_TIERING_DIR,
): Promise<PolicyEntry[]> {
  const files = loadTieringPolicies(dir);
  const edited = await sql<{
    table_name: string;
    version: number;
    body: string;
    created_by: string;
  }>`
    SELECT DISTINCT ON (table_name) table_name, version, body, created_by
    FROM governance.tiering_policy_versions ORDER BY table_name, version DESC`.execute(db);
  const byTable = new Map(edited.rows.map((r) => [r.table_name, r]));
  const out: PolicyEntry[] = [];
  for (const policy of files) {
    const row = byTable.get(policy.table);
    if (row) {
      out.push({
        policy: parseTieringPolicy(row.body, `${policy.table} v${row.version}`),
        body: row.body,
        version: row.version,
        source: "console",
        editedBy: row.created_by,
      });
    } else {
      out.push({
        policy,
        body: readFileSync(join(dir, `${policy.table}.yaml`), "utf8"),
        version: 0,
        source: "file",
        editedBy: null,
      });
    }
  }
  return out;
}

/**
 * Validates a draft of `table`'s policy like a file, and that it is still that table's (a
 * policy per table, of a table govern ships a policy for). Throws TieringPolicyError.
 */
export function checkTieringDraft(table: string, body: string, dir = DEFAULT_TIERING_DIR) {
  const known = loadTieringPolicies(dir).map((p) => p.table);
  if (!known.includes(table)) {
    throw new TieringPolicyError(`no tiering policy for table ${table}`, [
      `table: must be one of ${known.join(", ")}`,
    ]);
  }
  const policy = parseTieringPolicy(body, `${table} (edit)`);
  if (policy.table !== table) {
    throw new TieringPolicyError(`${table} (edit) names another table`, [
      `table: ${policy.table} must stay ${table} (a policy per table)`,
    ]);
  }
  return policy;
}

/** Validates and stores a new version of a table's policy; audited. Throws TieringPolicyError. */
export async function saveTieringPolicy(
  db: Db,
  input: {
    table: string;
    body: string;
    actor: string;
    actorRole?: string | null;
    /** false when the caller audits the change itself (the API's audit middleware). */
    audited?: boolean;
  },
): Promise<PolicyEntry> {
  const policy = checkTieringDraft(input.table, input.body);
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('tiering-policy:' || ${input.table}))`.execute(
      trx,
    );
    const last = await sql<{ v: number | null }>`
      SELECT max(version) AS v FROM governance.tiering_policy_versions WHERE table_name = ${input.table}`.execute(
      trx,
    );
    const version = (last.rows[0]?.v ?? 0) + 1;
    await trx
      .insertInto("governance.tiering_policy_versions")
      .values({ table_name: input.table, version, body: input.body, created_by: input.actor })
      .execute();
    if (input.audited !== false) {
      await appendAuditEvent(trx, {
        actor: input.actor,
        actorRole: input.actorRole ?? null,
        action: "tiering.policy.update",
        target: `public.${input.table}`,
        summary: { version, tiers: policy.tiers, business_rules: policy.business_rules },
      });
    }
    return { policy, body: input.body, version, source: "console" as const, editedBy: input.actor };
  });
}

export type PolicyVersion = { version: number; body: string; createdBy: string; createdAt: Date };

/** Every console version of a table's policy, newest first. */
export async function tieringPolicyVersions(db: Db, table: string): Promise<PolicyVersion[]> {
  const rows = await sql<{ version: number; body: string; created_by: string; created_at: Date }>`
    SELECT version, body, created_by, created_at FROM governance.tiering_policy_versions
    WHERE table_name = ${table} ORDER BY version DESC`.execute(db);
  return rows.rows.map((r) => ({
    version: r.version,
    body: r.body,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }));
}
