import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { serve as serveHttp } from "@hono/node-server";
import { ensurePartitions } from "../jobs/partitions/partitions.ts";
import { migrateAnalytics } from "../schema/analytics/analytics-store.ts";
import { type Config, ConfigError, loadConfig } from "../schema/config.ts";
import type { Role } from "../schema/domain/permissions.ts";
import { recordAccountChange } from "../schema/governance/account-provenance.repository.ts";
import { findToken, revokeToken } from "../schema/governance/api-tokens.repository.ts";
import { listAuditEvents } from "../schema/governance/audit-query.ts";
import { verifyAuditChain } from "../schema/governance/audit-verify.ts";
import {
  type ConsoleUser,
  countUsers,
  disableUser,
  findUserByEmail,
  insertUser,
  listUsers,
} from "../schema/governance/console-users.repository.ts";
import { createLogger } from "../schema/logger.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb, type Db } from "../schema/postgres.ts";
import { isUuid } from "../schema/uuid.ts";
import { hashPassword } from "./auth/passwords.ts";
import { createApiToken, principalFromToken } from "./auth/principal.ts";
import { powersBeyond } from "./auth/token-policy.ts";
import { ACCESS_COMMANDS } from "./cli/access.commands.ts";
import { ACCOUNT_COMMANDS } from "./cli/accounts.commands.ts";
import { CATALOG_COMMANDS } from "./cli/catalog.commands.ts";
import { DATASET_CONTROL_COMMANDS } from "./cli/dataset-controls.commands.ts";
import { LINEAGE_COMMANDS } from "./cli/lineage.commands.ts";
import { MASKING_COMMANDS } from "./cli/masking.commands.ts";
import { NOTIFY_COMMANDS } from "./cli/notify.commands.ts";
import { QUALITY_COMMANDS } from "./cli/quality.commands.ts";
import { RECOGNIZER_COMMANDS } from "./cli/recognizers.commands.ts";
import { RETENTION_COMMANDS } from "./cli/retention.commands.ts";
import {
  type Actor,
  accountChanger,
  auditCommand,
  authorizeCommand,
  type Command,
  json,
  option,
  positiveInt,
  print,
  progressPrinter,
  RefusedError,
  requirePermission,
  roleOption,
  UsageError,
  type Values,
  withDb,
} from "./cli/support.ts";
import { TIERING_COMMANDS } from "./cli/tiering.commands.ts";
import { checkHealth } from "./health.ts";
import { userView, ZDisplayName, ZEmail, ZNewPassword } from "./routes/users/schemas.ts";
import { ensureDatabase, openRuntime, type Runtime } from "./runtime.ts";

/**
 * `govern` — the one CLI entry. Commands are thin: parse, authorize, call the engine, print.
 *
 * Who acts: the console user whose API token is in GOVERN_TOKEN, held to the same permission
 * matrix as the API; without a token, the local operator (whoever holds the database
 * credentials), who may run only the bootstrap commands that decide nothing, and reads
 * (server/cli/support.ts: authorizeCommand). Exit codes: 0 done, 1 failed,
 * 2 refused (usage, configuration, an invalid token, or a role that may not do this).
 *
 * The server, the worker and the demo platform are imported by the commands that run them:
 * every other command (and every spawned `govern` in a script) starts without loading them.
 */

// Four tenants, one per country the platform serves (US, Germany, France, Canada), 6,000 customers.
const DEMO = { tenants: 4, customersPerTenant: 1_500, seed: 1 };

async function userByEmail(db: Db, email: string): Promise<ConsoleUser> {
  const user = await findUserByEmail(db, email);
  if (!user) {
    throw new UsageError(`no user with the email ${email}`);
  }
  return user;
}

