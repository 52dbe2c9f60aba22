import { DAY, HOUR, MINUTE } from "./clock.ts";
import {
  atLocalHour,
  bump,
  pickCrew,
  pickOffice,
  type StaffUser,
  type TenantContext,
} from "./context.ts";
import { esc, interval, money, NULL, score, T, textArray, uuidArray } from "./copy-text.ts";
import type { Customer } from "./customer.ts";
import { writeAudit } from "./gen-audit.ts";
import { cumulative } from "./prng.ts";
import { CANCEL_REASONS, type JobType, type Material } from "./vocabulary.ts";

/**
 * Jobs and what hangs off them: materials, the status history that led to the current status,
 * and the calendar event that put the crew on site. Job counts and values follow the customer
 * (commercial: more and bigger jobs), dates follow the trade's season for homeowners.
 */

export type JobStatus = "quoted" | "scheduled" | "in_progress" | "completed" | "cancelled";

export type JobMaterial = {
  material: Material;
  supplier: string;
  halves: number;
  unitCents: number;
  totalCents: number;
};

export type PlannedJob = {
  id: string;
  number: string;
  type: JobType;
  title: string;
  status: JobStatus;
  /** Quote created (ms). */
  createdAt: number;
  start: number;
  end: number;
  actualStart: number;
  actualEnd: number;
  hours: number;
  quotedCents: number;
  finalCents: number;
  cogsCents: number;
  laborCents: number;
  materials: JobMaterial[];
  crew: StaffUser[];
  /** Estimate approved (ms). */
  scheduledAt: number;
  /** Last status change (ms). */
  updatedAt: number;
};

const RESIDENTIAL_COUNT = cumulative([
  [1, 10],
  [2, 30],
  [3, 35],
  [4, 20],
  [5, 5],
] as const);

const BULK_UNITS = new Set(["cu yd", "ton", "gal", "lb", "ft"]);

const STATUS_STAGE: Record<JobStatus, [string, number]> = {
  quoted: ["estimate_sent", 0],
  scheduled: ["scheduled", 0],
  in_progress: ["on_site", 50],
  completed: ["closed", 100],
  cancelled: ["cancelled", 0],
};

/** Plans a customer's jobs (dates, types, values, status) before any row is written. */
export function planJobs(ctx: TenantContext, c: Customer): PlannedJob[] {
  const { rng, clock } = ctx;
  // Past work grows with tenure (two full years: 2-4 jobs for a homeowner as in the seed's
  // generator, 4-10 for a business); sqrt because new customers book right away.
  const tenure = Math.max(0, (clock.end - c.activeFrom) / (clock.end - clock.start));
  const base = c.commercial ? rng.int(4, 10) : rng.pickWeighted(RESIDENTIAL_COUNT);
  const windowStart = c.activeFrom + 2 * DAY;
  const past = windowStart < clock.end ? Math.max(1, Math.round(base * Math.sqrt(tenure))) : 0;
  const starts: number[] = [];
  for (let i = 0; i < past; i++) {
    starts.push(seasonalDay(ctx, c, windowStart, clock.end));
  }
  // Booked work ahead: a share of customers, and everyone who signed up in the last days.
  if (rng.chance(c.commercial ? 0.5 : 0.2) || clock.end - c.activeFrom < 10 * DAY) {
    starts.push(seasonalDay(ctx, c, Math.max(windowStart, clock.end + DAY), clock.end + 45 * DAY));
  }
  starts.sort((a, b) => a - b);
  const byMonth = c.commercial ? ctx.commercialJobsByMonth : ctx.residentialJobsByMonth;
  return starts.map((day) => planJob(ctx, c, day, byMonth[clock.month(day) - 1] ?? byMonth[0]));
}

/** A day in [from, to): homeowners' days kept with probability season(month) / 1.8. */
function seasonalDay(ctx: TenantContext, c: Customer, from: number, to: number): number {
  const { rng, clock } = ctx;
  let day = from;
  for (let tries = 0; tries < 10; tries++) {
    day = from + Math.floor(rng.float() * (to - from));
    if (
      c.commercial ||
      rng.float() * 1.8 <= (ctx.vertical.season[clock.month(day) - 1] as number)
    ) {
      break;
    }
  }
  return day;
}

