import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { getDataset } from "../masking/datasets.repository.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { MaskingError } from "../masking/masking-error.ts";
import { dropDataset } from "../masking/provision/lifecycle.ts";
import { datasetDatabaseName, provisionDataset } from "../masking/provision/provision.ts";
import { withDatabase } from "../schema/config.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { dropDatasetByName } from "./support/dataset-cleanup.ts";

/**
 * A dataset is reached only through its own login role: with the connection string handed out,
 * an outsider tries every door (the source store, the maintenance databases, superuser powers,
 * new roles and databases) and finds each closed; once dropped, the role is gone. govern never
 * drops a database it did not create, on its own server or another one (--target-url).
 */

const SLOW = 600_000;
let t: TestDatabase;
const suffix = randomBytes(3).toString("hex");
const names: string[] = [];
const dsName = (n: string) => {
  const name = `iso${suffix}_${n}`;
  names.push(datasetDatabaseName(name));
  return name;
};
const deps = () => ({ db: t.owner, config: t.config });

/** Connects with `url` pointed at `database`; resolves the error message, or "connected". */
async function tryConnect(url: string, database?: string): Promise<string> {
  const u = new URL(url);
  if (database) {
    u.pathname = `/${database}`;
  }
  const client = new pg.Client({ connectionString: u.toString() });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return "connected";
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

async function asSuperuser<T>(database: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(t.config, database).databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  t = await createTestDatabase("dsiso", { demoPartitionsFor: startOfTodayUtc() });
  const pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
  try {
    await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 12, seed: 5 });
  } finally {
    await pool.end();
  }
  await runCatalogScan({ db: t.owner }, { stores: ["postgres"], triggeredBy: "test" });
  await reviewColumns(t.owner, {
    target: { filter: { store: "postgres" } },
    action: "accept",
    actor: "steward@test",
  });
}, SLOW);

afterAll(async () => {
  for (const n of names) {
    await dropDatasetByName(t.config, n).catch(() => {});
  }
  await t?.drop();
});

describe("a dataset's own login role", () => {
  it(
    "opens its dataset and nothing else: not the source, postgres or template1; no superuser, roles or databases; gone after drop",
    async () => {
      const name = dsName("iso");
      const result = await provisionDataset(deps(), { name, requestedBy: "engineer@test" });
      expect(result.kind).toBe("ready");
      if (result.kind !== "ready") {
        return;
      }
      const url = new URL(result.connectionString);
      expect(url.username).toBe(datasetDatabaseName(name));
      expect(url.username).not.toBe("postgres");
      expect(url.password.length).toBeGreaterThanOrEqual(24);
      expect(result.databaseUrl).not.toContain(url.password);

      // Its own database: it reads every masked row (RLS forced as in production, all rows seen).
      const own = new pg.Client({ connectionString: result.connectionString });
      await own.connect();
      try {
        const customers = await own.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM customers",
        );
        expect(customers.rows[0]?.n).toBe(12);
        const me = await own.query<{
          rolsuper: boolean;
          rolcreaterole: boolean;
          rolcreatedb: boolean;
          rolbypassrls: boolean;
          rolreplication: boolean;
        }>(
          "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = current_user",
        );
        expect(me.rows[0]).toEqual({
          rolsuper: false,
          rolcreaterole: false,
          rolcreatedb: false,
          rolbypassrls: false,
          rolreplication: false,
        });
        await expect(own.query(`CREATE ROLE intruder_${suffix} LOGIN`)).rejects.toThrow(
          /permission denied/,
        );
        await expect(own.query(`CREATE ROLE intruder_${suffix} SUPERUSER`)).rejects.toThrow(
          /permission denied|must be superuser/,
        );
        await expect(own.query(`CREATE DATABASE intruder_${suffix}`)).rejects.toThrow(
          /permission denied/,
        );
        await expect(own.query("SET ROLE postgres")).rejects.toThrow(/permission denied/);
        // govern's ownership marker is out of its reach.
        await expect(own.query("DROP SCHEMA govern_dataset CASCADE")).rejects.toThrow(
          /must be owner|permission denied/,
        );
      } finally {
        await own.end();
      }

      // Every other door: the source store, the maintenance databases.
      for (const other of [t.name, "postgres", "template1"]) {
        expect(await tryConnect(result.connectionString, other), other).toMatch(
          /permission denied for database/,
        );
      }
      // The platform's own login still reaches the source.
      expect(await tryConnect(t.config.appDatabaseUrl)).toBe("connected");

      await dropDataset(deps(), name, "engineer@test");
      const left = await asSuperuser("postgres", (c) =>
        c.query(
          "SELECT 1 FROM pg_roles WHERE rolname = $1 UNION ALL SELECT 1 FROM pg_database WHERE datname = $1",
          [datasetDatabaseName(name)],
        ),
      );
      expect(left.rowCount).toBe(0);
      expect(await tryConnect(result.connectionString)).not.toBe("connected");
    },
    SLOW,
  );
});

