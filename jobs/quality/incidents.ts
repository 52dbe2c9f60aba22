import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import type { Notify, RuleResult } from "./types.ts";

export const INCIDENT_STATUSES = ["new", "acknowledged", "assigned", "resolved"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** What happened to incidents after a run. */
export type IncidentChanges = { opened: string[]; resolved: string[]; stillOpen: string[] };

function describe(r: RuleResult, tenantName?: string): { title: string; body: string } {
  const where = `${r.table}${r.column ? `.${r.column}` : ""}`;
  const score = r.score === null ? "n/a" : r.score.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
  const title = `${r.rule} failed on ${r.table} (${score} < ${r.threshold})${
    r.tenantId ? ` for ${tenantName ?? `tenant ${r.tenantId}`}` : ""
  }`;
  const body = [
    `Rule ${r.rule} (${r.kind}, ${r.severity}) on ${where}`,
    `Score ${score}, threshold ${r.threshold}: ${r.failing} of ${r.total} rows failing`,
    r.tenantId
      ? `Tenant ${tenantName ? `${tenantName} (${r.tenantId})` : r.tenantId}`
      : "All tenants in scope",
  ].join("\n");
  return { title, body };
}

/**
 * Opens, keeps and resolves incidents from a run's results. A failing `error`/`critical` result
 * opens an incident for its rule and tenant unless one is open (the unique partial index on
 * open incidents makes that hold under concurrent runs too) and calls `notify` once for the
 * opening; while it stays open nothing is sent again. A passing result resolves the open one
 * (auto-resolve). Errors (not evaluable) change nothing.
 */
export async function applyIncidents(
  db: Db,
  results: { result: RuleResult; id: string }[],
  notify: Notify,
  /** Tenant business names, so titles and alerts name the tenant rather than its id. */
  tenantNames: ReadonlyMap<string, string> = new Map(),
): Promise<IncidentChanges> {
  const changes: IncidentChanges = { opened: [], resolved: [], stillOpen: [] };
  const toSend: Parameters<Notify>[0][] = [];
  for (const { result: r, id: resultId } of results) {
    if (r.passed === null) {
      continue;
    }
    const tenantMatch = sql<boolean>`tenant_id IS NOT DISTINCT FROM ${r.tenantId}::uuid`;
    const open = await db
      .selectFrom("governance.quality_incidents")
      .select(["id"])
      .where("rule_id", "=", r.rule)
      .where(tenantMatch)
      .where("status", "<>", "resolved")
      .executeTakeFirst();
    if (r.passed) {
      if (open) {
        await db.transaction().execute(async (trx) => {
          await trx
            .updateTable("governance.quality_incidents")
            .set({
              status: "resolved",
              resolved_at: sql`now()`,
              resolved_by: "auto",
              last_result_id: resultId,
              last_score: r.score,
            })
            .where("id", "=", open.id)
            .execute();
          await trx
            .insertInto("governance.quality_incident_events")
            .values({
              incident_id: open.id,
              actor: "quality",
              action: "resolved",
              comment: `passed again (score ${r.score})`,
            })
            .execute();
        });
        changes.resolved.push(open.id);
        toSend.push({
          kind: "quality.incident.resolved",
          severity: r.severity,
          title: `${r.rule} passes again on ${r.table}`,
          body: describe(r, r.tenantId ? tenantNames.get(r.tenantId) : undefined).body,
          link: `/quality/incidents/${open.id}`,
          dedupeKey: open.id,
        });
      }
      continue;
    }
    if (open) {
      await db
        .updateTable("governance.quality_incidents")
        .set({ last_result_id: resultId, last_score: r.score })
        .where("id", "=", open.id)
        .execute();
      changes.stillOpen.push(open.id);
      continue;
    }
    if (r.severity === "warning") {
      continue;
    }
    const { title, body } = describe(r, r.tenantId ? tenantNames.get(r.tenantId) : undefined);
    const inserted = await db
      .insertInto("governance.quality_incidents")
      .values({
        rule_id: r.rule,
        tenant_id: r.tenantId,
        table_name: r.table,
        severity: r.severity,
        title,
        opened_result_id: resultId,
        last_result_id: resultId,
        last_score: r.score,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) {
      continue; // another run opened it meanwhile: that run alerts
    }
    await db
      .insertInto("governance.quality_incident_events")
      .values({ incident_id: inserted.id, actor: "quality", action: "opened", comment: title })
      .execute();
    changes.opened.push(inserted.id);
    toSend.push({
      kind: "quality.incident.opened",
      severity: r.severity,
      title,
      body,
      link: `/quality/incidents/${inserted.id}`,
      dedupeKey: inserted.id,
    });
  }
  for (const event of toSend) {
    await notify(event);
  }
  return changes;
}

export type IncidentRow = {
  id: string;
  rule: string;
  status: IncidentStatus;
  severity: string;
  title: string;
  table: string;
  tenant_id: string | null;
  assignee: string | null;
  opened_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  last_score: number | null;
};

export async function listIncidents(
  db: Db,
  filter: { status?: IncidentStatus | "open"; rule?: string; id?: string; limit?: number } = {},
): Promise<IncidentRow[]> {
  let q = db
    .selectFrom("governance.quality_incidents")
    .selectAll()
    .orderBy("opened_at", "desc")
    .limit(filter.limit ?? 500);
  if (filter.status === "open") {
    q = q.where("status", "<>", "resolved");
  } else if (filter.status) {
    q = q.where("status", "=", filter.status);
  }
  if (filter.id) {
    q = q.where("id", "=", filter.id);
  }
  if (filter.rule) {
    q = q.where("rule_id", "=", filter.rule);
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    rule: r.rule_id,
    status: r.status as IncidentStatus,
    severity: r.severity,
    title: r.title,
    table: r.table_name,
    tenant_id: r.tenant_id,
    assignee: r.assignee,
    opened_at: r.opened_at.toISOString(),
    acknowledged_at: r.acknowledged_at?.toISOString() ?? null,
    resolved_at: r.resolved_at?.toISOString() ?? null,
    last_score: r.last_score,
  }));
}

