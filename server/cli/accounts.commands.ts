import { recordAccountChange } from "../../schema/governance/account-provenance.repository.ts";
import { listTokensOfUser } from "../../schema/governance/api-tokens.repository.ts";
import {
  type ConsoleUser,
  enableUser,
  findUserByEmail,
  updateUser,
} from "../../schema/governance/console-users.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import { changeOwnPassword, resetPassword } from "../auth/password-change.ts";
import { AppError } from "../errors.ts";
import { tokenView } from "../routes/tokens/schemas.ts";
import { userView, ZDisplayName, ZEmail } from "../routes/users/schemas.ts";
import {
  type Actor,
  accountChanger,
  auditCommand,
  type Command,
  json,
  option,
  print,
  RefusedError,
  requirePermission,
  roleOption,
  UsageError,
  withDb,
} from "./support.ts";

// Account commands beyond add/list/disable: the same engines and checks as the API's routes.

async function userByEmail(db: Db, email: string): Promise<ConsoleUser> {
  const user = await findUserByEmail(db, email);
  if (!user) {
    throw new UsageError(`no user with the email ${email}`);
  }
  return user;
}

function isSelf(actor: Actor, user: ConsoleUser): boolean {
  return actor.kind === "user" && actor.principal.userId === user.id;
}

/** A refused password (policy, wrong current one) is bad usage: exit 2 with the reason. */
async function asUsage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof AppError && error.code === "invalid_request") {
      const details = Array.isArray(error.details) ? error.details : [];
      throw new UsageError(
        details.map((d: { message?: string }) => d.message).join(" ") || error.message,
      );
    }
    throw error;
  }
}

