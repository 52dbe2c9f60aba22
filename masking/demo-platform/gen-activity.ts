import { DAY, HISTORY_DAYS, MINUTE } from "./clock.ts";
import { atLocalHour, type Business, type DailyStats, type TenantContext } from "./context.ts";
import { esc, money, NULL, score, T } from "./copy-text.ts";
import { USER_AGENTS_MOBILE } from "./vocabulary.ts";

/**
 * Time series and AI traces of a tenant: business_metrics rolled up from the very rows generated
 * (so revenue in the metrics equals the payments in the ledger), staff activity in
 * business_events, and the assistant's cached contexts and conversations.
 */

const METRICS: [keyof DailyStats, string, string, boolean][] = [
  ["revenueCents", "revenue", "daily_revenue", true],
  ["invoicedCents", "revenue", "invoiced_amount", true],
  ["invoicesIssued", "invoices", "invoices_issued", false],
  ["jobsCompleted", "jobs", "jobs_completed", false],
  ["jobsScheduled", "jobs", "jobs_created", false],
  ["cancellations", "jobs", "jobs_cancelled", false],
  ["newCustomers", "customers", "customer_acquired", false],
];

/** One row per business, metric and day over the whole history. */
export function writeDailyMetrics(ctx: TenantContext, business: Business): void {
  const { clock, out } = ctx;
  const daily = ctx.daily[business.index];
  if (!daily) {
    return;
  }
  const firstDay = Math.floor(clock.start / DAY) * DAY;
  const dims = `{"location": "${business.city}", "granularity": "day"}`;
  for (let d = 0; d < HISTORY_DAYS; d++) {
    const time = clock.ts(firstDay + d * DAY);
    for (const [series, type, name, cents] of METRICS) {
      const value = daily[series][d] as number;
      out.business_metrics.add(
        `${time}${T}${ctx.tenantId}${T}${business.id}${T}${type}${T}${name}${T}${cents ? money(value) : `${value}`}${T}${dims}${T}{"computed_by": "nightly_rollup"}\n`,
      );
    }
  }
  // Weekly website funnel figures, which have no rows of their own to be derived from.
  const rng = ctx.rng;
  for (let w = 0; w < HISTORY_DAYS / 7; w++) {
    const time = clock.ts(firstDay + w * 7 * DAY);
    const sessions = rng.int(120, 900);
    out.business_metrics.add(
      `${time}${T}${ctx.tenantId}${T}${business.id}${T}marketing${T}website_sessions${T}${sessions}${T}{"granularity": "week", "channel": "all"}${T}{"source": "google_analytics"}\n`,
    );
    out.business_metrics.add(
      `${time}${T}${ctx.tenantId}${T}${business.id}${T}marketing${T}online_booking_requests${T}${Math.round(sessions * (0.01 + rng.float() * 0.03))}${T}{"granularity": "week", "channel": "all"}${T}{"source": "booking_widget"}\n`,
    );
  }
}

/** Logins and page views of one staff member: a session on most workdays. */
export function writeStaffActivity(ctx: TenantContext, userIndex: number): void {
  const { rng, clock, out } = ctx;
  const u = ctx.users[userIndex];
  const business = ctx.businesses[0];
  if (!u || !business) {
    return;
  }
  const until = u.active ? clock.end : clock.end - rng.int(30, 300) * DAY;
  const pages = u.field
    ? ["/m/schedule", "/m/jobs", "/m/job/checklist"]
    : ["/dashboard", "/schedule", "/customers", "/invoices", "/jobs"];
  for (let day = Math.max(u.createdAt, clock.start) + DAY; day < until; day += DAY) {
    if (clock.weekday(day) === 0 || !rng.chance(u.field ? 0.55 : 0.7)) {
      continue;
    }
    const session = `sess_${rng.hex(12)}`;
    let at = atLocalHour(business, day, 7) + rng.int(0, 240) * MINUTE;
    if (at >= clock.end) {
      break;
    }
    const agent = u.field ? rng.pick(USER_AGENTS_MOBILE) : rng.pick(ctx.pools.userAgents);
    out.business_events.add(
      `${clock.ts(at)}${T}${ctx.tenantId}${T}${business.id}${T}auth${T}login${T}${u.id}${T}${NULL}${T}${NULL}${T}{"email": "${u.email}", "user_agent": "${agent}", "mfa": false}${T}${session}\n`,
    );
    for (let k = rng.int(1, 3); k > 0; k--) {
      at += rng.int(1, 90) * MINUTE;
      if (at >= clock.end) {
        break;
      }
      out.business_events.add(
        `${clock.ts(at)}${T}${ctx.tenantId}${T}${business.id}${T}page_view${T}${rng.pick(pages)}${T}${u.id}${T}${NULL}${T}${NULL}${T}{"duration_ms": ${rng.int(800, 120_000)}}${T}${session}\n`,
      );
    }
  }
}

const EMBEDDING_VALUES = Array.from({ length: 401 }, (_, i) => ((i - 200) / 1000).toString());

