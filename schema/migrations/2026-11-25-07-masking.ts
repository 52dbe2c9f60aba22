import type { Kysely } from "kysely";

/** Masking rules and masked datasets. Frozen once released. */
export async function up(_db: Kysely<unknown>): Promise<void> {}
