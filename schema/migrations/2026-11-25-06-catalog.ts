import type { Kysely } from "kysely";

/** The catalog of every store's columns, classification proposals, steward decisions and drift (issue: catalog and PII classification). Frozen once released. */
export async function up(_db: Kysely<unknown>): Promise<void> {}
