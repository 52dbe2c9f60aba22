import type { StaffUser, TenantContext } from "./context.ts";
import { NULL, T, textArray } from "./copy-text.ts";
import { USER_AGENTS_MOBILE } from "./vocabulary.ts";

/**
 * audit_logs rows as the platform's audit trigger writes them (to_jsonb of the old and new row),
 * for a realistic share of the changes the generators make. Bulk loading skips the trigger
 * itself, so these rows are what makes the audit trail carry PII in old_values/new_values the way
 * production's does: an erasure request has to find a person here too.
 */

const ISP_FIRST_OCTETS = [24, 47, 67, 68, 69, 71, 73, 75, 76, 96, 98, 99, 107, 108, 174, 184];

export type AuditEntry = {
  action: "INSERT" | "UPDATE" | "DELETE";
  table: string;
  recordId: string;
  actor: StaffUser | null;
  /** JSON object text (already valid JSON, COPY-safe), or null. */
  oldValues: string | null;
  newValues: string | null;
  changed: string[] | null;
  at: number;
};

export function writeAudit(ctx: TenantContext, e: AuditEntry): void {
  const rng = ctx.rng;
  const mobile = e.actor?.field ?? false;
  const source =
    e.actor === null ? "system" : mobile ? "mobile_app" : rng.chance(0.9) ? "web" : "api";
  const ip =
    e.actor === null
      ? NULL
      : `${rng.pick(ISP_FIRST_OCTETS)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  const agent =
    e.actor === null
      ? NULL
      : mobile
        ? rng.pick(USER_AGENTS_MOBILE)
        : rng.pick(ctx.pools.userAgents);
  ctx.out.audit_logs.add(
    `${rng.uuid()}${T}${ctx.tenantId}${T}${e.action}${T}${e.table}${T}${e.recordId}${T}${
      e.actor ? e.actor.id : NULL
    }${T}${e.actor ? e.actor.email : NULL}${T}${ip}${T}${agent}${T}${e.oldValues ?? NULL}${T}${
      e.newValues ?? NULL
    }${T}${e.changed ? textArray(e.changed) : NULL}${T}${e.actor ? `sess_${rng.hex(12)}` : NULL}${T}req_${rng.hex(8)}${T}${source}${T}${ctx.clock.ts(e.at)}${T}hot\n`,
  );
}
