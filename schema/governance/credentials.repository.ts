import type { Db } from "../postgres.ts";

/** What ending a user's access did: sessions deleted, API tokens revoked (already revoked ones not counted). */
export type AccessEnded = { sessionsEnded: number; tokensRevoked: number };

/**
 * Ends every session and revokes every live API token of a user. Revoked, not merely ignored
 * while the account is disabled: re-enabling an account must not bring old tokens back.
 * Pass a transaction to make it part of a larger change.
 */
export async function endAccessOf(db: Db, userId: string): Promise<AccessEnded> {
  const sessions = await db
    .deleteFrom("governance.sessions")
    .where("user_id", "=", userId)
    .executeTakeFirst();
  const tokens = await db
    .updateTable("governance.api_tokens")
    .set({ revoked_at: new Date() })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return {
    sessionsEnded: Number(sessions.numDeletedRows),
    tokensRevoked: Number(tokens.numUpdatedRows),
  };
}

/** The stored password hash of a user; undefined when there is no such user. */
export async function findPasswordHash(db: Db, userId: string): Promise<string | null | undefined> {
  const row = await db
    .selectFrom("governance.console_users")
    .select("password_hash")
    .where("id", "=", userId)
    .executeTakeFirst();
  return row ? row.password_hash : undefined;
}

/**
 * Sets a user's password hash and, in the same transaction, ends every session and token they
 * have: whoever held the old password (or a credential opened with it) is out. Undefined when
 * there is no such user.
 */
export async function replacePassword(
  db: Db,
  userId: string,
  passwordHash: string,
): Promise<AccessEnded | undefined> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable("governance.console_users")
      .set({ password_hash: passwordHash, updated_at: new Date() })
      .where("id", "=", userId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      return undefined;
    }
    return endAccessOf(trx, userId);
  });
}
