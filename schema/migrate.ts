import { type Kysely, Migrator, sql } from "kysely";
import { APP_LOGIN_ROLE, type Config } from "./config.ts";
import { migrations } from "./migrations/index.ts";

export type MigrateResult = { applied: string[] };

/** Applies pending migrations and makes sure the application login role can connect. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before typed access makes sense
export async function migrateToLatest(db: Kysely<any>, config: Config): Promise<MigrateResult> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: "governance",
    // Parallel streams of work add migrations whose names sort before ones a database already
    // ran (each is independent of the others of its day); run those instead of refusing.
    allowUnorderedMigrations: true,
  });
  await sql`CREATE SCHEMA IF NOT EXISTS governance`.execute(db);
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`migration ${failed ?? "?"} failed: ${(error as Error).message}`);
  }
  await ensureAppLogin(db, config);
  return {
    applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName),
  };
}

/**
 * The login role the platform application (and our tenancy tests) connect with: a member of
 * application_role, never owner, superuser or BYPASSRLS. Roles are cluster-wide, so another
 * database on the same cluster may already have created it; the password follows config.
 */
// biome-ignore lint/suspicious/noExplicitAny: runs right after migrations
export async function ensureAppLogin(db: Kysely<any>, config: Config): Promise<void> {
  const role = sql.id(APP_LOGIN_ROLE);
  const password = sql.lit(config.appDbPassword);
  await sql`DO $$ BEGIN
      CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`.execute(db);
  await sql`ALTER ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD ${password}`.execute(db);
  const member = await sql<{ ok: boolean }>`
    SELECT pg_has_role(${APP_LOGIN_ROLE}, 'application_role', 'MEMBER') AS ok`.execute(db);
  if (!member.rows[0]?.ok) {
    await sql`GRANT application_role TO ${role}`.execute(db);
  }
}
