import { Prng, type Weighted } from "../demo-platform/prng.ts";
import { OTHER, type ProfileParams, type TenantProfile } from "./profile.ts";
import { pickIndex, sampleSketch, weighted } from "./sampling.ts";

/**
 * What the generator draws, before any identity is attached: per tenant its ids and staff, per
 * customer their jobs, invoices, payments and interactions. Each customer's plan comes from its
 * own PRNG stream keyed by (seed, tenant, customer), so every table's pass can draw it again and
 * get the same ids and figures: tables load one after another with foreign keys checked, and
 * memory never holds more than one customer.
 */

const DAY = 86_400_000;
/** Statuses of work that has happened: such a job cannot lie in the future. */
const DONE = new Set(["completed", "cancelled", "in_progress", "invoiced", "paid"]);

export type TenantPlan = {
  index: number;
  profile: TenantProfile;
  id: string;
  businessId: string;
  staffIds: string[];
  customerTypes: Weighted<string>;
  jobTypes: Record<string, Weighted<string>>;
  anyJobType: Weighted<string>;
  jobStatus: Weighted<string>;
  invoiceStatus: Weighted<string>;
  paymentMethod: Weighted<string>;
  paymentStatus: Weighted<string>;
  interactionKinds: Weighted<string>;
  seasonMax: number;
};

export type PaymentPlan = {
  id: string;
  amountCents: number;
  method: string;
  status: string;
  at: number;
};
export type InvoicePlan = {
  id: string;
  number: string;
  status: string;
  subtotalCents: number;
  taxCents: number;
  issued: number;
  payments: PaymentPlan[];
};
export type JobPlan = {
  id: string;
  number: string;
  type: string;
  status: string;
  at: number;
  quotedCents: number;
  finalCents: number | null;
  assignee: string;
  invoice: InvoicePlan | null;
};
export type InteractionPlan = {
  id: string;
  type: string;
  channel: string;
  direction: string;
  at: number;
};
export type CustomerPlan = {
  index: number;
  id: string;
  type: string;
  createdAt: number;
  jobs: JobPlan[];
  interactions: InteractionPlan[];
};

export type Window = { start: number; end: number; now: number };

export function planWindow(params: ProfileParams, asOf: Date): Window {
  const now = asOf.getTime();
  return {
    start: now - (params.spanDays - params.futureDays) * DAY,
    end: now + params.futureDays * DAY,
    now,
  };
}

export function planTenant(params: ProfileParams, seed: number, index: number): TenantPlan {
  const profile = params.tenants[index % params.tenants.length] as TenantProfile;
  const rng = Prng.derive(seed, "synthetic-tenant", index);
  const jobTypes: Record<string, Weighted<string>> = {};
  const union: Record<string, number> = {};
  for (const [customerType, mix] of Object.entries(profile.jobTypesByCustomerType)) {
    jobTypes[customerType] = weighted(mix, OTHER);
    for (const [t, w] of Object.entries(mix)) {
      union[t] = (union[t] ?? 0) + w;
    }
  }
  let seasonMax = 0;
  for (const m of profile.monthOfYear) {
    for (const d of profile.dayOfWeek) {
      seasonMax = Math.max(seasonMax, m * d);
    }
  }
  return {
    index,
    profile,
    id: rng.uuid(),
    businessId: rng.uuid(),
    staffIds: Array.from({ length: Math.min(500, Math.max(1, profile.staff)) }, () => rng.uuid()),
    customerTypes: weighted(profile.customerTypes, "individual"),
    jobTypes,
    anyJobType: weighted(union, OTHER),
    jobStatus: weighted(profile.jobStatus, "completed"),
    invoiceStatus: weighted(profile.invoiceStatus, "paid"),
    paymentMethod: weighted(profile.paymentMethod, "credit_card"),
    paymentStatus: weighted(profile.paymentStatus, "completed"),
    interactionKinds: weighted(profile.interactionKinds, "call|phone|inbound"),
    seasonMax,
  };
}

