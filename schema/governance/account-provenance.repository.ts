import { sql } from "kysely";
import type { Role } from "../domain/permissions.ts";
import type { Db } from "../postgres.ts";

/**
 * Who made each console account what it is: created it, changed its role, re-enabled it
 * (governance.console_user_provenance, append-only). Separation of duties reads it: an account
 * made or raised by a person, or by an account that person made or raised, never decides that
 * person's requests (whoever set its password or role can act through it).
 */

export type AccountEvent = "created" | "role_changed" | "enabled";

/** Who did it: a console user, or the operator (the CLI without a token). */
export type AccountChanger = { email: string; userId: string | null };

export type ProvenanceEvent = {
  /** The account the event is about. */
  account: string;
  event: AccountEvent;
  role: string;
  by: string;
  at: Date;
};

/** Records that `by` created, promoted (role change) or re-enabled the account `userId`. */
export async function recordAccountChange(
  db: Db,
  change: { userId: string; event: AccountEvent; role: Role | string; by: AccountChanger },
): Promise<void> {
  await db
    .insertInto("governance.console_user_provenance")
    .values({
      user_id: change.userId,
      event: change.event,
      role: change.role,
      by_actor: change.by.email.toLowerCase(),
      by_user_id: change.by.userId,
    })
    .execute();
}

/** The provenance of one account (by e-mail), oldest first; empty for an unknown account. */
export async function accountProvenance(db: Db, email: string): Promise<ProvenanceEvent[]> {
  const rows = await db
    .selectFrom("governance.console_user_provenance as p")
    .innerJoin("governance.console_users as u", "u.id", "p.user_id")
    .select(["u.email", "p.event", "p.role", "p.by_actor", "p.at"])
    .where(sql<boolean>`lower(u.email) = ${email.toLowerCase()}`)
    .orderBy("p.at")
    .orderBy("p.id")
    .execute();
  return rows.map((r) => ({
    account: r.email,
    event: r.event as AccountEvent,
    role: r.role,
    by: r.by_actor,
    at: r.at,
  }));
}

/** How deep a chain of accounts making accounts is followed (a loop cannot run away). */
const MAX_CHAIN = 16;

/**
 * The chain by which `requester` made or raised the account of `decider`, if there is one:
 * the events from the decider's account up to one done by the requester (each step an account
 * whose maker made the previous one). Empty when the requester had no hand in it.
 */
export async function accountMadeBy(
  db: Db,
  decider: string,
  requester: string,
): Promise<ProvenanceEvent[]> {
  const rows = await sql<{
    path: string[];
    email: string;
    event: AccountEvent;
    role: string;
    by_actor: string;
    at: Date;
  }>`
    WITH RECURSIVE chain (user_id, path, depth) AS (
      SELECT u.id, ARRAY[]::bigint[], 0 FROM governance.console_users u
      WHERE lower(u.email) = ${decider.toLowerCase()}
      UNION
      SELECT p.by_user_id, c.path || p.id, c.depth + 1
      FROM chain c JOIN governance.console_user_provenance p ON p.user_id = c.user_id
      WHERE p.by_user_id IS NOT NULL AND c.depth < ${MAX_CHAIN}
        AND NOT p.id = ANY(c.path)
    ),
    hit AS (
      SELECT c.path || p.id AS path FROM chain c
      JOIN governance.console_user_provenance p ON p.user_id = c.user_id
      WHERE p.by_actor = ${requester.toLowerCase()}
      ORDER BY array_length(c.path || p.id, 1), p.at LIMIT 1
    )
    SELECT array_position(h.path, p.id) AS step, u.email, p.event, p.role, p.by_actor, p.at,
           h.path::text[] AS path
    FROM hit h JOIN governance.console_user_provenance p ON p.id = ANY(h.path)
    JOIN governance.console_users u ON u.id = p.user_id
    ORDER BY step`.execute(db);
  return rows.rows.map((r) => ({
    account: r.email,
    event: r.event,
    role: r.role,
    by: r.by_actor,
    at: r.at,
  }));
}

/** One event in words: "created as compliance_officer by x@y on 2026-12-06". */
export function describeAccountEvent(event: ProvenanceEvent): string {
  const verb =
    event.event === "created"
      ? `created as ${event.role}`
      : event.event === "role_changed"
        ? `given the role ${event.role}`
        : `re-enabled (${event.role})`;
  return `${event.account} was ${verb} by ${event.by} on ${event.at.toISOString().slice(0, 10)}`;
}
