import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import pg from "pg";
import { APP_LOGIN_ROLE, type Config, withDatabase } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import type { Dataset } from "../datasets.repository.ts";
import { MaskingError } from "../masking-error.ts";

/**
 * A dataset's database and login role, on govern's own server or another one (`--target-url`):
 *
 * - **Isolation.** Every dataset gets its own login role (`govern_ds_<name>`, a generated
 *   password, no SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS) that owns its
 *   database and nothing else. CONNECT on that database is revoked from PUBLIC and granted to the
 *   role; on the server's maintenance databases (`postgres`, `template1`) and on the source
 *   store, PUBLIC's CONNECT is replaced by grants to the platform's own roles, so a dataset role
 *   cannot open any of them. The connection string handed out carries that role and password.
 * - **Secrets.** The password is kept sealed (AES-256-GCM under a key derived from
 *   GOVERN_SECRET), as is the admin connection of another server; neither is ever stored or
 *   shown in clear outside `connectionString`.
 * - **Ownership.** govern refuses a name whose database or role already exists, records the OID
 *   of the database and role it creates and writes a marker (`govern_dataset.marker`, owned by
 *   the server's superuser, so the dataset role cannot remove or forge it) inside the database.
 *   It drops a database only when the one with that name still has the recorded OID and the
 *   marker names this dataset; a role only when it still has the recorded OID.
 */

/** The platform's roles that keep CONNECT where PUBLIC loses it. */
const PLATFORM_ROLES = ["govern_app", "govern_reader", "application_role", APP_LOGIN_ROLE];

/** Databases every dataset role is kept out of (besides the source store, when on the server). */
const MAINTENANCE_DATABASES = ["postgres", "template1"];

const ROLE_ATTRIBUTES =
  "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 20";

export const MARKER_SCHEMA = "govern_dataset";

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

// --- Secrets -----------------------------------------------------------------------------------

function secretsKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("govern:dataset-secrets:v1").digest();
}

/** Seals a secret for storage: `v1.<iv>.<tag>.<ciphertext>`, base64url. */
export function sealSecret(secret: string, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secretsKey(secret), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

export function openSecret(secret: string, sealed: string): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || body === undefined) {
    throw new Error("not a sealed dataset secret");
  }
  const decipher = createDecipheriv(
    "aes-256-gcm",
    secretsKey(secret),
    Buffer.from(iv, "base64url"),
  );
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([
    decipher.update(Buffer.from(body, "base64url")),
    decipher.final(),
  ]).toString("utf8");
}

/** A generated password: 32 URL-safe characters (192 bits). */
export function newPassword(): string {
  return randomBytes(24).toString("base64url");
}

// --- Servers -----------------------------------------------------------------------------------

/** The admin connection of the server a dataset lives on (its maintenance database). */
export function serverAdminUrl(config: Config, sealedServerUrl: string | null): string {
  if (!sealedServerUrl) {
    return withDatabase(config, "postgres").databaseUrl;
  }
  return openSecret(config.secret, sealedServerUrl);
}

/** `url` pointed at another database of the same server, same credentials. */
export function onDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

function sameServer(a: string, b: string): boolean {
  const ua = new URL(a);
  const ub = new URL(b);
  return ua.hostname === ub.hostname && (ua.port || "5432") === (ub.port || "5432");
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "govern-datasets" });
  // An ended session fails the query in flight; the event must not go unhandled.
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The connection string handed to the dataset's owner: its own role and password. */
export function connectionString(config: Config, dataset: Dataset): string | null {
  if (!dataset.roleName || !dataset.passwordEnc || !dataset.databaseName) {
    return null;
  }
  const u = new URL(serverAdminUrl(config, dataset.serverUrlEnc));
  u.username = encodeURIComponent(dataset.roleName);
  u.password = encodeURIComponent(openSecret(config.secret, dataset.passwordEnc));
  u.pathname = `/${encodeURIComponent(dataset.databaseName)}`;
  u.search = "";
  return u.toString();
}

/** The same without the password: what lists and reports show. */
export function publicDatabaseUrl(
  adminUrl: string,
  roleName: string,
  databaseName: string,
): string {
  const u = new URL(adminUrl);
  u.username = encodeURIComponent(roleName);
  u.password = "";
  u.pathname = `/${encodeURIComponent(databaseName)}`;
  u.search = "";
  return u.toString();
}

// --- Creation ----------------------------------------------------------------------------------