function planJob(
  ctx: TenantContext,
  c: Customer,
  day: number,
  types: ReturnType<typeof cumulative<JobType>> | undefined,
): PlannedJob {
  const { rng, clock, vertical } = ctx;
  const type =
    types && types.items.length > 0
      ? rng.pickWeighted(types)
      : ((c.commercial ? vertical.commercialJobs : vertical.residentialJobs)[0] as JobType);
  const start = atLocalHour(c.business, day, rng.int(7, 14)) + rng.pick([0, 15, 30, 45]) * MINUTE;
  const hours = Math.max(0.5, type.hours * (0.7 + rng.float() * 0.6));
  const end = start + Math.round(hours * 4) * 15 * MINUTE;
  const season = c.commercial ? 1 : Math.sqrt(vertical.season[clock.month(start) - 1] as number);
  const quoted = Math.max(
    2_500,
    Math.round(
      rng.normal(c.avgValueCents * type.factor, c.avgValueCents * type.factor * 0.3) * season,
    ),
  );
  // Quote, then approval, then the visit: each strictly after the one before.
  const createdAt = Math.max(
    c.activeFrom + HOUR,
    start - rng.int(1, 21) * DAY - rng.int(0, 600) * MINUTE,
  );
  const scheduledAt =
    createdAt + Math.min(rng.int(10, 2_880) * MINUTE, Math.floor((start - createdAt) / 2));

  let status: JobStatus;
  if (start >= clock.end) {
    status = rng.chance(0.75) ? "scheduled" : "quoted";
  } else if (end >= clock.end || (start > clock.end - 2 * DAY && rng.chance(0.3))) {
    status = "in_progress";
  } else {
    const r = rng.float();
    status = r < 0.9 ? "completed" : r < 0.96 ? "cancelled" : "quoted";
  }

  const actualStart = Math.min(start + rng.int(-10, 40) * MINUTE, clock.end - MINUTE);
  const actualEnd = actualStart + Math.round(hours * (0.8 + rng.float() * 0.5) * 60) * MINUTE;
  if (status === "completed" && actualEnd >= clock.end) {
    status = "in_progress"; // still on site at asOf
  }
  const crew = pickCrew(ctx, c.commercial ? rng.int(2, 5) : rng.int(1, 3));

  // Materials take a share of the price (10-45%), and only parts that fit the job's size: no
  // condenser on a tune-up.
  const materials: JobMaterial[] = [];
  let budget = Math.round(quoted * (0.1 + rng.float() * 0.35));
  let cogs = 0;
  const nMaterials = c.commercial ? rng.int(1, 4) : rng.int(0, 3);
  for (let m = 0; m < nMaterials; m++) {
    const share = Math.floor(budget / (nMaterials - m));
    const fits = vertical.materials.filter((x) => x.minCents <= share);
    if (fits.length === 0) {
      break;
    }
    const material = rng.pick(fits);
    let unitCents = rng.int(material.minCents, Math.min(material.maxCents, share));
    // Quantities in halves; unit prices even when the quantity is fractional, so that
    // quantity × unit price is always a whole number of cents.
    // Bulk goods come in half units (2.5 cu yd of mulch), countable parts only whole.
    let halves = Math.max(1, Math.min(400, Math.floor((share * 2) / unitCents)));
    if (!BULK_UNITS.has(material.unit) || (halves > 2 && rng.chance(0.7))) {
      halves = Math.max(2, halves - (halves % 2));
    }
    if (halves % 2 === 1 && unitCents % 2 === 1) {
      unitCents++;
    }
    const totalCents = (halves * unitCents) / 2;
    budget -= totalCents;
    cogs += totalCents;
    materials.push({
      material,
      supplier: rng.pick(vertical.suppliers),
      halves,
      unitCents,
      totalCents,
    });
  }
  // Wages for the crew's hours, capped so that most jobs make 15-50% (a few still lose money).
  const labor = Math.min(
    Math.round(hours * crew.length * rng.int(2_500, 4_500)),
    Math.round(quoted * (0.2 + rng.float() * 0.35)),
  );
  // Final price drifts from the quote (change orders) but never below materials plus a call-out.
  const final =
    status === "completed"
      ? Math.max(cogs + 2_500, quoted + Math.round(quoted * (rng.float() * 0.2 - 0.06)))
      : 0;
  const updatedAt =
    status === "completed"
      ? actualEnd
      : status === "in_progress"
        ? actualStart
        : status === "cancelled"
          ? scheduledAt + Math.floor(rng.float() * (Math.min(start, clock.end) - scheduledAt))
          : status === "scheduled"
            ? scheduledAt
            : createdAt;
  ctx.counters.job++;
  return {
    id: rng.uuid(),
    number: `J-${ctx.counters.job}`,
    type,
    title: c.company ? `${type.title} - ${c.company}` : type.title,
    status,
    createdAt,
    start,
    end,
    actualStart,
    actualEnd,
    hours,
    quotedCents: quoted,
    finalCents: final,
    cogsCents: cogs,
    laborCents: labor,
    materials,
    crew,
    scheduledAt,
    updatedAt,
  };
}

