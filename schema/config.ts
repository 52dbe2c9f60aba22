import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { z } from "zod";

/**
 * The one place that reads the environment. Everything else receives the parsed `Config`
 * through its factory (`createPostgres(config)`, `createAnalyticsStore(config)`, ...).
 */

const DEV_SECRET_SEED = "govern-development-only";

const ZUrl = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}` },
  );

/** `role:n,role:n` (e.g. `engineer:5000000,admin:50000000`): per-role limits, n ≥ 0. */
const ZRoleLimits = z
  .string()
  .regex(/^[a-z_]+:\d+(,[a-z_]+:\d+)*$/, "must be role:number pairs separated by commas")
  .transform((v) =>
    Object.fromEntries(
      v.split(",").map((pair) => {
        const [role, n] = pair.split(":");
        return [role as string, Number(n)];
      }),
    ),
  );

/**
 * What one masked or synthetic dataset may hold, by the requester's role (estimated before it
 * is accepted, checked again while it is built). Roles not named get the `engineer` limit.
 */
export type DatasetLimits = { rows: Record<string, number>; bytes: Record<string, number> };
export const DEFAULT_DATASET_LIMITS: DatasetLimits = {
  rows: { engineer: 5_000_000, admin: 50_000_000 },
  bytes: { engineer: 2 * 1024 ** 3, admin: 20 * 1024 ** 3 },
};

/** How far ahead a dataset may be kept, per role; roles not named get the `engineer` bound. */
export const DEFAULT_DATASET_MAX_EXPIRY_DAYS: Record<string, number> = { engineer: 30, admin: 365 };

const ZEnv = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: ZUrl(["postgres:", "postgresql:"]).default(
    "postgres://postgres@127.0.0.1:5432/govern",
  ),
  APP_DATABASE_URL: ZUrl(["postgres:", "postgresql:"]).optional(),
  APP_DB_PASSWORD: z.string().min(1).optional(),
  REDIS_URL: ZUrl(["redis:", "rediss:"]).default("redis://127.0.0.1:6379"),
  CLICKHOUSE_URL: ZUrl(["http:", "https:"]).optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain identifier")
    .default("govern"),
  CLICKHOUSE_DATA_DIR: z.string().default(".data/clickhouse"),
  ARCHIVE_DIR: z.string().default(".data/archive"),
  /** The tiering archive in S3-compatible object storage instead of ARCHIVE_DIR (bucket set). */
  ARCHIVE_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name")
    .optional(),
  ARCHIVE_S3_ENDPOINT: ZUrl(["http:", "https:"]).optional(),
  ARCHIVE_S3_REGION: z.string().min(1).default("us-east-1"),
  ARCHIVE_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  ARCHIVE_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  ARCHIVE_S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9_.-]+\/)*$/, "must be empty or folder names ending in /, e.g. govern/")
    .default("govern/"),
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  HOST: z.string().default("127.0.0.1"),
  PUBLIC_URL: ZUrl(["http:", "https:"])
    .refine((value) => new URL(value).pathname === "/" && !new URL(value).search, {
      message: "must be an origin only (scheme, host and port), e.g. https://govern.example.com",
    })
    .optional(),
  GOVERN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default("govern"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  LLM_BASE_URL: ZUrl(["http:", "https:"]).optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).default("gpt-4o-mini"),
  LLM_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.7),
  DATASET_MAX_ROWS: ZRoleLimits.optional(),
  DATASET_MAX_BYTES: ZRoleLimits.optional(),
  DATASET_MAX_EXPIRY_DAYS: ZRoleLimits.optional(),
  NOTIFY_SMTP_HOST: z.string().min(1).optional(),
  NOTIFY_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  NOTIFY_SMTP_SECURE: z.enum(["true", "false"]).default("false"),
  NOTIFY_SMTP_USER: z.string().min(1).optional(),
  NOTIFY_SMTP_PASSWORD: z.string().min(1).optional(),
  NOTIFY_MAIL_FROM: z.string().min(3).default("govern <govern@localhost>"),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  NOTIFY_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  NOTIFY_DIGEST_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(8),
  NOTIFY_ALLOW_PRIVATE_WEBHOOKS: z.enum(["true", "false"]).optional(),
  OPENLINEAGE_URL: ZUrl(["http:", "https:"]).optional(),
  WARM_TABLESPACE_DIR: z.string().default(".data/warm-tablespace"),
  WARM_TABLESPACE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case SQL identifier")
    .default("govern_warm"),
  TIER_PRICES: z
    .string()
    .regex(
      /^(hot|warm|cold|archive):\d+(\.\d+)?(,(hot|warm|cold|archive):\d+(\.\d+)?)*$/,
      "must be tier:price pairs separated by commas, e.g. hot:0.125,archive:0.004",
    )
    .optional(),
});

export type Config = {
  env: "development" | "test" | "production";
  /** Owner connection: migrations, partition maintenance, governance state. */
  databaseUrl: string;
  /** The platform application's login role: not owner, not superuser, not BYPASSRLS. */
  appDatabaseUrl: string;
  appDbPassword: string;
  redisUrl: string;
  clickhouse: { url?: string; database: string; dataDir: string };
  archiveDir: string;
  /**
   * The tiering archive in S3-compatible object storage (`ARCHIVE_S3_*`); unset: files under
   * `archiveDir`. With an endpoint, objects are addressed path-style (MinIO, s3rver, Ceph).
   */
  archiveS3?: {
    bucket: string;
    endpoint?: string;
    region: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    prefix: string;
  };
  port: number;
  host: string;
  /**
   * The origin people reach govern at (scheme, host, port), e.g. `https://govern.example.com`:
   * requests must name it in `Host`, and mutating browser requests in `Origin`.
   */
  publicUrl: string;
  /** Key material for tokens, masking keys and session signing. */
  secret: string;
  queuePrefix: string;
  logLevel: "debug" | "info" | "warn" | "error";
  /**
   * Optional LLM second opinion on low-confidence classifications (any OpenAI-compatible API).
   * Off unless a base URL or an API key is set; only columns below `minConfidence` are asked.
   */
  llm: { baseUrl?: string; apiKey?: string; model: string; minConfidence: number };
  /** Size limits of datasets per role (`DATASET_MAX_ROWS`, `DATASET_MAX_BYTES`). */
  datasetLimits: DatasetLimits;
  /** How far ahead a dataset's expiry may be set, in days from now, per role (`DATASET_MAX_EXPIRY_DAYS`). */
  datasetMaxExpiryDays: Record<string, number>;
  /**
   * Alert delivery (jobs/notify): the SMTP server e-mail channels use unless they name their
   * own, the sender, retries (attempt n waits backoffMs·2^(n-1)) and the hour (UTC) of the
   * daily warning digest.
   */
  notify: {
    smtp: { host?: string; port: number; secure: boolean; user?: string; password?: string };
    mailFrom: string;
    maxAttempts: number;
    backoffMs: number;
    digestHourUtc: number;
    /**
     * Whether webhooks may reach loopback, private and link-local addresses (a metadata service,
     * an internal admin port). Off in production unless NOTIFY_ALLOW_PRIVATE_WEBHOOKS=true.
     */
    allowPrivateWebhooks: boolean;
  };
  /** Where govern forwards its own OpenLineage events (Marquez-compatible); off when unset. */
  openlineageUrl?: string;
  /**
   * Storage tiering: the folder of the warm tablespace (Postgres must be able to own it), its
   * name, and prices per GB-month for the console's cost estimate (`TIER_PRICES`).
   */
  tiering: {
    warmTablespaceDir: string;
    warmTablespace: string;
    pricesPerGbMonth: Record<"hot" | "warm" | "cold" | "archive", number>;
  };
};

