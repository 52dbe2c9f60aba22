import type { Redis } from "ioredis";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import type { Principal } from "../auth/principal.ts";
import type { Logger } from "../logger.ts";

/** What routes may use; `newApp(deps)` receives it once. */
export type AppDeps = {
  config: Config;
  db: Db;
  redis: Redis;
  analytics: AnalyticsStore;
  logger: Logger;
  /** Adds a job to its queue; absent when no worker runs in this process. */
  enqueue?: (
    queue: string,
    payload: Record<string, unknown>,
    triggeredBy: string,
  ) => Promise<string>;
};

/** What a mutating route tells the audit trail about itself (defaults: method and path). */
export type AuditNote = { action?: string; target?: string; summary?: Record<string, unknown> };

export type AppEnv = {
  Variables: {
    requestId: string;
    deps: AppDeps;
    principal: Principal | undefined;
    audit: AuditNote | undefined;
  };
};
