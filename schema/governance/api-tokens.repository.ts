import type { Db } from "../postgres.ts";

/** An API token as people see it: never the secret, only its first characters. */
export type ApiTokenView = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
};

const COLUMNS = [
  "id",
  "name",
  "token_prefix",
  "created_at",
  "last_used_at",
  "expires_at",
  "revoked_at",
] as const;

function toView(row: {
  id: string;
  name: string;
  token_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.token_prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** A user's tokens, newest first, revoked ones included (so a person sees what they ended). */
export async function listTokensOfUser(db: Db, userId: string): Promise<ApiTokenView[]> {
  const rows = await db
    .selectFrom("governance.api_tokens")
    .select(COLUMNS)
    .where("user_id", "=", userId)
    .orderBy("created_at", "desc")
    .orderBy("id")
    .execute();
  return rows.map(toView);
}

/** A token with its owner, for deciding who may revoke it; undefined when there is none. */
export async function findToken(
  db: Db,
  id: string,
): Promise<(ApiTokenView & { userId: string }) | undefined> {
  const row = await db
    .selectFrom("governance.api_tokens")
    .select([...COLUMNS, "user_id"])
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? { ...toView(row), userId: row.user_id } : undefined;
}

/**
 * Revokes a token (idempotent: a revoked token keeps its first revocation time). With `userId`,
 * only that user's token is touched, so one person cannot revoke another's by guessing an id.
 */
export async function revokeToken(
  db: Db,
  id: string,
  owner?: { userId: string },
): Promise<ApiTokenView | undefined> {
  let query = db
    .updateTable("governance.api_tokens")
    .set((eb) => ({ revoked_at: eb.fn.coalesce("revoked_at", eb.val(new Date())) }))
    .where("id", "=", id);
  if (owner) {
    query = query.where("user_id", "=", owner.userId);
  }
  const row = await query.returning(COLUMNS).executeTakeFirst();
  return row ? toView(row) : undefined;
}
