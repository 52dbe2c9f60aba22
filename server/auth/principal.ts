import { sql } from "kysely";
import type { Role } from "../../schema/domain/permissions.ts";
import type { Db } from "../../schema/postgres.ts";
import { newSecret, secretHash } from "./secrets.ts";

/** Who is acting: a console user through a session or an API token. */
export type Principal = {
  userId: string;
  email: string;
  role: Role;
  via: "session" | "token";
};

export const SESSION_COOKIE = "govern_session";
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

type UserRow = { id: string; email: string; role: string };

function toPrincipal(row: UserRow, via: Principal["via"]): Principal {
  return { userId: row.id, email: row.email, role: row.role as Role, via };
}

/** Opens a session for a user; returns the cookie value (the only place it exists in clear). */
export async function createSession(
  db: Db,
  userId: string,
  meta: { sourceIp?: string | null; userAgent?: string | null },
): Promise<{ secret: string; expiresAt: Date }> {
  const secret = newSecret("gs");
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db
    .insertInto("governance.sessions")
    .values({
      token_hash: secretHash(secret),
      user_id: userId,
      expires_at: expiresAt,
      source_ip: meta.sourceIp ?? null,
      user_agent: meta.userAgent?.slice(0, 500) ?? null,
    })
    .execute();
  return { secret, expiresAt };
}

export async function deleteSession(db: Db, secret: string): Promise<void> {
  await db.deleteFrom("governance.sessions").where("token_hash", "=", secretHash(secret)).execute();
}

/** The user behind a live session of an enabled account, or undefined. */
export async function principalFromSession(db: Db, secret: string): Promise<Principal | undefined> {
  const row = await db
    .updateTable("governance.sessions as s")
    .set({ last_seen_at: sql<Date>`now()` })
    .from("governance.console_users as u")
    .whereRef("u.id", "=", "s.user_id")
    .where("s.token_hash", "=", secretHash(secret))
    .where("s.expires_at", ">", sql<Date>`now()`)
    .where("u.disabled_at", "is", null)
    .returning(["u.id", "u.email", "u.role"])
    .executeTakeFirst();
  return row ? toPrincipal(row, "session") : undefined;
}

/** The user behind a live, unrevoked API token of an enabled account, or undefined. */
export async function principalFromToken(db: Db, token: string): Promise<Principal | undefined> {
  const row = await db
    .updateTable("governance.api_tokens as t")
    .set({ last_used_at: sql<Date>`now()` })
    .from("governance.console_users as u")
    .whereRef("u.id", "=", "t.user_id")
    .where("t.token_hash", "=", secretHash(token))
    .where("t.revoked_at", "is", null)
    .where((eb) =>
      eb.or([eb("t.expires_at", "is", null), eb("t.expires_at", ">", sql<Date>`now()`)]),
    )
    .where("u.disabled_at", "is", null)
    .returning(["u.id", "u.email", "u.role"])
    .executeTakeFirst();
  return row ? toPrincipal(row, "token") : undefined;
}

/** Creates an API token for a user; the clear token is returned once and never stored. */
export async function createApiToken(
  db: Db,
  userId: string,
  name: string,
  expiresAt?: Date,
): Promise<{ id: string; token: string }> {
  const token = newSecret("gov");
  const row = await db
    .insertInto("governance.api_tokens")
    .values({
      user_id: userId,
      name,
      token_hash: secretHash(token),
      token_prefix: token.slice(0, 12),
      expires_at: expiresAt ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}
