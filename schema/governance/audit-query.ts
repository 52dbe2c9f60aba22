import { type SelectQueryBuilder, sql } from "kysely";
import type { DB } from "../database.ts";
import type { Db } from "../postgres.ts";

export type AuditFilter = {
  /** Exact actor (an email, "worker", "anonymous", ...). */
  actor?: string;
  /** Exact action, e.g. `auth.login` or `job.partitions.failed`. */
  action?: string;
  /** Actions starting with this text, e.g. `retention.` (matched literally). */
  actionPrefix?: string;
  /** Case-insensitive substring of the target. */
  target?: string;
  from?: Date;
  to?: Date;
};

export type AuditOrder = "asc" | "desc";

export type AuditEvent = {
  id: number;
  occurredAt: string;
  actor: string;
  actorRole: string | null;
  action: string;
  target: string | null;
  summary: Record<string, unknown>;
  requestId: string | null;
  sourceIp: string | null;
};

type Query = SelectQueryBuilder<DB, "governance.audit_events", object>;

function filtered(db: Db, filter: AuditFilter): Query {
  let query: Query = db.selectFrom("governance.audit_events");
  if (filter.actor) {
    query = query.where("actor", "=", filter.actor);
  }
  if (filter.action) {
    query = query.where("action", "=", filter.action);
  }
  if (filter.actionPrefix) {
    query = query.where(sql<boolean>`starts_with(action, ${filter.actionPrefix})`);
  }
  if (filter.target) {
    // strpos, not LIKE: a % or _ typed by a person is matched literally.
    query = query.where(sql<boolean>`strpos(lower(target), lower(${filter.target})) > 0`);
  }
  if (filter.from) {
    query = query.where("occurred_at", ">=", filter.from);
  }
  if (filter.to) {
    query = query.where("occurred_at", "<", filter.to);
  }
  return query;
}

const COLUMNS = [
  "id",
  "occurred_at",
  "actor",
  "actor_role",
  "action",
  "target",
  "summary",
  "request_id",
  "source_ip",
] as const;

function toEvent(row: {
  id: number;
  occurred_at: unknown;
  actor: string;
  actor_role: string | null;
  action: string;
  target: string | null;
  summary: unknown;
  request_id: string | null;
  source_ip: string | null;
}): AuditEvent {
  return {
    id: Number(row.id),
    occurredAt: new Date(row.occurred_at as string).toISOString(),
    actor: row.actor,
    actorRole: row.actor_role,
    action: row.action,
    target: row.target,
    summary: (row.summary ?? {}) as Record<string, unknown>,
    requestId: row.request_id,
    sourceIp: row.source_ip,
  };
}

/** The distinct actions of the trail with how often each occurs, for a filter to offer. */
export async function auditActions(
  db: Db,
  limit = 1_000,
): Promise<{ action: string; count: number }[]> {
  const rows = await db
    .selectFrom("governance.audit_events")
    .select(["action", (eb) => eb.fn.countAll<string>().as("n")])
    .groupBy("action")
    .orderBy("action")
    .limit(limit)
    .execute();
  return rows.map((row) => ({ action: row.action, count: Number(row.n) }));
}

/** One page of matching events, ordered by time (then id), with the total number of matches. */
export async function listAuditEvents(
  db: Db,
  filter: AuditFilter,
  page: { page: number; pageSize: number; order: AuditOrder },
): Promise<{ items: AuditEvent[]; total: number }> {
  const query = filtered(db, filter);
  const [rows, total] = await Promise.all([
    query
      .select(COLUMNS)
      .orderBy("occurred_at", page.order)
      .orderBy("id", page.order)
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toEvent), total: Number(total.n) };
}

/**
 * Every matching event, in order, read a keyset page at a time: an export of millions of rows
 * holds one page in memory and no long-lived cursor or transaction.
 */
export async function* streamAuditEvents(
  db: Db,
  filter: AuditFilter,
  order: AuditOrder,
  pageSize = 2_000,
): AsyncGenerator<AuditEvent> {
  // The cursor keeps the exact timestamp as text: a JS Date drops microseconds and would skip rows.
  let last: { at: string; id: number } | undefined;
  for (;;) {
    let query = filtered(db, filter).select([
      ...COLUMNS,
      sql<string>`occurred_at::text`.as("cursor_at"),
    ]);
    if (last) {
      const { at, id } = last;
      // The plain bound lets the occurred_at index start at the cursor; the row comparison
      // breaks ties between equal timestamps by id.
      query =
        order === "asc"
          ? query
              .where("occurred_at", ">=", sql<Date>`${at}::timestamptz`)
              .where(sql<boolean>`(occurred_at, id) > (${at}::timestamptz, ${id})`)
          : query
              .where("occurred_at", "<=", sql<Date>`${at}::timestamptz`)
              .where(sql<boolean>`(occurred_at, id) < (${at}::timestamptz, ${id})`);
    }
    const rows = await query
      .orderBy("occurred_at", order)
      .orderBy("id", order)
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      yield toEvent(row);
    }
    const tail = rows.at(-1);
    if (!tail || rows.length < pageSize) {
      return;
    }
    last = { at: tail.cursor_at, id: Number(tail.id) };
  }
}
