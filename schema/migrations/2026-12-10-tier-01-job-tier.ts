import { type Kysely, sql } from "kysely";

/**
 * The tiering job is named `tier` (issue 19's contract), no longer `tiering`: an upgraded
 * install keeps its schedule (the admin's cron and on/off, stored under `schedule.<queue>`),
 * its run history and its ledger under the new name. A `schedule.tier` row already present
 * wins (it can only have been written by the renamed job), and the old row goes.
 */
const DDL = /* sql */ `
INSERT INTO governance.settings (key, value, updated_by, updated_at)
SELECT 'schedule.tier', value, updated_by, updated_at
FROM governance.settings WHERE key = 'schedule.tiering'
ON CONFLICT (key) DO NOTHING;
DELETE FROM governance.settings WHERE key = 'schedule.tiering';
UPDATE governance.job_runs SET queue = 'tier' WHERE queue = 'tiering';
UPDATE governance.job_runs SET job_name = 'tier' WHERE job_name = 'tiering';
UPDATE governance.job_ledger SET queue = 'tier' WHERE queue = 'tiering';
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