/** Adds a user: the same checks as POST /api/v1/users. */
async function addUser(
  db: Db,
  actor: Actor,
  input: { email: string; displayName: string; role: Role; password: string },
): Promise<ConsoleUser> {
  const email = input.email.toLowerCase();
  if (await findUserByEmail(db, email)) {
    throw new Error(`a user with the email ${email} exists`);
  }
  const user = await insertUser(db, {
    email,
    displayName: input.displayName,
    role: input.role,
    passwordHash: await hashPassword(input.password),
  });
  await recordAccountChange(db, {
    userId: user.id,
    event: "created",
    role: user.role,
    by: accountChanger(actor),
  });
  await auditCommand(db, actor, {
    action: "users.create",
    target: `user:${user.email}`,
    summary: { role: user.role },
  });
  return user;
}

const DEMO_ROLES: { role: Role; local: string; name: string }[] = [
  { role: "admin", local: "admin", name: "Demo Admin" },
  { role: "steward", local: "steward", name: "Demo Data Steward" },
  { role: "compliance_officer", local: "compliance", name: "Demo Compliance Officer" },
  // A second officer: deletions above their threshold need an officer other than the requester.
  { role: "compliance_officer", local: "compliance2", name: "Demo Compliance Officer 2" },
  { role: "engineer", local: "engineer", name: "Demo Engineer" },
];

/**
 * One demo user per role (two compliance officers, so that one can approve what the other
 * planned) with a random strong password, only while there are no users at all; the passwords
 * are printed this once (only their scrypt hashes are kept).
 */
export async function ensureDemoUsers(
  config: Config,
  actor: Actor,
): Promise<{ email: string; role: Role; password: string }[]> {
  return withDb(config, async (db) => {
    if ((await countUsers(db)) > 0) {
      return [];
    }
    const logins = [];
    for (const demo of DEMO_ROLES) {
      const password = randomBytes(15).toString("base64url");
      const user = await addUser(db, actor, {
        email: `${demo.local}@govern.local`,
        displayName: demo.name,
        role: demo.role,
        password,
      });
      logins.push({ email: user.email, role: user.role, password });
    }
    return logins;
  });
}

async function migrate(config: Config) {
  const created = await ensureDatabase(config);
  const { db } = createOwnerDb(config, { max: 2 });
  try {
    const result = await migrateToLatest(db, config);
    await ensurePartitions(db);
    return { createdDatabase: created, ...result };
  } finally {
    await db.destroy();
  }
}

async function seed(
  config: Config,
  options: { tenants: number; customersPerTenant: number; seed: number; asOf?: Date },
) {
  const { isOperationalStoreEmpty, seedDemoPlatform } = await import(
    "../masking/demo-platform/index.ts"
  );
  const { pool, db } = createOwnerDb(config, { max: 6 });
  try {
    if (!(await isOperationalStoreEmpty(pool))) {
      throw new UsageError(
        "the operational store already has tenants; seed into an empty database (set DATABASE_URL)",
      );
    }
    const show = progressPrinter();
    const report = await seedDemoPlatform(pool, {
      ...options,
      onProgress: (p) => show(`seeding ${p.table}: ${p.rows.toLocaleString("en-US")} rows`),
    });
    if (process.stderr.isTTY) {
      process.stderr.write("\n");
    }
    return report;
  } finally {
    await db.destroy();
  }
}

async function runServer(config: Config, withWorker: boolean): Promise<Runtime> {
  const [{ newApp }, { startWorker }, { createNotifier }, { cancelInFlightDatasets }] =
    await Promise.all([
      import("./app.ts"),
      import("../jobs/worker.ts"),
      import("../jobs/notify/notify.ts"),
      import("../masking/provision/cancellation.ts"),
    ]);
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config);
  await migrateAnalytics(runtime.analytics);
  const worker = withWorker ? await startWorker({ ...runtime, logger }) : undefined;
  const notify = createNotifier({ ...runtime, logger, queues: worker?.queues });
  const app = newApp({
    ...runtime,
    logger,
    enqueue: worker?.enqueue,
    jobs: worker?.queues,
    notify,
  });
  const server = serveHttp({ fetch: app.fetch, port: config.port, hostname: config.host });
  const shutdown = async (signal: string) => {
    logger.info("shutting down", { signal });
    server.close();
    // A dataset being built stops at once (dropped, not retried) instead of holding the close.
    await cancelInFlightDatasets();
    await worker?.close();
    await runtime.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
  if (worker) {
    // After the ETL, so a fresh demo's console opens on a populated catalog. With Redis down
    // these are refused at once; their schedules run them once it is back.
    for (const queue of ["partitions", "etl", "classify"]) {
      await worker
        .enqueue(queue, {}, "startup")
        .catch((error: Error) =>
          logger.warn("startup run not queued", { queue, error: error.message }),
        );
    }
  }
  return runtime;
}

