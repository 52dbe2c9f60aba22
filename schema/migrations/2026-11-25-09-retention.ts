import type { Kysely } from "kysely";

/** Retention policies, deletion requests, approvals, legal holds, ledger and certificates. Frozen once released. */
export async function up(_db: Kysely<unknown>): Promise<void> {}