/** Default prices per GB-month (USD): SSD block storage, HDD block storage, object storage, archive. */
export const DEFAULT_TIER_PRICES = { hot: 0.125, warm: 0.045, cold: 0.023, archive: 0.004 };

export const APP_LOGIN_ROLE = "govern_app";

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses and validates an environment (defaults to `process.env`); throws `ConfigError`. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ZEnv.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "env"}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  if (e.NODE_ENV === "production" && !e.GOVERN_SECRET) {
    throw new ConfigError(["GOVERN_SECRET: required in production (at least 32 characters)"]);
  }
  // S3 settings without a bucket, or half a key pair, would silently archive to the folder.
  const s3Set = Object.keys(env).filter(
    (k) => k.startsWith("ARCHIVE_S3_") && env[k] !== undefined && env[k] !== "",
  );
  if (s3Set.length > 0 && !e.ARCHIVE_S3_BUCKET) {
    throw new ConfigError([`ARCHIVE_S3_BUCKET: required when ${s3Set.join(", ")} is set`]);
  }
  if (!e.ARCHIVE_S3_ACCESS_KEY_ID !== !e.ARCHIVE_S3_SECRET_ACCESS_KEY) {
    throw new ConfigError([
      "ARCHIVE_S3_ACCESS_KEY_ID and ARCHIVE_S3_SECRET_ACCESS_KEY: set both or neither",
    ]);
  }
  // Outside production a stable per-database secret keeps local runs reproducible.
  const secret =
    e.GOVERN_SECRET ??
    createHash("sha256").update(`${DEV_SECRET_SEED}:${e.DATABASE_URL}`).digest("hex");
  const appDbPassword = e.APP_DB_PASSWORD ?? "govern_app";
  return {
    env: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    appDatabaseUrl: e.APP_DATABASE_URL ?? deriveAppUrl(e.DATABASE_URL, appDbPassword),
    appDbPassword,
    redisUrl: e.REDIS_URL,
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      database: e.CLICKHOUSE_DATABASE,
      dataDir: resolve(e.CLICKHOUSE_DATA_DIR),
    },
    archiveDir: resolve(e.ARCHIVE_DIR),
    archiveS3: e.ARCHIVE_S3_BUCKET
      ? {
          bucket: e.ARCHIVE_S3_BUCKET,
          endpoint: e.ARCHIVE_S3_ENDPOINT,
          region: e.ARCHIVE_S3_REGION,
          accessKeyId: e.ARCHIVE_S3_ACCESS_KEY_ID,
          secretAccessKey: e.ARCHIVE_S3_SECRET_ACCESS_KEY,
          prefix: e.ARCHIVE_S3_PREFIX,
        }
      : undefined,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL ? new URL(e.PUBLIC_URL).origin : derivePublicUrl(e.HOST, e.PORT),
    secret,
    queuePrefix: e.QUEUE_PREFIX,
    logLevel: e.LOG_LEVEL,
    llm: {
      baseUrl: e.LLM_BASE_URL,
      apiKey: e.LLM_API_KEY,
      model: e.LLM_MODEL,
      minConfidence: e.LLM_MIN_CONFIDENCE,
    },
    datasetLimits: {
      rows: { ...DEFAULT_DATASET_LIMITS.rows, ...e.DATASET_MAX_ROWS },
      bytes: { ...DEFAULT_DATASET_LIMITS.bytes, ...e.DATASET_MAX_BYTES },
    },
    datasetMaxExpiryDays: { ...DEFAULT_DATASET_MAX_EXPIRY_DAYS, ...e.DATASET_MAX_EXPIRY_DAYS },
    notify: {
      smtp: {
        host: e.NOTIFY_SMTP_HOST,
        port: e.NOTIFY_SMTP_PORT,
        secure: e.NOTIFY_SMTP_SECURE === "true",
        user: e.NOTIFY_SMTP_USER,
        password: e.NOTIFY_SMTP_PASSWORD,
      },
      mailFrom: e.NOTIFY_MAIL_FROM,
      maxAttempts: e.NOTIFY_MAX_ATTEMPTS,
      backoffMs: e.NOTIFY_BACKOFF_MS,
      digestHourUtc: e.NOTIFY_DIGEST_HOUR_UTC,
      allowPrivateWebhooks: e.NOTIFY_ALLOW_PRIVATE_WEBHOOKS
        ? e.NOTIFY_ALLOW_PRIVATE_WEBHOOKS === "true"
        : e.NODE_ENV !== "production",
    },
    openlineageUrl: e.OPENLINEAGE_URL,
    tiering: {
      warmTablespaceDir: resolve(e.WARM_TABLESPACE_DIR),
      warmTablespace: e.WARM_TABLESPACE,
      pricesPerGbMonth: {
        ...DEFAULT_TIER_PRICES,
        ...Object.fromEntries(
          (e.TIER_PRICES ?? "")
            .split(",")
            .filter(Boolean)
            .map((pair) => [pair.split(":")[0], Number(pair.split(":")[1])]),
        ),
      },
    },
  };
}

/** Without PUBLIC_URL: the listener itself, with a wildcard address read as `localhost`. */
function derivePublicUrl(host: string, port: number): string {
  const name = host === "0.0.0.0" || host === "::" || host === "" ? "localhost" : host;
  const bracketed = name.includes(":") && !name.startsWith("[") ? `[${name}]` : name;
  return new URL(`http://${bracketed}:${port}`).origin;
}

/** The application login role connects to the same database as the owner. */
function deriveAppUrl(ownerUrl: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = APP_LOGIN_ROLE;
  url.password = password;
  return url.toString();
}

/** Same config pointed at another database (tests and provisioning use their own databases). */
export function withDatabase(config: Config, database: string): Config {
  const swap = (raw: string) => {
    const url = new URL(raw);
    url.pathname = `/${database}`;
    return url.toString();
  };
  return {
    ...config,
    databaseUrl: swap(config.databaseUrl),
    appDatabaseUrl: swap(config.appDatabaseUrl),
  };
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
}