const CORE_COMMANDS: Record<string, Command> = {
  migrate: {
    summary: "create the database if needed, apply migrations, create upcoming partitions",
    usage: "govern migrate [--json]",
    options: json,
    access: { bootstrap: true, permission: "jobs:run" },
    run: async (values, config, actor) => {
      const result = await migrate(config);
      await withDb(config, (db) =>
        auditCommand(db, actor, { action: "cli.migrate", summary: { applied: result.applied } }),
      );
      print(
        values.json === true,
        result,
        result.applied.length
          ? `applied ${result.applied.length} migration(s):\n  ${result.applied.join("\n  ")}`
          : "schema is up to date",
      );
      return 0;
    },
  },
  seed: {
    summary: "load a synthetic demo platform into an empty operational store",
    usage:
      "govern seed --tenants N --customers-per-tenant M --seed S [--as-of YYYY-MM-DD] [--json]",
    options: {
      ...json,
      tenants: { type: "string", default: String(DEMO.tenants) },
      "customers-per-tenant": { type: "string", default: String(DEMO.customersPerTenant) },
      seed: { type: "string", default: String(DEMO.seed) },
      "as-of": { type: "string" },
    },
    access: { bootstrap: true, permission: "jobs:run" },
    run: async (values, config, actor) => {
      const asOfRaw = values["as-of"];
      let asOf: Date | undefined;
      if (typeof asOfRaw === "string") {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(asOfRaw) || Number.isNaN(Date.parse(asOfRaw))) {
          throw new UsageError(`--as-of must be a date like 2026-11-01, got ${asOfRaw}`);
        }
        asOf = new Date(`${asOfRaw}T00:00:00Z`);
      }
      const options = {
        tenants: positiveInt(values.tenants, "tenants", 10_000),
        customersPerTenant: positiveInt(
          values["customers-per-tenant"],
          "customers-per-tenant",
          10_000_000,
        ),
        seed: positiveInt(values.seed, "seed", 2 ** 31 - 1),
        asOf,
      };
      await migrate(config);
      const report = await seed(config, options);
      await withDb(config, (db) =>
        auditCommand(db, actor, {
          action: "cli.seed",
          summary: { ...options, asOf: options.asOf?.toISOString(), rows: report.totalRows },
        }),
      );
      print(
        values.json === true,
        report,
        `seeded ${report.totalRows.toLocaleString("en-US")} rows in ${(report.durationMs / 1000).toFixed(1)} s ` +
          `(${Math.round(report.rowsPerSecond).toLocaleString("en-US")} rows/s) for ${report.tenantIds.length} tenants`,
      );
      return 0;
    },
  },
  partitions: {
    summary: "create the upcoming partitions of business_events and business_metrics",
    usage: "govern partitions [--days-ahead N] [--json]",
    options: { ...json, "days-ahead": { type: "string", default: "35" } },
    access: { bootstrap: true, permission: "jobs:run" },
    run: async (values, config, actor) => {
      const { db } = createOwnerDb(config, { max: 1 });
      try {
        const daysAhead = positiveInt(values["days-ahead"], "days-ahead", 366);
        const report = await ensurePartitions(db, { window: { daysBack: 1, daysAhead } });
        await auditCommand(db, actor, { action: "cli.partitions", summary: { daysAhead } });
        print(
          values.json === true,
          report,
          `partitions created: ${JSON.stringify(report.created)}`,
        );
        return 0;
      } finally {
        await db.destroy();
      }
    },
  },
  etl: {
    summary: "load the analytics store incrementally from the operational store",
    usage: "govern etl [--target NAME]... [--json]",
    options: { ...json, target: { type: "string", multiple: true } },
    access: { bootstrap: true, permission: "jobs:run" },
    run: async (values, config, actor) => {
      const { runEtl } = await import("../jobs/etl/etl.ts");
      const runtime = await openRuntime(config);
      try {
        await migrateAnalytics(runtime.analytics);
        const targets = values.target as unknown as string[] | undefined;
        const report = await runEtl(
          { db: runtime.db, pool: runtime.pool, store: runtime.analytics },
          { targets },
        );
        await auditCommand(runtime.db, actor, { action: "cli.etl", summary: { targets } });
        const lines = Object.entries(report.targets).map(([k, v]) => `  ${k}: ${v.rows} rows`);
        print(
          values.json === true,
          report,
          `etl done in ${report.durationMs} ms\n${lines.join("\n")}`,
        );
        return 0;
      } finally {
        await runtime.close();
      }
    },
  },
  health: {
    summary: "check postgres, redis and clickhouse",
    usage: "govern health [--json]",
    options: json,
    access: { bootstrap: true, permission: "overview:read" },
    run: async (values, config) => {
      const runtime = await openRuntime(config);
      try {
        const report = await checkHealth(runtime);
        const lines = Object.entries(report.checks).map(
          ([name, c]) =>
            `  ${name}: ${c.ok ? `ok (${c.version ?? "?"}, ${c.latencyMs} ms)` : `FAILED: ${c.error}`}`,
        );
        print(values.json === true, report, `${report.status}\n${lines.join("\n")}`);
        return report.status === "ok" ? 0 : 1;
      } finally {
        await runtime.close();
      }
    },
  },
  serve: {
    summary: "serve the API (needs a ClickHouse server if a worker runs in another process)",
    usage: "govern serve",
    options: {},
    access: { bootstrap: true, permission: "jobs:run" },
    run: async (_values, config, actor) => {
      await runServer(config, false);
      await withDb(config, (db) => auditCommand(db, actor, { action: "cli.serve" }));
      process.stdout.write(`govern API listening on http://${config.host}:${config.port}\n`);
      return -1;
    },
  },
  worker: {
    summary: "run the job worker and its schedules",
    usage: "govern worker",
    options: {},
    access: { bootstrap: true, permission: "jobs:run" },
    run: async (_values, config, actor) => {
      const { startWorker } = await import("../jobs/worker.ts");
      const { cancelInFlightDatasets } = await import("../masking/provision/cancellation.ts");
      const logger = createLogger(config.logLevel);
      const runtime = await openRuntime(config);
      await migrateAnalytics(runtime.analytics);
      const worker = await startWorker({ ...runtime, logger });
      await auditCommand(runtime.db, actor, { action: "cli.worker" });
      const stop = async () => {
        await cancelInFlightDatasets();
        await worker.close();
        await runtime.close();
        process.exit(0);
      };
      process.once("SIGTERM", () => void stop());
      process.once("SIGINT", () => void stop());
      process.stdout.write("govern worker running\n");
      return -1;
    },
  },
  start: {
    summary:
      "migrate, load a demo platform if the store is empty, serve API and worker on one port",
    usage: "govern start",
    options: {},
    access: { bootstrap: true, permission: "jobs:run" },
    run: async (_values, config, actor) => {
      const migrated = await migrate(config);
      process.stdout.write(`database ready (${migrated.applied.length} migration(s) applied)\n`);
      const logins = await ensureDemoUsers(config, actor);
      const { isOperationalStoreEmpty } = await import("../masking/demo-platform/index.ts");
      const { pool, db } = createOwnerDb(config, { max: 1 });
      const empty = await isOperationalStoreEmpty(pool).finally(() => db.destroy());
      if (empty) {
        process.stdout.write(
          `loading a demo platform: ${DEMO.tenants} tenants x ${DEMO.customersPerTenant} customers...\n`,
        );
        const report = await seed(config, DEMO);
        process.stdout.write(
          `demo platform loaded: ${report.totalRows.toLocaleString("en-US")} rows in ${(report.durationMs / 1000).toFixed(1)} s\n`,
        );
      }
      await runServer(config, true);
      await withDb(config, (db) => auditCommand(db, actor, { action: "cli.start" }));
      process.stdout.write(
        `\ngovern is running at http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${config.port}\n` +
          `  health: http://${config.host}:${config.port}/api/v1/health\n`,
      );
      if (logins.length) {
        // Shown this once: only the password hashes are stored.
        const width = Math.max(...logins.map((l) => l.email.length));
        process.stdout.write(
          `\ndemo logins (shown once; change or disable them before real use):\n${logins
            .map((l) => `  ${l.email.padEnd(width)}  ${l.password}  (${l.role})`)
            .join("\n")}\n`,
        );
      }
      return -1;
    },
  },
  "users add": {
    summary: "add a console user",
    usage: "govern users add --email E --role R --password P [--name N] [--json]",
    options: {
      ...json,
      email: { type: "string" },
      role: { type: "string" },
      password: { type: "string" },
      name: { type: "string" },
    },
    access: { bootstrap: true, permission: "users:write" },
    run: async (values, config, actor) => {
      const email = option(ZEmail, values.email, "email");
      const input = {
        email,
        role: roleOption(values.role),
        password: option(ZNewPassword, values.password, "password"),
        displayName: option(ZDisplayName, values.name ?? email.split("@")[0], "name"),
      };
      const user = await withDb(config, (db) => addUser(db, actor, input));
      print(values.json === true, userView(user), `added ${user.email} (${user.role})`);
      return 0;
    },
  },
  "users list": {
    summary: "list console users",
    usage: "govern users list [--role R] [--json]",
    options: { ...json, role: { type: "string" } },
    access: { bootstrap: true, permission: "users:read" },
    run: async (values, config) => {
      const role = values.role === undefined ? undefined : roleOption(values.role);
      const users = await withDb(config, async (db) => {
        const all: ConsoleUser[] = [];
        for (;;) {
          const page = await listUsers(db, {
            offset: all.length,
            limit: 200,
            role,
            sort: { field: "email", direction: "asc" },
          });
          all.push(...page.items);
          if (page.items.length < 200) {
            return all;
          }
        }
      });
      const width = Math.max(5, ...users.map((u) => u.email.length));
      const lines = users.map(
        (u) =>
          `${u.email.padEnd(width)}  ${u.role.padEnd(18)}  ${u.disabledAt ? "disabled" : "active  "}  ${u.displayName}`,
      );
      print(
        values.json === true,
        users.map(userView),
        users.length ? lines.join("\n") : "no users yet (govern users add ...)",
      );
      return 0;
    },
  },
  "users disable": {
    summary: "disable a console user and end their sessions",
    usage: "govern users disable --email E [--json]",
    options: { ...json, email: { type: "string" } },
    access: { bootstrap: true, permission: "users:write" },
    run: async (values, config, actor) => {
      const email = option(ZEmail, values.email, "email");
      const user = await withDb(config, async (db) => {
        const found = await userByEmail(db, email);
        if (actor.kind === "user" && actor.principal.userId === found.id) {
          throw new RefusedError("you cannot disable your own account; ask another admin");
        }
        const disabled = await disableUser(db, found.id);
        await auditCommand(db, actor, { action: "users.disable", target: `user:${found.email}` });
        return disabled ?? found;
      });
      print(values.json === true, userView(user), `disabled ${user.email}`);
      return 0;
    },
  },
  "tokens create": {
    summary: "create an API token for a user (printed once)",
    usage: "govern tokens create --email E [--name N] [--expires-in-days D] [--json]",
    options: {
      ...json,
      email: { type: "string" },
      name: { type: "string", default: "cli" },
      "expires-in-days": { type: "string" },
    },
    access: { bootstrap: true, permission: "tokens:own" },
    run: async (values, config, actor) => {
      const email = option(ZEmail, values.email, "email");
      const name = String(values.name).trim();
      if (!name || name.length > 100) {
        throw new UsageError("--name must be 1 to 100 characters");
      }
      const days =
        values["expires-in-days"] === undefined
          ? undefined
          : positiveInt(values["expires-in-days"], "expires-in-days", 3650);
      const created = await withDb(config, async (db) => {
        const user = await userByEmail(db, email);
        // Anyone may make their own tokens; making one for someone else is user administration.
        if (actor.kind === "user" && actor.principal.userId !== user.id) {
          requirePermission(actor, "users:write");
          const beyond = powersBeyond(actor.principal.role, user.role);
          if (beyond.length) {
            throw new RefusedError(
              `a token for ${user.email} would act with permissions your role lacks (${beyond.join(", ")})`,
            );
          }
        }
        if (user.disabledAt) {
          throw new UsageError(`${user.email} is disabled`);
        }
        const expiresAt = days ? new Date(Date.now() + days * 86_400_000) : undefined;
        const token = await createApiToken(db, user.id, name, expiresAt);
        await auditCommand(db, actor, {
          action: "tokens.create",
          target: `token:${token.id}`,
          summary: { owner: user.email, name, expiresAt: expiresAt?.toISOString() ?? null },
        });
        return token;
      });
      print(
        values.json === true,
        { token: created.token, id: created.id },
        `token ${created.id} (shown once, keep it safe):\n${created.token}`,
      );
      return 0;
    },
  },
  "tokens revoke": {
    summary: "revoke an API token by id",
    usage: "govern tokens revoke --id ID [--json]",
    options: { ...json, id: { type: "string" } },
    access: { bootstrap: true, permission: "tokens:own" },
    run: async (values, config, actor) => {
      const id = String(values.id ?? "");
      if (!isUuid(id)) {
        throw new UsageError("--id must be a token id (a UUID)");
      }
      const revoked = await withDb(config, async (db) => {
        const token = await findToken(db, id);
        if (!token) {
          throw new UsageError(`no token with the id ${id}`);
        }
        if (actor.kind === "user" && actor.principal.userId !== token.userId) {
          requirePermission(actor, "users:write");
        }
        const result = await revokeToken(db, id);
        await auditCommand(db, actor, { action: "tokens.revoke", target: `token:${id}` });
        return result ?? token;
      });
      print(values.json === true, revoked, `revoked token ${revoked.id} (${revoked.name})`);
      return 0;
    },
  },
  "audit list": {
    summary: "the newest audit events, filtered by actor or action",
    usage: "govern audit list [--actor A] [--action X] [--limit N] [--json]",
    options: {
      ...json,
      actor: { type: "string" },
      action: { type: "string" },
      limit: { type: "string", default: "50" },
    },
    access: { bootstrap: false, permission: "audit:read" },
    run: async (values, config) => {
      const limit = positiveInt(values.limit, "limit", 1000);
      const filter = {
        actor: typeof values.actor === "string" ? values.actor : undefined,
        action: typeof values.action === "string" ? values.action : undefined,
      };
      const { items } = await withDb(config, (db) =>
        listAuditEvents(db, filter, { page: 1, pageSize: limit, order: "desc" }),
      );
      const lines = items.map(
        (e) => `${e.id}  ${e.occurredAt}  ${e.actor}  ${e.action}  ${e.target ?? ""}`,
      );
      print(values.json === true, items, lines.length ? lines.join("\n") : "no matching events");
      return 0;
    },
  },
  "audit verify": {
    summary: "walk the audit trail's hash chain; exit 1 naming the first broken row",
    usage: "govern audit verify [--json]",
    options: json,
    access: { bootstrap: false, permission: "audit:verify" },
    run: async (values, config) => {
      const report = await withDb(config, verifyAuditChain);
      const broken = report.firstBroken;
      print(
        values.json === true,
        report,
        broken
          ? `audit chain BROKEN at row ${broken.id}: ${broken.reason} (${report.checked} rows checked)`
          : `audit chain intact (${report.checked} rows checked)`,
      );
      if (broken && values.json === true) {
        process.stderr.write(`audit chain broken at row ${broken.id}: ${broken.reason}\n`);
      }
      return report.ok ? 0 : 1;
    },
  },
};

