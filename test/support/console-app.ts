import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import {
  type AnalyticsStore,
  createAnalyticsStore,
} from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import { ROLES, type Role } from "../../schema/domain/permissions.ts";
import { type ConsoleUser, insertUser } from "../../schema/governance/console-users.repository.ts";
import { silentLogger } from "../../schema/logger.ts";
import type { Db } from "../../schema/postgres.ts";
import { newApp } from "../../server/app.ts";
import { hashPassword } from "../../server/auth/passwords.ts";
import { createApiToken } from "../../server/auth/principal.ts";
import { createTestDatabase, type TestDatabaseOptions } from "./database.ts";

export type RoleLogin = { user: ConsoleUser; password: string; token: string };

export type ConsoleApp = {
  app: ReturnType<typeof newApp>;
  config: Config;
  db: Db;
  redis: Redis;
  analytics: AnalyticsStore;
  /** One enabled user per role, each with a password and an API token. */
  logins: Record<Role, RoleLogin>;
  /**
   * `app.request` as if it came over a socket from `ip` (the node server's bindings), so code
   * that reads the peer address (login throttling, session records) sees one.
   */
  request: (path: string, init?: RequestInit, ip?: string) => Promise<Response>;
  close: () => Promise<void>;
};

/**
 * The real app over its own database, Redis key prefix and embedded ClickHouse directory, with
 * one user per role created through the same functions the app uses. `options` as for
 * createTestDatabase (a file that seeds the demo platform wants its partitions made).
 */
export async function openConsoleApp(
  label: string,
  options: TestDatabaseOptions = {},
): Promise<ConsoleApp> {
  const database = await createTestDatabase(label, options);
  const id = randomBytes(4).toString("hex");
  const dataDir = join(import.meta.dirname, `../../.data/test-${label}-${id}`);
  const config: Config = {
    ...database.config,
    queuePrefix: `govern-test-${label}-${id}`,
    clickhouse: { ...database.config.clickhouse, dataDir },
  };
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const analytics = await createAnalyticsStore(config);
  const db = database.owner;
  const passwordHash = await hashPassword("role password 12345");
  const logins = {} as Record<Role, RoleLogin>;
  for (const role of ROLES) {
    const user = await insertUser(db, {
      email: `${role}@${label}.test`,
      displayName: `Test ${role}`,
      role,
      passwordHash,
    });
    const { token } = await createApiToken(db, user.id, `${role} test token`);
    logins[role] = { user, password: "role password 12345", token };
  }
  const app = newApp({ config, db, redis, analytics, logger: silentLogger });
  return {
    app,
    config,
    db,
    redis,
    analytics,
    logins,
    request: async (path, init, ip = "127.0.0.1") =>
      app.request(path, init, {
        incoming: { socket: { remoteAddress: ip, remotePort: 40_000, remoteFamily: "IPv4" } },
      }),
    close: async () => {
      await analytics.close();
      const keys = await redis.keys(`${config.queuePrefix}:*`);
      if (keys.length) {
        await redis.del(...keys);
      }
      await redis.quit();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headers for a JSON request as a token holder (or anonymous when `token` is undefined). */
export function asToken(token: string | undefined, extra: Record<string, string> = {}) {
  return {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    "content-type": "application/json",
    ...extra,
  };
}