export type CreatedDatasetDatabase = {
  databaseName: string;
  databaseOid: number;
  roleName: string;
  roleOid: number;
  /** The server's admin connection pointed at the new database (for the copy itself). */
  adminUrl: string;
  /** Where to connect, no password. */
  databaseUrl: string;
};

/**
 * Creates the dataset's role and database on its server, records both OIDs, the sealed password
 * and (for another server) the sealed admin connection on the dataset row before anything else
 * is written, then the marker inside and the CONNECT restrictions. Refuses (MaskingError
 * `conflict`, nothing created) when a database or role of that name already exists.
 */
export async function createDatasetDatabase(
  deps: { db: Db; config: Config },
  dataset: { id: string },
  databaseName: string,
  serverUrl: string | null,
): Promise<CreatedDatasetDatabase> {
  const adminUrl = serverUrl ?? withDatabase(deps.config, "postgres").databaseUrl;
  const roleName = databaseName;
  const password = newPassword();
  const created = await withClient(adminUrl, async (admin) => {
    const taken = await admin.query<{ what: string }>(
      `SELECT 'database' AS what FROM pg_database WHERE datname = $1
       UNION ALL SELECT 'role' FROM pg_roles WHERE rolname = $1`,
      [databaseName],
    );
    if (taken.rows.length > 0) {
      throw new MaskingError(
        "conflict",
        `a ${taken.rows.map((r) => r.what).join(" and a ")} named ${databaseName} already exists on the target server; govern never takes over what it did not create — choose another name`,
        { reason: "exists", database: databaseName },
      );
    }
    await admin.query(
      `CREATE ROLE ${ident(roleName)} ${ROLE_ATTRIBUTES} PASSWORD ${admin.escapeLiteral(password)}`,
    );
    try {
      await admin.query(
        `COMMENT ON ROLE ${ident(roleName)} IS ${admin.escapeLiteral(`govern dataset ${dataset.id}`)}`,
      );
      await admin.query(
        `CREATE DATABASE ${ident(databaseName)} OWNER ${ident(roleName)} TEMPLATE template0`,
      );
    } catch (error) {
      await admin.query(`DROP ROLE IF EXISTS ${ident(roleName)}`).catch(() => {});
      throw error;
    }
    const oids = await admin.query<{ db: string; role: string }>(
      `SELECT (SELECT oid FROM pg_database WHERE datname = $1)::bigint::text AS db,
              (SELECT oid FROM pg_roles WHERE rolname = $1)::bigint::text AS role`,
      [databaseName],
    );
    return { databaseOid: Number(oids.rows[0]?.db), roleOid: Number(oids.rows[0]?.role) };
  });
  const databaseUrl = publicDatabaseUrl(adminUrl, roleName, databaseName);
  await deps.db
    .updateTable("governance.datasets")
    .set({
      database_name: databaseName,
      database_oid: created.databaseOid,
      database_url: databaseUrl,
      role_name: roleName,
      role_oid: created.roleOid,
      password_enc: sealSecret(deps.config.secret, password),
      server_url_enc: serverUrl ? sealSecret(deps.config.secret, serverUrl) : null,
    })
    .where("id", "=", dataset.id)
    .execute();
  const targetAdminUrl = onDatabase(adminUrl, databaseName);
  await withClient(targetAdminUrl, async (target) => {
    await target.query(`CREATE SCHEMA ${MARKER_SCHEMA};
      REVOKE ALL ON SCHEMA ${MARKER_SCHEMA} FROM PUBLIC;
      CREATE TABLE ${MARKER_SCHEMA}.marker (dataset_id uuid PRIMARY KEY, database_oid bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now())`);
    await target.query(
      `INSERT INTO ${MARKER_SCHEMA}.marker (dataset_id, database_oid) VALUES ($1, $2)`,
      [dataset.id, created.databaseOid],
    );
  });
  await withClient(adminUrl, async (admin) => {
    // CONNECT only at hand-over (grantDatasetRole): until then nobody but govern writes into the
    // database (the leak scan reads the copy's own stream, leak-scan/load-proof.ts). The owner
    // holds its privileges in the ACL like anyone, so they can be revoked from it.
    await admin.query(`REVOKE ALL ON DATABASE ${ident(databaseName)} FROM PUBLIC;
      REVOKE CONNECT ON DATABASE ${ident(databaseName)} FROM ${ident(roleName)};
      GRANT TEMPORARY ON DATABASE ${ident(databaseName)} TO ${ident(roleName)}`);
    const source = sameServer(adminUrl, deps.config.databaseUrl)
      ? new URL(deps.config.databaseUrl).pathname.slice(1)
      : null;
    await closeToPublic(admin, [
      ...MAINTENANCE_DATABASES,
      ...(source ? [decodeURIComponent(source)] : []),
    ]);
  });
  return { databaseName, ...created, roleName, adminUrl: targetAdminUrl, databaseUrl };
}

