import type { Role } from "../domain/permissions.ts";
import type { Db } from "../postgres.ts";
import { endAccessOf } from "./credentials.repository.ts";

export type ConsoleUser = {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  disabledAt: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
};

const COLUMNS = [
  "id",
  "email",
  "display_name",
  "role",
  "disabled_at",
  "last_login_at",
  "created_at",
] as const;

function toUser(row: {
  id: string;
  email: string;
  display_name: string;
  role: string;
  disabled_at: Date | null;
  last_login_at: Date | null;
  created_at: Date;
}): ConsoleUser {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as Role,
    disabledAt: row.disabled_at,
    lastLoginAt: row.last_login_at,
    createdAt: row.created_at,
  };
}

export async function findUserByEmail(
  db: Db,
  email: string,
): Promise<(ConsoleUser & { passwordHash: string | null }) | undefined> {
  const row = await db
    .selectFrom("governance.console_users")
    .select([...COLUMNS, "password_hash"])
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", email.toLowerCase()))
    .executeTakeFirst();
  return row ? { ...toUser(row), passwordHash: row.password_hash } : undefined;
}

export async function findUserById(db: Db, id: string): Promise<ConsoleUser | undefined> {
  const row = await db
    .selectFrom("governance.console_users")
    .select(COLUMNS)
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

export async function insertUser(
  db: Db,
  user: { email: string; displayName: string; role: Role; passwordHash: string },
): Promise<ConsoleUser> {
  const row = await db
    .insertInto("governance.console_users")
    .values({
      email: user.email,
      display_name: user.displayName,
      role: user.role,
      password_hash: user.passwordHash,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toUser(row);
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom("governance.console_users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function markLogin(db: Db, id: string): Promise<void> {
  await db
    .updateTable("governance.console_users")
    .set({ last_login_at: new Date() })
    .where("id", "=", id)
    .execute();
}

/** Columns a user list may be sorted by, as the API names them. */
export const USER_SORT_FIELDS = [
  "email",
  "displayName",
  "role",
  "createdAt",
  "lastLoginAt",
] as const;
export type UserSortField = (typeof USER_SORT_FIELDS)[number];

const SORT_COLUMN = {
  email: "email",
  displayName: "display_name",
  role: "role",
  createdAt: "created_at",
  lastLoginAt: "last_login_at",
} as const satisfies Record<UserSortField, string>;

export type UserListQuery = {
  offset: number;
  limit: number;
  /** Case-insensitive substring of the email or the display name. */
  search?: string;
  role?: Role;
  sort: { field: UserSortField; direction: "asc" | "desc" };
};

/** `%`, `_` and `\` are LIKE wildcards; a search for them means the character itself. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** One page of users, filtered and sorted in the database, with the total before paging. */
export async function listUsers(
  db: Db,
  query: UserListQuery,
): Promise<{ items: ConsoleUser[]; total: number }> {
  let base = db.selectFrom("governance.console_users");
  if (query.search) {
    const pattern = likePattern(query.search);
    base = base.where((eb) =>
      eb.or([eb("email", "ilike", pattern), eb("display_name", "ilike", pattern)]),
    );
  }
  if (query.role) {
    base = base.where("role", "=", query.role);
  }
  const [rows, count] = await Promise.all([
    base
      .select(COLUMNS)
      .orderBy(SORT_COLUMN[query.sort.field], (ob) =>
        query.sort.direction === "asc" ? ob.asc().nullsFirst() : ob.desc().nullsLast(),
      )
      // A stable tiebreak, so pages never overlap or skip rows with equal sort keys.
      .orderBy("id")
      .offset(query.offset)
      .limit(query.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toUser), total: Number(count.n) };
}

/** Changes a user's display name and/or role; undefined when there is no such user. */
export async function updateUser(
  db: Db,
  id: string,
  change: { displayName?: string; role?: Role },
): Promise<ConsoleUser | undefined> {
  const row = await db
    .updateTable("governance.console_users")
    .set({
      ...(change.displayName !== undefined ? { display_name: change.displayName } : {}),
      ...(change.role !== undefined ? { role: change.role } : {}),
      updated_at: new Date(),
    })
    .where("id", "=", id)
    .returning(COLUMNS)
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/**
 * Disables a user, ends every session and revokes every API token they have, in one transaction:
 * a disabled account keeps no open door, and re-enabling it later opens none of the old ones.
 */
export async function disableUser(db: Db, id: string): Promise<ConsoleUser | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("governance.console_users")
      .set((eb) => ({
        disabled_at: eb.fn.coalesce("disabled_at", eb.val(new Date())),
        updated_at: new Date(),
      }))
      .where("id", "=", id)
      .returning(COLUMNS)
      .executeTakeFirst();
    if (row) {
      await endAccessOf(trx, id);
    }
    return row ? toUser(row) : undefined;
  });
}

export async function enableUser(db: Db, id: string): Promise<ConsoleUser | undefined> {
  const row = await db
    .updateTable("governance.console_users")
    .set({ disabled_at: null, updated_at: new Date() })
    .where("id", "=", id)
    .returning(COLUMNS)
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}