const COMMANDS: Record<string, Command> = {
  ...CORE_COMMANDS,
  ...ACCOUNT_COMMANDS,
  ...CATALOG_COMMANDS,
  ...MASKING_COMMANDS,
  ...RETENTION_COMMANDS,
  ...ACCESS_COMMANDS,
  ...NOTIFY_COMMANDS,
  ...QUALITY_COMMANDS,
  ...LINEAGE_COMMANDS,
  ...TIERING_COMMANDS,
  ...RECOGNIZER_COMMANDS,
  ...DATASET_CONTROL_COMMANDS,
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    "usage: govern <command> [options]",
    "",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Configuration comes from the environment: DATABASE_URL, REDIS_URL, CLICKHOUSE_URL, ARCHIVE_DIR, PORT,",
    "GOVERN_SECRET (see README). `govern <command> --help` shows a command's options.",
    "GOVERN_TOKEN (an API token) says who acts, with that user's role; without it only the local",
    "operator's bootstrap commands and reads run: every decision (review, provision, synth, plan,",
    "erase, approve, execute, hold) is a console user's. Exit codes: 0 done, 1 failed, 2 refused.",
  ].join("\n");
}

/** `users add` and friends are two words, `retention hold add` three; everything else is one. */
function findCommand(argv: string[]): { name: string; command?: Command; rest: string[] } {
  const [first = "", second, third, ...others] = argv;
  const triple = `${first} ${second ?? ""} ${third ?? ""}`;
  if (COMMANDS[triple]) {
    return { name: triple, command: COMMANDS[triple], rest: others };
  }
  const pair = `${first} ${second ?? ""}`;
  if (COMMANDS[pair]) {
    return { name: pair, command: COMMANDS[pair], rest: argv.slice(2) };
  }
  return { name: first, command: COMMANDS[first], rest: argv.slice(1) };
}

