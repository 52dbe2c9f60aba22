import { DAY, MINUTE } from "./clock.ts";
import { bump, phoneNumber, pickOffice, remember, type TenantContext } from "./context.ts";
import { money, NULL, score, T, textArray } from "./copy-text.ts";
import { taxIdFor } from "./countries.ts";
import { drawCustomer } from "./customer.ts";
import { writeAudit } from "./gen-audit.ts";
import { writeBilling, writeMaterialExpense } from "./gen-billing.ts";
import { writeCustomerDocuments } from "./gen-documents.ts";
import { planJobs, writeJob } from "./gen-jobs.ts";
import { writeInteractions, writeJobMessages } from "./gen-messages.ts";
import { cumulative } from "./prng.ts";
import { ACQUISITION_CHANNELS, CUSTOMER_TAGS_COM, CUSTOMER_TAGS_RES } from "./vocabulary.ts";

/**
 * One customer and everything about them, generated together so that every child row agrees
 * with its parent (same names in messages, same amounts in ledger and invoice, dates in order)
 * and so that memory holds one customer at a time, not a table.
 */

const CHANNELS = cumulative(ACQUISITION_CHANNELS);

export function writeCustomer(ctx: TenantContext, index: number): void {
  const { rng, clock, out } = ctx;
  const c = drawCustomer(ctx, index);
  const jobs = planJobs(ctx, c);

  let lifetimeCents = 0;
  let lastActivity = c.activeFrom;
  for (const j of jobs) {
    writeJob(ctx, c, j);
    writeMaterialExpense(ctx, c, j);
    const invoice = writeBilling(ctx, c, j);
    lastActivity = Math.max(lastActivity, writeJobMessages(ctx, c, j, invoice));
    if (j.status === "completed") {
      lifetimeCents += j.finalCents;
      lastActivity = Math.max(lastActivity, j.actualEnd);
      out.business_events.add(
        `${clock.ts(j.actualEnd)}${T}${ctx.tenantId}${T}${c.business.id}${T}job${T}job_completed${T}${(j.crew[0] ?? pickOffice(ctx)).id}${T}${c.id}${T}${j.id}${T}{"amount": ${money(j.finalCents)}, "job_type": "${j.type.key}", "crew_size": ${j.crew.length}}${T}${NULL}\n`,
      );
    }
  }
  lastActivity = Math.max(lastActivity, writeInteractions(ctx, c, jobs));
  writeCustomerDocuments(ctx, c, jobs);

  const source = rng.pickWeighted(CHANNELS);
  const completed = jobs.filter((j) => j.status === "completed").length;
  const tenureYears = Math.max(0.1, (clock.end - c.since) / (365 * DAY));
  const risk = Math.min(
    0.95,
    Math.max(
      0.05,
      0.7 - completed * 0.08 + (clock.end - lastActivity) / (900 * DAY) + rng.float() * 0.15,
    ),
  );
  const preferred = rng.pick(["sms", "sms", "email", "phone"]);
  const tags = (c.commercial ? CUSTOMER_TAGS_COM : CUSTOMER_TAGS_RES).filter(() => rng.chance(0.2));
  tags.unshift(c.commercial ? "commercial" : "residential");
  const addresses = c.commercial
    ? `[{"id": "addr_1", "type": "billing", ${c.addressJson.slice(1)}, {"id": "addr_2", "type": "service", ${c.addressJson.slice(1)}]`
    : `[{"id": "addr_1", "type": "home", ${c.addressJson.slice(1)}]`;
  const custom = c.commercial
    ? `{${ctx.country.code === "US" ? `"ein": "${rng.int(10, 99)}-${rng.digits(7)}"` : `"vat_id": "${taxIdFor(rng, ctx.country.code)}"`}, "po_required": ${rng.chance(0.4)}, "ap_contact": "${c.full}", "ap_email": "${c.email}"}`
    : `{"gate_code": "${rng.digits(4)}", "pets": "${c.pet}", "spouse_or_contact": "${c.relativeFirst} ${c.last}"}`;
  const updated = Math.min(clock.end - MINUTE, Math.max(c.createdAt, lastActivity));

  out.customers.add(
    `${c.id}${T}${ctx.tenantId}${T}${c.business.id}${T}${c.commercial ? "business" : "individual"}${T}${c.first}${T}${c.last}${T}${c.company ?? NULL}${T}` +
      `${c.email}${T}${c.phone}${T}${c.secondaryPhone ?? NULL}${T}${addresses}${T}addr_1${T}${clock.date(c.since)}${T}${clock.ts(Math.min(lastActivity, clock.end - MINUTE))}${T}` +
      `${money(lifetimeCents)}${T}${completed}${T}{"email": true, "sms": ${preferred === "sms" || rng.chance(0.5)}, "phone": true, "preferred_channel": "${preferred}", "best_time": "${rng.pick(["morning", "afternoon", "evening"])}"}${T}` +
      `${rng.chance(0.6) ? "t" : "f"}${T}{"segment": "${c.commercial ? "commercial" : "residential"}", "avg_job_value": ${money(c.avgValueCents)}, "jobs_per_year": ${(jobs.length / tenureYears).toFixed(1)}, "churn_risk": "${risk > 0.6 ? "high" : risk > 0.3 ? "medium" : "low"}", "notes": "${ctx.phrases.contactOnSite(c.relative, c.relativeFirst)}"}${T}` +
      `${score(risk)}${T}${source}${T}${textArray(tags)}${T}${custom}${T}${clock.ts(c.createdAt)}${T}${clock.ts(updated)}\n`,
  );
  if (!c.imported) {
    out.business_events.add(
      `${clock.ts(c.createdAt)}${T}${ctx.tenantId}${T}${c.business.id}${T}customer${T}customer_created${T}${NULL}${T}${c.id}${T}${NULL}${T}{"source": "${source}", "segment": "${c.commercial ? "commercial" : "residential"}"}${T}${NULL}\n`,
    );
    const daily = ctx.daily[c.business.index];
    if (daily) {
      bump(ctx, daily.newCustomers, c.createdAt);
    }
  }

  // What the audit trigger recorded when the customer was created, and for some, a later change
  // of contact details: the old e-mail or phone now lives only in the audit trail.
  const creator = pickOffice(ctx);
  const row = `"id": "${c.id}", "email": "${c.email}", "first_name": "${c.first}", "last_name": "${c.last}", "company_name": ${c.company ? `"${c.company}"` : "null"}, "tenant_id": "${ctx.tenantId}", "addresses": ${addresses}`;
  writeAudit(ctx, {
    action: "INSERT",
    table: "customers",
    recordId: c.id,
    actor: c.imported || (source === "organic" && rng.chance(0.5)) ? null : creator,
    oldValues: null,
    newValues: `{${row}, "phone": "${c.phone}"}`,
    changed: null,
    at: c.createdAt,
  });
  if (rng.chance(0.08) && updated > c.createdAt + DAY) {
    const oldPhone = phoneNumber(ctx, false);
    writeAudit(ctx, {
      action: "UPDATE",
      table: "customers",
      recordId: c.id,
      actor: creator,
      oldValues: `{${row}, "phone": "${oldPhone}"}`,
      newValues: `{${row}, "phone": "${c.phone}"}`,
      changed: ["phone", "updated_at"],
      at: c.createdAt + Math.floor(rng.float() * (updated - c.createdAt)),
    });
  }
  remember(ctx, index + 1, {
    id: c.id,
    full: c.full,
    first: c.first,
    email: c.email,
    phone: c.phone,
    company: c.company,
    city: c.city,
  });
}
