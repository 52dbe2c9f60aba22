import { type Clock, DAY, HISTORY_DAYS, HOUR } from "./clock.ts";
import type { Sinks } from "./copy-writer.ts";
import { type Country, type DrawnPhone, drawPhone, type PhoneBook } from "./countries.ts";
import type { Phrases } from "./messages.ts";
import type { Pools } from "./pools.ts";
import { cumulative, type Prng, type Weighted } from "./prng.ts";
import type { JobType, Metro, Role, Vertical } from "./vocabulary.ts";

/**
 * What every generator of one tenant shares: its identity, its staff, its random stream, the
 * sinks rows go to, and small running aggregates. Nothing here grows with the number of
 * customers except the per-tenant uniqueness sets (e-mail, phone), which the per-tenant unique
 * constraints make unavoidable and which are dropped when the tenant is done.
 */

/** Fictitious platform host for file, payment and avatar URLs (.example is reserved). */
export const PLATFORM_HOST = "smbos.example";

export type Business = {
  id: string;
  index: number;
  name: string;
  legalName: string;
  phone: string;
  email: string;
  domain: string;
  /** Address as a JSON object literal (vetted pool values, no escaping needed). */
  addressJson: string;
  /** One-line postal address in the country's order. */
  address: string;
  city: string;
  metro: Metro;
  /** Milliseconds to add to a UTC instant to get local wall time. */
  utcOffsetMs: number;
};

export type StaffUser = {
  id: string;
  first: string;
  last: string;
  full: string;
  email: string;
  phone: string;
  role: Role;
  title: string;
  /** Works on job sites (technicians, crews, contractors) rather than in the office. */
  field: boolean;
  active: boolean;
  createdAt: number;
};

export type Team = { id: string; members: StaffUser[] };

/** A few customers remembered per tenant for tenant-level text (AI chats, sync logs, contexts). */
export type CustomerSnapshot = {
  id: string;
  full: string;
  first: string;
  email: string;
  phone: string;
  company: string | null;
  city: string;
};

/** Per-business daily aggregates, written out as business_metrics at the end of the tenant. */
export type DailyStats = {
  revenueCents: Float64Array;
  jobsCompleted: Float64Array;
  jobsScheduled: Float64Array;
  newCustomers: Float64Array;
  invoicesIssued: Float64Array;
  invoicedCents: Float64Array;
  cancellations: Float64Array;
};

export type TenantContext = {
  seed: number;
  tenantIndex: number;
  tenantId: string;
  tenantName: string;
  /** When the tenant joined the platform (ms), shortly before the history window opens. */
  createdAt: number;
  rng: Prng;
  clock: Clock;
  /** The tenant's country: language, formats, currency. */
  country: Country;
  /** Number ranges of the country (undefined in the US, whose numbers are built by hand). */
  phones: PhoneBook | undefined;
  phrases: Phrases;
  pools: Pools;
  out: Sinks;
  vertical: Vertical;
  metro: Metro;
  businesses: Business[];
  users: StaffUser[];
  /** Office staff who answer calls, send messages and move jobs along. */
  office: StaffUser[];
  /** Field staff grouped into crews. */
  teams: Team[];
  counters: { job: number; invoice: number; estimate: number; transaction: number };
  daily: DailyStats[];
  notable: CustomerSnapshot[];
  /** Per-tenant uniqueness of customer e-mail and phone (the schema's unique constraints). */
  usedEmails: Set<string>;
  usedPhones: Set<string>;
  /** Job types per month (index 0 = January), weighted toward everyday work. */
  residentialJobsByMonth: Weighted<JobType>[];
  commercialJobsByMonth: Weighted<JobType>[];
};

export function newDailyStats(): DailyStats {
  const make = () => new Float64Array(HISTORY_DAYS);
  return {
    revenueCents: make(),
    jobsCompleted: make(),
    jobsScheduled: make(),
    newCustomers: make(),
    invoicesIssued: make(),
    invoicedCents: make(),
    cancellations: make(),
  };
}