/** The actor for this run: the token's user, or the operator when there is no token. */
async function resolveActor(config: Config, token: string | undefined): Promise<Actor> {
  if (token === undefined || token === "") {
    return { kind: "operator" };
  }
  const principal = await withDb(config, (db) => principalFromToken(db, token.trim()));
  if (!principal) {
    throw new RefusedError("GOVERN_TOKEN is not a valid API token (unknown, revoked or expired)");
  }
  return { kind: "user", principal };
}

export async function main(argv: string[]): Promise<number> {
  if (!argv[0] || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    process.stdout.write(`${help()}\n`);
    return argv[0] ? 0 : 2;
  }
  const { name, command, rest } = findCommand(argv);
  if (!command) {
    const group = Object.keys(COMMANDS).filter((k) => k.startsWith(`${name} `));
    process.stderr.write(
      group.length
        ? `govern ${name}: name a subcommand: ${group.join(", ")}\n`
        : `govern: unknown command "${name}"\n\n${help()}\n`,
    );
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`usage: ${command.usage}\n`);
    return 0;
  }
  try {
    const expected = command.positionals ?? [];
    const { values, positionals } = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: expected.length > 0,
    });
    if (positionals.length !== expected.length) {
      throw new UsageError(
        expected.length
          ? `expected ${expected.map((p) => p.toUpperCase()).join(" ")}`
          : "takes no positional arguments",
      );
    }
    const config = loadConfig();
    // The invoking person's credential, not configuration of the process: read here, at the entry.
    const actor = await resolveActor(config, process.env.GOVERN_TOKEN);
    authorizeCommand(name, command, actor);
    return await command.run(values as Values, config, actor, positionals);
  } catch (error) {
    if (error instanceof RefusedError) {
      process.stderr.write(`govern ${name}: refused: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof UsageError) {
      process.stderr.write(`govern ${name}: ${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(
        `govern ${name}: ${(error as Error).message}\nusage: ${command.usage}\n`,
      );
      return 2;
    }
    process.stderr.write(`govern ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}