export function planCustomer(
  tenant: TenantPlan,
  seed: number,
  index: number,
  window: Window,
): CustomerPlan {
  const rng = Prng.derive(seed, "synthetic-customer", tenant.index, index);
  const p = tenant.profile;
  const id = rng.uuid();
  const type = rng.pickWeighted(tenant.customerTypes);
  const jobCount = pickIndex(rng, p.jobsPerCustomer[type] ?? [1]);
  const jobs: JobPlan[] = [];
  for (let k = 0; k < jobCount; k++) {
    const jobType = rng.pickWeighted(tenant.jobTypes[type] ?? tenant.anyJobType);
    const sketch = p.jobValue[jobType] ?? Object.values(p.jobValue)[0];
    const quoted = sketch ? sampleSketch(rng, sketch) : 100 + rng.float() * 900;
    const status = rng.pickWeighted(tenant.jobStatus);
    let at = seasonalDate(rng, tenant, window);
    if (DONE.has(status) && at > window.now) {
      at = window.now - (at - window.now) - DAY;
    }
    const quotedCents = Math.max(100, Math.round(quoted * 100));
    const finalCents =
      status === "completed"
        ? Math.max(
            100,
            Math.round(quotedCents * Math.exp(rng.normal(p.finalRatio.mu, p.finalRatio.sigma))),
          )
        : null;
    const jobId = rng.uuid();
    const assignee = rng.pick(tenant.staffIds);
    let invoice: InvoicePlan | null = null;
    if (rng.chance(p.invoiceByJobStatus[status] ?? 0)) {
      invoice = planInvoice(
        rng,
        tenant,
        `${index + 1}-${k + 1}`,
        finalCents ?? quotedCents,
        at,
        window,
      );
    }
    jobs.push({
      id: jobId,
      number: `SJ-${index + 1}-${k + 1}`,
      type: jobType,
      status,
      at,
      quotedCents,
      finalCents,
      assignee,
      invoice,
    });
  }
  const firstJob = jobs.reduce((m, j) => Math.min(m, j.at), window.now);
  const createdAt = Math.max(window.start, firstJob - rng.int(1, 120) * DAY);
  const interactions: InteractionPlan[] = [];
  const interactionCount = pickIndex(rng, p.interactionsPerCustomer[type] ?? [1]);
  for (let k = 0; k < interactionCount; k++) {
    const [t, channel, direction] = rng.pickWeighted(tenant.interactionKinds).split("|");
    interactions.push({
      id: rng.uuid(),
      type: t ?? OTHER,
      channel: channel ?? OTHER,
      direction: direction ?? OTHER,
      at: createdAt + Math.floor(rng.float() * Math.max(DAY, window.now - createdAt)),
    });
  }
  return { index, id, type, createdAt, jobs, interactions };
}

function planInvoice(
  rng: Prng,
  tenant: TenantPlan,
  number: string,
  subtotalCents: number,
  jobAt: number,
  window: Window,
): InvoicePlan {
  const p = tenant.profile;
  const status = rng.pickWeighted(tenant.invoiceStatus);
  const taxCents = Math.round(subtotalCents * p.taxRate);
  const totalCents = subtotalCents + taxCents;
  const issued = Math.min(window.now, jobAt + rng.int(0, 7) * DAY);
  const count = pickIndex(rng, p.paymentsPerInvoice[status] ?? [1]);
  const payments: PaymentPlan[] = [];
  let left = totalCents;
  for (let k = 0; k < count; k++) {
    const amountCents = k === count - 1 ? left : Math.round(totalCents / count);
    left -= amountCents;
    payments.push({
      id: rng.uuid(),
      amountCents: Math.max(1, amountCents),
      method: rng.pickWeighted(tenant.paymentMethod),
      status: rng.pickWeighted(tenant.paymentStatus),
      at: Math.min(window.now, issued + rng.int(0, 30) * DAY),
    });
  }
  return {
    id: rng.uuid(),
    number: `SI-${number}`,
    status,
    subtotalCents,
    taxCents,
    issued,
    payments,
  };
}

/** A day drawn uniformly from the window, kept in proportion to month × weekday weights. */
function seasonalDate(rng: Prng, tenant: TenantPlan, window: Window): number {
  const span = Math.max(1, Math.floor((window.end - window.start) / DAY));
  const p = tenant.profile;
  let day = window.start;
  for (let tries = 0; tries < 64; tries++) {
    day = window.start + rng.int(0, span - 1) * DAY;
    const d = new Date(day);
    const w = (p.monthOfYear[d.getUTCMonth()] ?? 0) * (p.dayOfWeek[d.getUTCDay()] ?? 0);
    if (tenant.seasonMax <= 0 || rng.float() * tenant.seasonMax < w) {
      break;
    }
  }
  const start = Math.floor(day / DAY) * DAY;
  return start + (8 * 60 + rng.int(0, 9 * 4) * 15) * 60_000;
}