/** Writes the job, its materials, its status history and its calendar event. */
export function writeJob(ctx: TenantContext, c: Customer, j: PlannedJob): void {
  const { rng, clock, out } = ctx;
  const p = c.person;
  const completed = j.status === "completed";
  const started = completed || j.status === "in_progress";
  const [stage, pct] = STATUS_STAGE[j.status];
  const margin =
    completed && j.finalCents > 0
      ? Math.max(
          -99_999,
          Math.min(
            99_999,
            Math.round(((j.finalCents - j.cogsCents - j.laborCents) / j.finalCents) * 10_000),
          ),
        )
      : null;
  const lead = j.crew[0] as StaffUser;
  const tags = c.commercial ? textArray(["commercial", j.type.key]) : textArray([j.type.key]);
  out.jobs.add(
    `${j.id}${T}${ctx.tenantId}${T}${c.business.id}${T}${c.id}${T}${j.number}${T}${j.title}${T}${esc(ctx.phrases.jobDescription(rng, p, j.type.title, c.relative))}${T}${j.type.key}${T}` +
      `${rng.pick(["low", "medium", "medium", "medium", "high", "urgent"])}${T}${clock.ts(j.start)}${T}${clock.ts(j.end)}${T}` +
      `${started ? clock.ts(j.actualStart) : NULL}${T}${completed ? clock.ts(j.actualEnd) : NULL}${T}${interval(j.hours * 60)}${T}${c.addressJson}${T}` +
      `${esc(ctx.phrases.locationNotes(rng, c.pet))}${T}${interval(rng.int(8, 55))}${T}${j.status}${T}${stage}${T}${pct}${T}` +
      `${money(j.quotedCents)}${T}${completed ? money(j.finalCents) : NULL}${T}${money(j.cogsCents)}${T}${money(j.laborCents)}${T}${margin === null ? NULL : money(margin)}${T}` +
      `${uuidArray(j.crew.map((u) => u.id))}${T}${lead.id}${T}${score(Math.min(0.99, 0.2 + j.type.factor / 8 + rng.float() * 0.3))}${T}` +
      `{"weather_sensitive": ${j.type.months !== undefined}, "access_issues": ${rng.chance(0.1)}, "customer_history": "${rng.pick(["good", "good", "slow_payer", "new"])}"}${T}` +
      `${rng.chance(0.2) ? `{"suggested_crew_size": ${j.crew.length + 1}, "bundle_with": "${rng.pick(ctx.vertical.residentialJobs).key}"}` : "{}"}${T}` +
      `${tags}${T}{"source": "${rng.pick(["phone", "online_booking", "repeat", "referral"])}"}${T}` +
      `${completed && rng.chance(0.4) ? `[{"type": "photo", "url": "https://files.smbos.example/t/${ctx.tenantId}/jobs/${j.id}/after.jpg"}]` : "[]"}${T}` +
      `${clock.ts(j.createdAt)}${T}${clock.ts(j.updatedAt)}${T}f${T}hot\n`,
  );

  for (const m of j.materials) {
    out.job_materials.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${j.id}${T}${m.material.name}${T}${m.halves % 2 ? `${(m.halves - 1) / 2}.50` : `${m.halves / 2}.00`}${T}${m.material.unit}${T}${money(m.unitCents)}${T}${money(m.totalCents)}${T}${m.supplier}${T}${rng.chance(0.2) ? `PO ${rng.digits(6)}` : NULL}\n`,
    );
  }

  writeHistory(ctx, j);

  if (j.status !== "quoted") {
    const office = pickOffice(ctx);
    const eventStatus =
      j.status === "completed"
        ? "completed"
        : j.status === "cancelled"
          ? "cancelled"
          : j.status === "in_progress"
            ? "in_progress"
            : "confirmed";
    out.calendar_events.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${c.business.id}${T}${j.type.title} - ${c.company ?? c.full}${T}${esc(ctx.phrases.calendarNote(p, c.pet))}${T}job${T}` +
        `${clock.ts(j.start)}${T}${clock.ts(j.end)}${T}f${T}${c.business.metro.timezone}${T}f${T}${NULL}${T}${NULL}${T}${c.id}${T}${j.id}${T}${office.id}${T}` +
        `${uuidArray(j.crew.map((u) => u.id))}${T}[{"name": "${c.full}", "email": "${c.email}", "phone": "${c.phone}"}]${T}on_site${T}${c.addressJson}${T}${NULL}${T}${NULL}${T}` +
        `${eventStatus}${T}${j.status === "cancelled" ? "declined" : "confirmed"}${T}${rng.int(8, 55)}${T}${clock.ts(j.start + rng.pick([-30, 0, 0, 30]) * MINUTE)}${T}${score(0.6 + rng.float() * 0.39)}${T}` +
        `${c.commercial ? 2 : 3}${T}${textArray([j.type.key])}${T}{}${T}${clock.ts(j.createdAt + rng.int(10, 300) * MINUTE)}${T}${clock.ts(j.updatedAt)}\n`,
    );
  }

  const daily = ctx.daily[c.business.index];
  if (daily) {
    bump(ctx, daily.jobsScheduled, j.createdAt);
    if (completed) {
      bump(ctx, daily.jobsCompleted, j.actualEnd);
    } else if (j.status === "cancelled") {
      bump(ctx, daily.cancellations, j.updatedAt);
    }
  }

  // The audit trigger logs every status change; keep a share of them.
  if (completed && rng.chance(0.2)) {
    writeAudit(ctx, {
      action: "UPDATE",
      table: "jobs",
      recordId: j.id,
      actor: lead,
      oldValues: `{"id": "${j.id}", "status": "in_progress", "customer_id": "${c.id}", "final_amount": null, "service_address": ${c.addressJson}}`,
      newValues: `{"id": "${j.id}", "status": "completed", "customer_id": "${c.id}", "final_amount": ${money(j.finalCents)}, "service_address": ${c.addressJson}}`,
      changed: ["status", "final_amount", "actual_end", "updated_at"],
      at: j.actualEnd,
    });
  }
}