/**
 * Replaces PUBLIC's CONNECT on `databases` (those that still grant it) by grants to the platform's
 * own roles that exist on the server: superusers and those roles connect as before, a dataset
 * role (or any other role) no longer can.
 */
async function closeToPublic(admin: pg.Client, databases: string[]): Promise<void> {
  const open = await admin.query<{ datname: string }>(
    `SELECT d.datname FROM pg_database d
     WHERE d.datname = ANY($1::text[]) AND EXISTS (
       SELECT 1 FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
       WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT')`,
    [databases],
  );
  if (open.rows.length === 0) {
    return;
  }
  const roles = await admin.query<{ rolname: string }>(
    "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])",
    [PLATFORM_ROLES],
  );
  for (const { datname } of open.rows) {
    if (roles.rows.length > 0) {
      await admin.query(
        `GRANT CONNECT ON DATABASE ${ident(datname)} TO ${roles.rows.map((r) => ident(r.rolname)).join(", ")}`,
      );
    }
    await admin.query(`REVOKE CONNECT ON DATABASE ${ident(datname)} FROM PUBLIC`);
  }
}

/**
 * Once the data is in: the dataset role may use everything in schema `public` (tables,
 * partitions, views, sequences, functions) and sees every row of the tables that force row-level
 * security (one permissive policy for it), the schema otherwise as in production.
 */
export async function grantDatasetRole(targetAdminUrl: string, roleName: string): Promise<void> {
  const role = ident(roleName);
  await withClient(targetAdminUrl, async (target) => {
    const db = await target.query<{ name: string }>("SELECT current_database() AS name");
    await target.query(`GRANT CONNECT ON DATABASE ${ident(db.rows[0]?.name ?? "")} TO ${role}`);
    await target.query(`GRANT ALL ON SCHEMA public TO ${role};
      GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
      GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role};
      GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${role};`);
    await target.query(`DO $$
      DECLARE r record;
      BEGIN
        FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relrowsecurity AND c.relkind IN ('r', 'p')
        LOOP
          EXECUTE format('CREATE POLICY govern_dataset_access ON %s TO %I USING (true) WITH CHECK (true)',
                         r.rel, ${target.escapeLiteral(roleName)});
        END LOOP;
      END $$`);
  });
}

// --- Rotation ----------------------------------------------------------------------------------

/** Gives the dataset's role a new password and stores it sealed. Returns the new string. */
export async function rotateDatasetPassword(
  deps: { db: Db; config: Config },
  dataset: Dataset,
): Promise<string> {
  if (!dataset.roleName || dataset.roleOid === null) {
    throw new MaskingError("conflict", `dataset ${dataset.name} has no login role to rotate`);
  }
  const password = newPassword();
  await withClient(serverAdminUrl(deps.config, dataset.serverUrlEnc), async (admin) => {
    const role = await admin.query<{ oid: string }>(
      "SELECT oid::bigint::text AS oid FROM pg_roles WHERE rolname = $1",
      [dataset.roleName],
    );
    if (Number(role.rows[0]?.oid) !== dataset.roleOid) {
      throw new MaskingError(
        "conflict",
        `role ${dataset.roleName} is not the one govern created for ${dataset.name}; not changed`,
      );
    }
    await admin.query(
      `ALTER ROLE ${ident(dataset.roleName as string)} PASSWORD ${admin.escapeLiteral(password)}`,
    );
  });
  const sealed = sealSecret(deps.config.secret, password);
  await deps.db
    .updateTable("governance.datasets")
    .set({ password_enc: sealed })
    .where("id", "=", dataset.id)
    .execute();
  return connectionString(deps.config, { ...dataset, passwordEnc: sealed }) as string;
}

// --- Cancellation ------------------------------------------------------------------------------

/** Ends every session on the dataset's database (a running copy's included). */
export async function terminateDatasetSessions(config: Config, dataset: Dataset): Promise<number> {
  if (!dataset.databaseName) {
    return 0;
  }
  return withClient(serverAdminUrl(config, dataset.serverUrlEnc), async (admin) => {
    const r = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [dataset.databaseName],
    );
    return r.rowCount ?? 0;
  });
}