describe("govern drops only what it created", () => {
  it(
    "refuses a name whose database already exists and leaves that database alone",
    async () => {
      const name = dsName("victim");
      const db = datasetDatabaseName(name);
      await asSuperuser("postgres", (c) => c.query(`CREATE DATABASE ${db}`));
      await asSuperuser(db, (c) =>
        c.query("CREATE TABLE precious (x int); INSERT INTO precious VALUES (1)"),
      );
      await expect(
        provisionDataset(deps(), { name, requestedBy: "engineer@test" }),
      ).rejects.toBeInstanceOf(MaskingError);
      const dataset = await getDataset(t.owner, name);
      expect(dataset?.databaseOid).toBeNull();
      // Dropping the failed record must not touch the foreign database.
      await dropDataset(deps(), name, "engineer@test").catch(() => {});
      const still = await asSuperuser(db, (c) => c.query<{ x: number }>("SELECT x FROM precious"));
      expect(still.rows).toEqual([{ x: 1 }]);
    },
    SLOW,
  );

  it(
    "refuses to drop a database swapped in under the dataset's name after it was created (audited)",
    async () => {
      const name = dsName("swap");
      const db = datasetDatabaseName(name);
      const result = await provisionDataset(deps(), { name, requestedBy: "engineer@test" });
      expect(result.kind).toBe("ready");
      // Someone replaces the dataset's database by their own of the same name.
      await asSuperuser("postgres", async (c) => {
        await c.query(`DROP DATABASE ${db} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${db}`);
      });
      await asSuperuser(db, (c) =>
        c.query("CREATE TABLE precious (x int); INSERT INTO precious VALUES (2)"),
      );
      await expect(dropDataset(deps(), name, "engineer@test")).rejects.toThrow(/left in place/);
      const still = await asSuperuser(db, (c) => c.query<{ x: number }>("SELECT x FROM precious"));
      expect(still.rows).toEqual([{ x: 2 }]);
      const audit = await t.owner
        .selectFrom("governance.audit_events")
        .select(["action", "target"])
        .where("action", "=", "datasets.drop.refused")
        .execute();
      expect(audit.map((a) => a.target)).toContain(`dataset:${name}`);
    },
    SLOW,
  );
});

// --- Another server (--target-url): a private PostgreSQL instance of the test's own ----------

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
    s.on("error", reject);
  });
}

describe("on another server (--target-url)", () => {
  let dir = "";
  let port = 0;
  let serverUrl = "";
  const available = spawnSync("initdb", ["--version"]).status === 0;
  // PostgreSQL refuses to run as root: then as the `postgres` system user.
  const asServer = (program: string, args: string[]): [string, string[]] =>
    process.getuid?.() === 0
      ? ["runuser", ["-u", "postgres", "--", program, ...args]]
      : [program, args];

  beforeAll(async () => {
    if (!available) {
      return;
    }
    dir = mkdtempSync(join(tmpdir(), "govern-target-"));
    port = await freePort();
    if (process.getuid?.() === 0) {
      spawnSync("chown", ["postgres", dir]);
    }
    const init = spawnSync(
      ...asServer("initdb", ["-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
      { stdio: "ignore" },
    );
    expect(init.status).toBe(0);
    const server = spawn(
      ...asServer("pg_ctl", [
        "-D",
        dir,
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        "-w",
        "start",
      ]),
      { stdio: "ignore" },
    );
    await new Promise((r) => server.on("close", r));
    serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    // The platform's roles exist on any server its schema is restored to (grants name them).
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query("CREATE ROLE application_role NOLOGIN; CREATE ROLE govern_reader NOLOGIN");
    await admin.end();
  }, 120_000);

  afterAll(() => {
    if (dir) {
      spawnSync(...asServer("pg_ctl", ["-D", dir, "-m", "immediate", "stop"]), { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(available)(
    "creates the dataset and its role there, keeps the role out of that server's other databases, refuses a taken name and drops only its own",
    async () => {
      const name = dsName("remote");
      const db = datasetDatabaseName(name);
      const result = await provisionDataset(deps(), {
        name,
        requestedBy: "engineer@test",
        targetUrl: serverUrl,
      });
      expect(result.kind).toBe("ready");
      if (result.kind !== "ready") {
        return;
      }
      expect(new URL(result.connectionString).port).toBe(String(port));
      expect(await tryConnect(result.connectionString)).toBe("connected");
      for (const other of ["postgres", "template1"]) {
        expect(await tryConnect(result.connectionString, other), other).toMatch(
          /permission denied for database/,
        );
      }
      // Nothing was created on govern's own server under that name.
      const local = await asSuperuser("postgres", (c) =>
        c.query("SELECT 1 FROM pg_database WHERE datname = $1", [db]),
      );
      expect(local.rowCount).toBe(0);
      // The sealed server URL is not stored in clear.
      const row = await t.owner
        .selectFrom("governance.datasets")
        .selectAll()
        .where("name", "=", name)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(`127.0.0.1:${port}/postgres`);

      // A foreign database with a dataset's name on that server is refused, and survives.
      const taken = dsName("remote_taken");
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${datasetDatabaseName(taken)}`);
        await expect(
          provisionDataset(deps(), { name: taken, requestedBy: "e@test", targetUrl: serverUrl }),
        ).rejects.toThrow(/already exists/);
        await dropDataset(deps(), taken, "e@test").catch(() => {});
        const survived = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [
          datasetDatabaseName(taken),
        ]);
        expect(survived.rowCount).toBe(1);

        // Its own dataset is dropped there, role included.
        await dropDataset(deps(), name, "engineer@test");
        const gone = await admin.query(
          "SELECT 1 FROM pg_database WHERE datname = $1 UNION ALL SELECT 1 FROM pg_roles WHERE rolname = $1",
          [db],
        );
        expect(gone.rowCount).toBe(0);
      } finally {
        await admin.end();
      }
    },
    SLOW,
  );
});
