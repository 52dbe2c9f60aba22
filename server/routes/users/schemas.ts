import { z } from "@hono/zod-openapi";
import { ZUser } from "../../../schema/contracts/accounts.ts";
import type { ConsoleUser } from "../../../schema/governance/console-users.repository.ts";

export { ZUser };

export const ZUserIdParams = z.strictObject({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

/** PostgreSQL text cannot hold NUL: refused here as bad input rather than failing in the database. */
export const noNul = [
  (text: string) => !text.includes("\u0000"),
  { message: "Must not contain NUL characters" },
] as const;

export const ZDisplayName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine(...noNul);

/** Passwords are at least 12 characters: length is what makes a password hard to guess. */
export const ZNewPassword = z.string().min(12).max(1024);

export const ZEmail = z.email().max(255);

/** The wire shape of a user: timestamps as ISO strings, no password hash. */
export function userView(user: ConsoleUser): z.infer<typeof ZUser> {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    disabledAt: user.disabledAt?.toISOString() ?? null,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}
