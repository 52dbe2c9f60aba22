import type { Kysely } from "kysely";

/** Synthetic data profiles and datasets. Frozen once released. */
export async function up(_db: Kysely<unknown>): Promise<void> {}
