import type { Db } from "../postgres.ts";

export type AuditEventInput = {
  actor: string;
  actorRole?: string | null;
  action: string;
  target?: string | null;
  summary?: Record<string, unknown>;
  requestId?: string | null;
  sourceIp?: string | null;
};

/**
 * Appends one event to governance.audit_events. The database numbers it and chains its hash to
 * the previous row under a lock (migration 03), so callers only say what happened.
 */
export async function appendAuditEvent(db: Db, event: AuditEventInput): Promise<number> {
  const row = await db
    .insertInto("governance.audit_events")
    .values({
      actor: event.actor,
      actor_role: event.actorRole ?? null,
      action: event.action,
      target: event.target ?? null,
      summary: JSON.stringify(event.summary ?? {}),
      request_id: event.requestId ?? null,
      source_ip: event.sourceIp ?? null,
      // Placeholders: the BEFORE INSERT trigger computes both.
      prev_hash: Buffer.alloc(0),
      hash: Buffer.alloc(0),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}
