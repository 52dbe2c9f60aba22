import type { ParseArgsConfig } from "node:util";
import { z } from "@hono/zod-openapi";
import type { Config } from "../../schema/config.ts";
import { can, type Permission, ROLES, type Role } from "../../schema/domain/permissions.ts";
import { appendAuditEvent } from "../../schema/governance/audit-events.repository.ts";
import { createOwnerDb, type Db } from "../../schema/postgres.ts";
import type { Principal } from "../auth/principal.ts";

// What every `govern` command is made of. Commands live in files per area (server/cli/*.ts) and
// are composed once in server/cli.ts; they are thin: parse, authorize, call the engine, print.

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | undefined>;

/** The local operator, or a console user identified by their API token. */
export type Actor = { kind: "operator" } | { kind: "user"; principal: Principal };

/** How the local operator appears in the audit trail (bootstrap and reads only). */
export const LOCAL_OPERATOR = "local-operator";

/**
 * Permissions whose commands decide something about the data (review, masking rules, provision,
 * synth, plan, erase, approve, execute, hold, the investigation flag, policies): they are made
 * by a console user, through a token, and recorded under that user, never by the operator
 * (whoever holds the database credentials could otherwise plan as nobody and approve as
 * themselves). A command with one of these permissions needs a token whatever its `bootstrap`.
 */
export const DECISIONS: ReadonlySet<Permission> = new Set<Permission>([
  "catalog:review",
  "masking:rules",
  "datasets:provision",
  "retention:policies",
  "retention:plan",
  "retention:approve",
  "retention:execute",
  "retention:holds",
  "masking:strategy",
]);

export type Command = {
  summary: string;
  usage: string;
  options: Options;
  /**
   * `bootstrap`: the local operator may run it without a token, unless its permission is one of
   * the DECISIONS. `permission`: what a token's role needs (a command may check more inside,
   * e.g. acting on another user's token).
   */
  access: { bootstrap: boolean; permission: Permission };
  /** Names of the positional arguments it takes, in order (`retention approve ID`); none by default. */
  positionals?: readonly string[];
  run: (values: Values, config: Config, actor: Actor, positionals: string[]) => Promise<number>;
};

export const json = { json: { type: "boolean", default: false } } as const satisfies Options;

export class UsageError extends Error {}

/** The actor may not run this command (exit 2, like any other refusal). */
export class RefusedError extends Error {}

/**
 * May `actor` run `command`? The one gate every command passes before it runs (server/cli.ts):
 * without a token only bootstrap commands that decide nothing; with one, the role's permission.
 */
export function authorizeCommand(name: string, command: Command, actor: Actor): void {
  const permission = command.access.permission;
  if (actor.kind === "operator" && DECISIONS.has(permission)) {
    throw new RefusedError(
      `"${name}" is a decision and is recorded under a console user: set GOVERN_TOKEN to the API token of a user whose role has ${permission} (govern tokens create --email E)`,
    );
  }
  if (actor.kind === "operator" && !command.access.bootstrap) {
    throw new RefusedError(
      `"${name}" acts as a console user: set GOVERN_TOKEN to an API token whose role has ${permission}`,
    );
  }
  requirePermission(actor, permission);
}

/**
 * The console user who makes a decision. Commands that decide call it for the name they record
 * (requested_by, approved_by, created_by): the operator never reaches here (authorizeCommand),
 * and if a command forgot its permission, it still refuses rather than record nobody.
 */
export function decidingUser(actor: Actor): Principal {
  if (actor.kind !== "user") {
    throw new RefusedError("a decision needs a console user: set GOVERN_TOKEN to an API token");
  }
  return actor.principal;
}

export function requirePermission(actor: Actor, permission: Permission): void {
  if (actor.kind === "user" && !can(actor.principal.role, permission)) {
    throw new RefusedError(
      `the ${actor.principal.role} role of ${actor.principal.email} may not do this (${permission})`,
    );
  }
}

/** Records what a command did, as the token's user or as the local operator. */
export async function auditCommand(
  db: Db,
  actor: Actor,
  event: { action: string; target?: string; summary?: Record<string, unknown> },
): Promise<void> {
  await appendAuditEvent(db, {
    actor: actorName(actor),
    actorRole: actor.kind === "user" ? actor.principal.role : null,
    action: event.action,
    target: event.target ?? null,
    summary: { via: "cli", ...event.summary },
  });
}

/** Runs `work` with a small owner connection that is always closed afterwards. */
export async function withDb<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  const { db } = createOwnerDb(config, { max: 2 });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** Parses a CLI value with a zod schema, naming the option when it does not fit. */
export function option<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  if (value === undefined) {
    throw new UsageError(`--${name} is required`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(`--${name}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  }
  return parsed.data;
}

const ZTableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, "must be a table name");
const ZColumnName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, "must be a column name");
const ZReason = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(2000, "must be at most 2000 characters");

type Need = "required" | "optional";
type Parsed<N extends Need> = N extends "required" ? string : string | null;

/**
 * The --table, --column and --reason options of commands that say where they act and why,
 * parsed alike everywhere: names as identifiers, a reason trimmed and not empty. An option not
 * named in `need` (or optional and not given) is null.
 */
export function targetOptions<
  T extends Need = "optional",
  C extends Need = "optional",
  R extends Need = "optional",
>(
  values: Values,
  need: { table?: T; column?: C; reason?: R },
): { table: Parsed<T>; column: Parsed<C>; reason: Parsed<R> } {
  const read = (name: "table" | "column" | "reason", schema: z.ZodType<string>) =>
    need[name] === undefined || (need[name] === "optional" && values[name] === undefined)
      ? null
      : option(schema, values[name], name);
  return {
    table: read("table", ZTableName),
    column: read("column", ZColumnName),
    reason: read("reason", ZReason),
  } as { table: Parsed<T>; column: Parsed<C>; reason: Parsed<R> };
}

/** Who a command acts as, in the audit trail and in what it records (requested_by, set_by). */
export function actorName(actor: Actor): string {
  return actor.kind === "user" ? actor.principal.email : LOCAL_OPERATOR;
}

/** Who changed an account, as its provenance records it (separation of duties reads it). */
export function accountChanger(actor: Actor): { email: string; userId: string | null } {
  return actor.kind === "user"
    ? { email: actor.principal.email, userId: actor.principal.userId }
    : { email: actorName(actor), userId: null };
}

export function roleOption(value: unknown): Role {
  if (!ROLES.includes(value as Role)) {
    throw new UsageError(`--role must be one of ${ROLES.join(", ")}, got ${String(value)}`);
  }
  return value as Role;
}

export function positiveInt(value: unknown, name: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(
      `--${name} must be a whole number between 1 and ${max}, got ${String(value)}`,
    );
  }
  return n;
}

export function print(asJson: boolean, value: unknown, human: string): void {
  process.stdout.write(asJson ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}

/** Progress on stderr (a bar when attached to a terminal), so --json output stays clean. */
export function progressPrinter(): (line: string) => void {
  let last = 0;
  return (line) => {
    const now = Date.now();
    if (now - last < 500) {
      return;
    }
    last = now;
    process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
  };
}