/** A refused workflow step (typed, not thrown further than the route). */
export class IncidentTransitionError extends Error {
  constructor(
    message: string,
    readonly code: "not_found" | "conflict",
  ) {
    super(message);
    this.name = "IncidentTransitionError";
  }
}

/**
 * New → Acknowledged → Assigned → Resolved (assign also from New; resolve from any open state;
 * comment anywhere). Returns the incident after the step.
 */
export async function transitionIncident(
  db: Db,
  id: string,
  step: {
    action: "ack" | "assign" | "resolve" | "comment";
    actor: string;
    assignee?: string;
    comment?: string;
  },
): Promise<IncidentRow> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("governance.quality_incidents")
      .select(["status"])
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) {
      throw new IncidentTransitionError("No incident has this id.", "not_found");
    }
    const status = row.status as IncidentStatus;
    if (step.action !== "comment" && status === "resolved") {
      throw new IncidentTransitionError("The incident is already resolved.", "conflict");
    }
    if (step.action === "ack") {
      if (status !== "new") {
        throw new IncidentTransitionError(`The incident is ${status}, not new.`, "conflict");
      }
      await trx
        .updateTable("governance.quality_incidents")
        .set({ status: "acknowledged", acknowledged_at: sql`now()` })
        .where("id", "=", id)
        .execute();
    } else if (step.action === "assign") {
      await trx
        .updateTable("governance.quality_incidents")
        .set({
          status: "assigned",
          assignee: step.assignee ?? null,
          acknowledged_at: sql`COALESCE(acknowledged_at, now())`,
        })
        .where("id", "=", id)
        .execute();
    } else if (step.action === "resolve") {
      await trx
        .updateTable("governance.quality_incidents")
        .set({ status: "resolved", resolved_at: sql`now()`, resolved_by: step.actor })
        .where("id", "=", id)
        .execute();
    }
    await trx
      .insertInto("governance.quality_incident_events")
      .values({
        incident_id: id,
        actor: step.actor,
        action: {
          ack: "acknowledged",
          assign: "assigned",
          resolve: "resolved",
          comment: "comment",
        }[step.action],
        comment: step.comment ?? null,
        assignee: step.assignee ?? null,
      })
      .execute();
  });
  const [after] = await listIncidents(db, { id });
  if (!after) {
    throw new IncidentTransitionError("No incident has this id.", "not_found");
  }
  return after;
}

export async function incidentEvents(db: Db, id: string) {
  return db
    .selectFrom("governance.quality_incident_events")
    .select(["at", "actor", "action", "comment", "assignee"])
    .where("incident_id", "=", id)
    .orderBy("id")
    .execute();
}