/** A 1536-dimension embedding literal (the schema's real[] stand-in for VECTOR(1536)). */
function embedding(ctx: TenantContext): string {
  const rng = ctx.rng;
  let out = "{";
  for (let i = 0; i < 1536; i++) {
    out += (i ? "," : "") + EMBEDDING_VALUES[Math.floor(rng.float() * EMBEDDING_VALUES.length)];
  }
  return `${out}}`;
}

export function writeAiContext(ctx: TenantContext): void {
  const { rng, clock, out } = ctx;
  const owner = ctx.users[0];
  for (const b of ctx.businesses) {
    const at = clock.end - rng.int(1, 20) * DAY;
    out.ai_context_cache.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${b.id}${T}business_summary${T}business:${b.id}${T}` +
        `{"name": "${b.name}", "vertical": "${ctx.vertical.key}", "owner": "${owner?.full}", "owner_email": "${owner?.email}", "phone": "${b.phone}", "service_area": "${ctx.metro.name}"}${T}` +
        `${embedding(ctx)}${T}${score(0.8 + rng.float() * 0.19)}${T}text-embedding-3-small${T}${clock.ts(at)}${T}${clock.ts(at + 30 * DAY)}${T}${rng.int(5, 500)}${T}${clock.ts(clock.end - rng.int(1, 3000) * MINUTE)}\n`,
    );
  }
  const business = ctx.businesses[0];
  if (!business) {
    return;
  }
  ctx.notable.forEach((c, i) => {
    const at = clock.end - rng.int(1, 60) * DAY;
    out.ai_context_cache.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${business.id}${T}customer_profile${T}customer:${c.id}${T}` +
        `{"name": "${c.full}", "email": "${c.email}", "phone": "${c.phone}", "company": ${c.company ? `"${c.company}"` : "null"}, "city": "${c.city}", "summary": "${c.first} prefers text messages and pays promptly."}${T}` +
        `${i < 8 ? embedding(ctx) : NULL}${T}${score(0.6 + rng.float() * 0.39)}${T}${i < 8 ? "text-embedding-3-small" : "gpt-4o-mini"}${T}${clock.ts(at)}${T}${clock.ts(at + 14 * DAY)}${T}${rng.int(0, 40)}${T}${clock.ts(at + rng.int(1, 600) * MINUTE)}\n`,
    );
  });
}

export function writeAiConversations(ctx: TenantContext): void {
  const { rng, clock, out } = ctx;
  const business = ctx.businesses[0];
  const staff = ctx.office.length > 0 ? ctx.office : ctx.users;
  if (!business || ctx.notable.length === 0) {
    return;
  }
  const sessions = Math.min(150, 10 + ctx.users.length * 2);
  for (let s = 0; s < sessions; s++) {
    const user = rng.pick(staff);
    const c = rng.pick(ctx.notable);
    const session = `conv_${rng.hex(10)}`;
    let at = clock.start + Math.floor(rng.float() * (clock.end - clock.start - DAY));
    const model = rng.pick(["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet"]);
    const turns: [string, string][] = [
      [
        "user",
        rng.pick([
          `Draft a follow-up text to ${c.full} about their overdue invoice.`,
          `What did ${c.full} say on the last call? Their number is ${c.phone}.`,
          `Summarize the history with ${c.company ?? c.full} (${c.email}).`,
          `Schedule ${c.full} for next Tuesday morning and text them a confirmation.`,
        ]),
      ],
      [
        "assistant",
        rng.pick([
          `Here's a draft: "Hi ${c.first}, this is ${user.first} from ${business.name}. Just a friendly reminder that your invoice is past due. You can pay online or call us at ${business.phone}."`,
          `${c.full} last spoke with the office about scheduling; they asked to be reached at ${c.phone} or ${c.email}.`,
          `${c.company ?? c.full} has been a customer since last year, mostly ${ctx.vertical.residentialJobs[0]?.title.toLowerCase()} visits, and usually pays within a week.`,
        ]),
      ],
      ["user", "Thanks, send it."],
      ["assistant", `Done. I sent it to ${c.phone} and logged it on ${c.first}'s timeline.`],
    ];
    const n = rng.chance(0.5) ? 2 : 4;
    for (let m = 0; m < n; m++) {
      const [role, content] = turns[m] as [string, string];
      at += rng.int(5, 120) * 1000;
      out.ai_conversations.add(
        `${rng.uuid()}${T}${ctx.tenantId}${T}${business.id}${T}${user.id}${T}assistant_chat${T}${session}${T}${m + 1}${T}${role}${T}${esc(content)}${T}` +
          `${role === "assistant" ? model : NULL}${T}${role === "assistant" ? rng.int(120, 1800) : NULL}${T}${role === "assistant" ? rng.int(400, 9000) : NULL}${T}` +
          `${role === "assistant" && rng.chance(0.3) ? rng.int(1, 5) : NULL}${T}${clock.ts(at)}\n`,
      );
    }
  }
}