/** Adds to a daily aggregate if the instant falls inside the history window. */
export function bump(ctx: TenantContext, series: Float64Array, ms: number, amount = 1): void {
  const index = Math.floor((ms - ctx.clock.start) / DAY);
  if (index >= 0 && index < HISTORY_DAYS) {
    series[index] = (series[index] as number) + amount;
  }
}

/** Cheap jobs are asked for far more often than replacements: weight by 1/sqrt(factor). */
export function jobTypesByMonth(types: JobType[]): Weighted<JobType>[] {
  return Array.from({ length: 12 }, (_, m) => {
    const fits = types.filter((t) => !t.months || t.months.includes(m + 1));
    return cumulative(fits.map((t) => [t, 1 / Math.sqrt(t.factor)] as const));
  });
}

/** A UTC instant on the day of `ms` at a local wall-clock hour of the business. */
export function atLocalHour(business: Business, ms: number, hour: number): number {
  const localDayStart = Math.floor((ms + business.utcOffsetMs) / DAY) * DAY;
  return localDayStart + hour * HOUR - business.utcOffsetMs;
}

export function pickOffice(ctx: TenantContext): StaffUser {
  return ctx.rng.pick(ctx.office);
}

/** A (field) crew for a job: its lead first. */
export function pickCrew(ctx: TenantContext, size: number): StaffUser[] {
  const team = ctx.rng.pick(ctx.teams);
  return team.members.slice(0, Math.max(1, Math.min(size, team.members.length)));
}

/**
 * A phone number of the tenant's country as it is stored: US "(512) 555-0142" in the metro's
 * area codes; elsewhere valid numbers of the country's ranges (landlines of the metro, mobiles
 * at `mobileShare`), written nationally or, for some people, internationally. Unique per tenant
 * if asked (by its digits, whatever the form).
 */
export function phoneNumber(ctx: TenantContext, unique: boolean, mobileShare = 0.5): string {
  return ctx.phones ? drawnPhone(ctx, unique, mobileShare).stored : usPhone(ctx, unique);
}

/** A number with the other ways its owner writes it (for free text). */
export function phoneWithForms(
  ctx: TenantContext,
  unique: boolean,
  mobileShare = 0.5,
): { stored: string; alt: [string, string] } {
  if (!ctx.phones) {
    const stored = usPhone(ctx, unique);
    const digits = stored.replace(/\D/g, "");
    return {
      stored,
      alt: [
        `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`,
        `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6)}`,
      ],
    };
  }
  return drawnPhone(ctx, unique, mobileShare);
}

function drawnPhone(
  ctx: TenantContext,
  unique: boolean,
  mobileShare: number,
): { stored: string; alt: [string, string] } {
  const book = ctx.phones as PhoneBook;
  let p: DrawnPhone;
  do {
    p = drawPhone(ctx.rng, book, ctx.metro, mobileShare);
  } while (unique && ctx.usedPhones.has(p.nsn));
  if (unique) {
    ctx.usedPhones.add(p.nsn);
  }
  return ctx.rng.chance(ctx.country.internationalShare)
    ? { stored: p.international, alt: [p.national, p.variant] }
    : { stored: p.national, alt: [p.international, p.variant] };
}

function usPhone(ctx: TenantContext, unique: boolean): string {
  for (;;) {
    const rng = ctx.rng;
    const phone = `(${rng.pick(ctx.metro.areaCodes)}) ${rng.int(201, 989)}-${rng.digits(4)}`;
    if (!unique || !ctx.usedPhones.has(phone)) {
      if (unique) {
        ctx.usedPhones.add(phone);
      }
      return phone;
    }
  }
}

/** Remembers up to `limit` customers, spread over the tenant (reservoir sampling). */
export function remember(
  ctx: TenantContext,
  seen: number,
  snapshot: CustomerSnapshot,
  limit = 60,
): void {
  if (ctx.notable.length < limit) {
    ctx.notable.push(snapshot);
    return;
  }
  const slot = Math.floor(ctx.rng.float() * seen);
  if (slot < limit) {
    ctx.notable[slot] = snapshot;
  }
}