function writeHistory(ctx: TenantContext, j: PlannedJob): void {
  const { rng, clock, out } = ctx;
  const office = pickOffice(ctx);
  const lead = j.crew[0] as StaffUser;
  const row = (
    from: string | null,
    to: JobStatus,
    by: StaffUser,
    reason: string,
    at: number,
    meta: string,
  ) =>
    out.job_status_history.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${j.id}${T}${from ?? NULL}${T}${to}${T}${by.id}${T}${reason}${T}${meta}${T}${clock.ts(at)}\n`,
    );
  row(null, "quoted", office, "Estimate created", j.createdAt, `{"source": "web"}`);
  if (j.status === "cancelled") {
    const wasScheduled = rng.chance(0.6);
    if (wasScheduled) {
      row(
        "quoted",
        "scheduled",
        office,
        "Customer approved estimate",
        j.scheduledAt,
        `{"source": "web"}`,
      );
    }
    row(
      wasScheduled ? "scheduled" : "quoted",
      "cancelled",
      office,
      rng.pick(CANCEL_REASONS),
      j.updatedAt,
      `{"source": "phone"}`,
    );
    return;
  }
  if (j.status === "quoted") {
    return;
  }
  row(
    "quoted",
    "scheduled",
    office,
    "Customer approved estimate",
    j.scheduledAt,
    `{"source": "web"}`,
  );
  if (j.status === "scheduled") {
    return;
  }
  row(
    "scheduled",
    "in_progress",
    lead,
    "Technician checked in on site",
    j.actualStart,
    `{"source": "mobile_app", "gps_verified": true}`,
  );
  if (j.status === "completed") {
    row(
      "in_progress",
      "completed",
      lead,
      "Work completed, customer signed off",
      j.actualEnd,
      `{"source": "mobile_app", "signature_captured": ${rng.chance(0.8)}}`,
    );
  }
}