export const ACCOUNT_COMMANDS: Record<string, Command> = {
  "users enable": {
    summary: "enable a disabled console user again (their old sessions and tokens stay ended)",
    usage: "govern users enable --email E [--json]",
    options: { ...json, email: { type: "string" } },
    access: { bootstrap: true, permission: "users:write" },
    run: async (values, config, actor) => {
      const email = option(ZEmail, values.email, "email");
      const user = await withDb(config, async (db) => {
        const found = await userByEmail(db, email);
        const enabled = await enableUser(db, found.id);
        // A re-enabled account is its re-enabler's hand: it never decides their requests.
        await recordAccountChange(db, {
          userId: found.id,
          event: "enabled",
          role: found.role,
          by: accountChanger(actor),
        });
        await auditCommand(db, actor, { action: "users.enable", target: `user:${found.email}` });
        return enabled ?? found;
      });
      print(values.json === true, userView(user), `enabled ${user.email}`);
      return 0;
    },
  },
  "users update": {
    summary: "change a console user's role or display name",
    usage: "govern users update --email E [--role R] [--name N] [--json]",
    options: {
      ...json,
      email: { type: "string" },
      role: { type: "string" },
      name: { type: "string" },
    },
    access: { bootstrap: true, permission: "users:write" },
    run: async (values, config, actor) => {
      const email = option(ZEmail, values.email, "email");
      const role = values.role === undefined ? undefined : roleOption(values.role);
      const displayName =
        values.name === undefined ? undefined : option(ZDisplayName, values.name, "name");
      if (role === undefined && displayName === undefined) {
        throw new UsageError("give --role, --name or both");
      }
      const user = await withDb(config, async (db) => {
        const before = await userByEmail(db, email);
        if (role && role !== before.role && isSelf(actor, before)) {
          throw new RefusedError("you cannot change your own role; ask another admin");
        }
        const after = (await updateUser(db, before.id, { role, displayName })) ?? before;
        if (role && role !== before.role) {
          await recordAccountChange(db, {
            userId: before.id,
            event: "role_changed",
            role: after.role,
            by: accountChanger(actor),
          });
        }
        await auditCommand(db, actor, {
          action: "users.update",
          target: `user:${after.email}`,
          summary: {
            ...(role ? { role: { from: before.role, to: after.role } } : {}),
            ...(displayName
              ? { displayName: { from: before.displayName, to: after.displayName } }
              : {}),
          },
        });
        return after;
      });
      print(
        values.json === true,
        userView(user),
        `updated ${user.email} (${user.role}, ${user.displayName})`,
      );
      return 0;
    },
  },
  "users reset-password": {
    summary:
      "set or generate another user's password (printed once); their sessions and tokens end",
    usage: "govern users reset-password --email E [--password P] [--json]",
    options: { ...json, email: { type: "string" }, password: { type: "string" } },
    access: { bootstrap: true, permission: "users:write" },
    run: async (values, config, actor) => {
      const email = option(ZEmail, values.email, "email");
      const chosen = typeof values.password === "string" ? values.password : undefined;
      const result = await withDb(config, async (db) => {
        const user = await userByEmail(db, email);
        if (isSelf(actor, user)) {
          throw new RefusedError("change your own password with `govern users change-password`");
        }
        const reset = await asUsage(resetPassword(db, user, chosen));
        await auditCommand(db, actor, {
          action: "users.password_reset",
          target: `user:${user.email}`,
          summary: {
            generated: reset.generated,
            sessionsEnded: reset.sessionsEnded,
            tokensRevoked: reset.tokensRevoked,
          },
        });
        return { user, ...reset };
      });
      const ended = `${result.sessionsEnded} session(s) ended, ${result.tokensRevoked} token(s) revoked`;
      print(
        values.json === true,
        {
          user: userView(result.user),
          password: result.generated ? result.password : null,
          sessionsEnded: result.sessionsEnded,
          tokensRevoked: result.tokensRevoked,
        },
        result.generated
          ? `new password for ${result.user.email} (shown once, hand it over safely):\n${result.password}\n${ended}`
          : `password of ${result.user.email} set; ${ended}`,
      );
      return 0;
    },
  },
  "users change-password": {
    summary: "change your own password (GOVERN_TOKEN); all your sessions and tokens end",
    usage: "govern users change-password --current C --new N [--json]",
    options: { ...json, current: { type: "string" }, new: { type: "string" } },
    access: { bootstrap: false, permission: "tokens:own" },
    run: async (values, config, actor) => {
      if (actor.kind !== "user") {
        throw new RefusedError("set GOVERN_TOKEN: a password belongs to a console user");
      }
      if (typeof values.current !== "string" || typeof values.new !== "string") {
        throw new UsageError("give --current and --new");
      }
      const { current, new: next } = values;
      const me = { id: actor.principal.userId, email: actor.principal.email };
      const ended = await withDb(config, async (db) => {
        const result = await asUsage(changeOwnPassword(db, me, current, next));
        await auditCommand(db, actor, {
          action: "users.password_change",
          target: `user:${me.email}`,
          summary: { ...result },
        });
        return result;
      });
      print(
        values.json === true,
        ended,
        `password changed; ${ended.sessionsEnded} session(s) ended and ${ended.tokensRevoked} token(s) revoked, this one included`,
      );
      return 0;
    },
  },
  "tokens list": {
    summary: "list your API tokens, or another user's with --email (never the secrets)",
    usage: "govern tokens list [--email E] [--json]",
    options: { ...json, email: { type: "string" } },
    access: { bootstrap: true, permission: "tokens:own" },
    run: async (values, config, actor) => {
      const email = values.email === undefined ? undefined : option(ZEmail, values.email, "email");
      if (email === undefined && actor.kind !== "user") {
        throw new UsageError("give --email (the local operator has no tokens of its own)");
      }
      const tokens = await withDb(config, async (db) => {
        const owner = email === undefined ? undefined : await userByEmail(db, email);
        if (owner && actor.kind === "user" && actor.principal.userId !== owner.id) {
          requirePermission(actor, "users:read");
        }
        const userId = owner?.id ?? (actor.kind === "user" ? actor.principal.userId : "");
        return listTokensOfUser(db, userId);
      });
      const lines = tokens.map(
        (x) =>
          `${x.id}  ${x.prefix}…  ${x.revokedAt ? "revoked" : "active "}  ${x.name}${x.expiresAt ? `  (expires ${x.expiresAt.toISOString()})` : ""}`,
      );
      print(
        values.json === true,
        tokens.map(tokenView),
        lines.length ? lines.join("\n") : "no tokens",
      );
      return 0;
    },
  },
};
