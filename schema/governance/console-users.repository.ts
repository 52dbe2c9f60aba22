import type { Role } from "../domain/permissions.ts";
import type { Db } from "../postgres.ts";

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