// --- Dropping ----------------------------------------------------------------------------------

export type DropOutcome =
  | { dropped: true; database: boolean; role: boolean }
  | { dropped: false; reason: string };

/**
 * Drops the dataset's database and role if, and only if, they are the ones govern created: the
 * database with that name has the recorded OID and govern's marker for this dataset inside, the
 * role the recorded OID. Anything else is left in place and reported (`dropped: false`).
 * A database already gone is fine (its role still goes).
 */
export async function dropDatasetDatabase(config: Config, dataset: Dataset): Promise<DropOutcome> {
  if (!dataset.databaseName || dataset.databaseOid === null) {
    return { dropped: true, database: false, role: false };
  }
  const adminUrl = serverAdminUrl(config, dataset.serverUrlEnc);
  const name = dataset.databaseName;
  const found = await withClient(adminUrl, (admin) =>
    admin.query<{ oid: string; allowed: boolean }>(
      "SELECT oid::bigint::text AS oid, datallowconn AS allowed FROM pg_database WHERE datname = $1",
      [name],
    ),
  );
  let droppedDatabase = false;
  const row = found.rows[0];
  if (row) {
    if (Number(row.oid) !== dataset.databaseOid) {
      return {
        dropped: false,
        reason: `database ${name} is not the one govern created (OID ${row.oid}, recorded ${dataset.databaseOid}); left in place`,
      };
    }
    const marked = await withClient(onDatabase(adminUrl, name), async (target) => {
      const r = await target.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
         WHERE s.nspname = $1 AND c.relname = 'marker'`,
        [MARKER_SCHEMA],
      );
      if ((r.rows[0]?.n ?? 0) === 0) {
        return false;
      }
      const m = await target.query(
        `SELECT 1 FROM ${MARKER_SCHEMA}.marker WHERE dataset_id = $1 AND database_oid = $2`,
        [dataset.id, dataset.databaseOid],
      );
      return (m.rowCount ?? 0) > 0;
    }).catch(() => false);
    if (!marked) {
      return {
        dropped: false,
        reason: `database ${name} does not carry govern's marker for dataset ${dataset.id}; left in place`,
      };
    }
    await withClient(adminUrl, (admin) =>
      admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`),
    );
    droppedDatabase = true;
  }
  let droppedRole = false;
  if (dataset.roleName && dataset.roleOid !== null) {
    const roleName = dataset.roleName;
    droppedRole = await withClient(adminUrl, async (admin) => {
      const r = await admin.query<{ oid: string }>(
        "SELECT oid::bigint::text AS oid FROM pg_roles WHERE rolname = $1",
        [roleName],
      );
      if (Number(r.rows[0]?.oid) !== dataset.roleOid) {
        return false;
      }
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`,
        [roleName],
      );
      await admin.query(`DROP ROLE IF EXISTS ${ident(roleName)}`);
      return true;
    });
  }
  return { dropped: true, database: droppedDatabase, role: droppedRole };
}

/**
 * Before a run starts over (a retry after a crash): what an earlier attempt of this dataset
 * created goes first, ownership checked; the dataset row forgets it. Throws MaskingError
 * `conflict` when a database in the way is not govern's.
 */
export async function dropLeftovers(
  deps: { db: Db; config: Config },
  dataset: Dataset,
): Promise<void> {
  if (dataset.databaseOid === null && dataset.roleOid === null) {
    return;
  }
  const outcome = await dropDatasetDatabase(deps.config, dataset);
  if (!outcome.dropped) {
    throw new MaskingError("conflict", outcome.reason, { reason: "not_owned" });
  }
  await deps.db
    .updateTable("governance.datasets")
    .set({
      database_oid: null,
      database_url: null,
      role_name: null,
      role_oid: null,
      password_enc: null,
      server_url_enc: null,
    })
    .where("id", "=", dataset.id)
    .execute();
}

/** Whether `name` is free on the server for a new dataset database and role (a quick refusal). */
export async function datasetNameFree(
  config: Config,
  databaseName: string,
  serverUrl: string | null = null,
): Promise<boolean> {
  const adminUrl = serverUrl ?? withDatabase(config, "postgres").databaseUrl;
  return withClient(adminUrl, async (admin) => {
    const r = await admin.query(
      "SELECT 1 FROM pg_database WHERE datname = $1 UNION ALL SELECT 1 FROM pg_roles WHERE rolname = $1",
      [databaseName],
    );
    return (r.rowCount ?? 0) === 0;
  });
}
