import { type Clock, DAY, HOUR, MINUTE } from "./clock.ts";
import {
  type Business,
  jobTypesByMonth,
  newDailyStats,
  PLATFORM_HOST,
  phoneNumber,
  type StaffUser,
  type Team,
  type TenantContext,
} from "./context.ts";
import { esc, interval, money, NULL, PAD2, score, T, textArray, uuidArray } from "./copy-text.ts";
import type { Sinks } from "./copy-writer.ts";
import {
  COUNTRIES,
  countryOf,
  phoneBookFor,
  postalAddress,
  postcodeFor,
  regionOf,
  streetLine,
  taxIdFor,
} from "./countries.ts";
import { writeAudit } from "./gen-audit.ts";
import { ENGLISH, type Phrases } from "./messages.ts";
import { GERMAN } from "./messages-de.ts";
import { FRENCH } from "./messages-fr.ts";
import { type PoolSet, type Pools, slug } from "./pools.ts";
import { cumulative, Prng } from "./prng.ts";
import { bcryptLikeHash } from "./secrets.ts";
import { DEPARTMENTS, PROFILE_COLORS, type Role, TITLES, VERTICALS } from "./vocabulary.ts";
import { localizeVertical } from "./vocabulary-intl.ts";

/**
 * The tenant itself and everything that exists before its first customer: businesses (one, or a
 * second location for larger plans), the website analysis done at signup, staff with roles and
 * crews, availability, message templates.
 */

const PLAN_TIERS = cumulative([
  ["starter", 40],
  ["professional", 35],
  ["business", 20],
  ["enterprise", 5],
] as const);
const NAME_STYLES: Record<"en" | "de" | "fr", string[]> = {
  en: ["{L} {S}", "{C} {S}", "{F}'s {S}", "{W} {S}", "{L} & Sons {S}"],
  de: ["{L} {S}", "{S} {L}", "{S} {C}", "{L} & Söhne {S}", "{L} {S}"],
  fr: ["{S} {L}", "{L} {S}", "{S} de {C}", "{L} et Fils", "{S} {L}"],
};
const NAME_WORDS = [
  "Evergreen",
  "Summit",
  "Blue Ribbon",
  "Precision",
  "Reliable",
  "Northside",
  "Lone Star",
  "Golden Gate",
  "Sunrise",
  "Hometown",
  "Liberty",
  "Apex",
  "Cornerstone",
  "All Seasons",
];
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

export type TenantSeedInput = {
  seed: number;
  tenantIndex: number;
  clock: Clock;
  pools: PoolSet;
  out: Sinks;
  customersPerTenant: number;
};

const PHRASES: Record<"en" | "de" | "fr", Phrases> = { en: ENGLISH, de: GERMAN, fr: FRENCH };

/** The tenant's id, derived from the seed alone (reported before anything is generated). */
export function tenantIdFor(seed: number, tenantIndex: number): string {
  return Prng.derive(seed, "tenant-id", tenantIndex).uuid();
}

export function personName(
  pools: Pools,
  rng: Prng,
): { first: string; firstSlug: string; last: string; lastSlug: string; female: boolean } {
  const female = rng.chance(0.5);
  const firsts = female ? pools.femaleFirst : pools.maleFirst;
  const i = Math.floor(rng.float() * firsts.names.length);
  const j = Math.floor(rng.float() * pools.last.names.length);
  return {
    first: firsts.names[i] as string,
    firstSlug: firsts.slugs[i] as string,
    last: pools.last.names[j] as string,
    lastSlug: pools.last.slugs[j] as string,
    female,
  };
}

/** Builds the tenant context and writes the tenant-level rows that customers depend on. */
export function generateTenantSetup(input: TenantSeedInput): TenantContext {
  const { seed, tenantIndex, clock, out } = input;
  const country = COUNTRIES[countryOf(tenantIndex)];
  const pools = input.pools.forCountry(country.code);
  const rng = Prng.derive(seed, "tenant", tenantIndex);
  const vertical = localizeVertical(
    country.language,
    VERTICALS[
      (tenantIndex + Math.floor(rng.float() * VERTICALS.length)) % VERTICALS.length
    ] as (typeof VERTICALS)[number],
  );
  const metro = rng.pickWeighted(country.metros);
  const plan = rng.pickWeighted(PLAN_TIERS);
  const tenantId = tenantIdFor(seed, tenantIndex);
  const owner = personName(pools, rng);
  const style = rng.pick(NAME_STYLES[country.language]);
  const city = rng.pick(metro.cities);
  const suffix = rng.pick(vertical.nameSuffixes);
  const tenantName = style
    .replace("{L}", owner.last)
    .replace("{C}", city)
    .replace("{F}", owner.first)
    .replace("{W}", rng.pick(NAME_WORDS))
    .replace("{S}", suffix);
  const createdAt = clock.start - rng.int(1, 60) * DAY - rng.int(0, 86_399) * 1000;

  const ctx: TenantContext = {
    seed,
    tenantIndex,
    tenantId,
    tenantName,
    createdAt,
    rng,
    clock,
    country,
    phones: phoneBookFor(country.code),
    phrases: PHRASES[country.language],
    pools,
    out,
    vertical,
    metro,
    businesses: [],
    users: [],
    office: [],
    teams: [],
    counters: { job: 1000, invoice: 1000, estimate: 500, transaction: 100_000 },
    daily: [],
    notable: [],
    usedEmails: new Set(),
    usedPhones: new Set(),
    residentialJobsByMonth: jobTypesByMonth(vertical.residentialJobs),
    commercialJobsByMonth: jobTypesByMonth(vertical.commercialJobs),
  };

  const region = regionOf(country.code, metro);
  const status = rng.chance(0.9) ? "active" : rng.chance(0.5) ? "past_due" : "trialing";
  const domain = `${slug(tenantName)}.${country.tld}`;
  const ownerEmail = `${owner.firstSlug}@${domain}`;
  out.tenants.add(
    `${tenantId}${T}${tenantName}${T}${vertical.key}${T}${plan}${T}${region}${T}${clock.ts(createdAt)}${T}${clock.ts(
      clock.end - rng.int(1, 30) * DAY,
    )}${T}{"locale": "${country.locale}", "currency": "${country.currency}", "country": "${country.code}", "timezone": "${metro.timezone}", "billing_email": "${ownerEmail}", "features": {"ai_assistant": ${rng.chance(0.7)}, "online_booking": ${rng.chance(0.6)}, "customer_portal": true}}${T}${status}\n`,
  );

  const locations = plan === "business" || plan === "enterprise" ? 2 : 1;
  for (let b = 0; b < locations; b++) {
    ctx.businesses.push(
      writeBusiness(ctx, b, domain, createdAt, b === 0 ? city : rng.pick(metro.cities)),
    );
    ctx.daily.push(newDailyStats());
  }
  writeStaff(ctx, input.customersPerTenant, owner, domain, createdAt);
  writeAvailability(ctx);
  writeTemplates(ctx);
  return ctx;
}

function writeBusiness(
  ctx: TenantContext,
  index: number,
  domain: string,
  createdAt: number,
  city: string,
): Business {
  const { rng, clock, metro, vertical, out } = ctx;
  const id = rng.uuid();
  const name = index === 0 ? ctx.tenantName : `${ctx.tenantName} - ${city}`;
  const code = ctx.country.code;
  const legalName = `${ctx.tenantName} ${rng.pick(ctx.country.legalForms)}`;
  const phone = phoneNumber(ctx, false, 0);
  const email =
    index === 0
      ? `${rng.pick(["office", "info", "service", "hello"])}@${domain}`
      : `${slug(city)}@${domain}`;
  const street =
    code === "US"
      ? `${rng.int(100, 9899)} ${rng.pick(ctx.pools.streets)}`
      : streetLine(rng, code, rng.pick(ctx.pools.streets), false);
  const zip = postcodeFor(rng, metro, city);
  const addressJson = `{"street": "${street}", "city": "${city}", "state": "${metro.state}", "zip": "${zip}", "country": "${code}"}`;
  const taxId = taxIdFor(rng, code);
  const open = rng.pick(["07:00", "07:30", "08:00"]);
  const hours = WEEKDAYS.map((d, i) =>
    i === 0
      ? `"${d}": null`
      : i === 6
        ? `"${d}": {"open": "08:00", "close": "12:00"}`
        : `"${d}": {"open": "${open}", "close": "17:00"}`,
  ).join(", ");
  const color = rng.pick(PROFILE_COLORS);
  const bizCreated = createdAt + index * rng.int(30, 200) * DAY;
  out.businesses.add(
    `${id}${T}${ctx.tenantId}${T}${legalName}${T}${name}${T}${vertical.label}${T}${vertical.businessType}${T}${phone}${T}${email}${T}https://www.${domain}${T}${metro.timezone}${T}${addressJson}${T}{${hours}}${T}{"tax_rate": ${metro.taxBp / 10000}, "currency": "${ctx.country.currency}", ${taxId ? `"tax_id": "${taxId}", ` : ""}"invoice_prefix": "INV-", "default_payment_terms": "${rng.pick(["Net 15", "Net 30", "Due on receipt"])}", "late_fee_percentage": 1.5}${T}{"primary_color": "${color}", "logo_url": "https://files.${PLATFORM_HOST}/t/${ctx.tenantId}/logo.png"}${T}${clock.ts(bizCreated)}${T}${clock.ts(bizCreated + rng.int(1, 300) * DAY)}\n`,
  );
  const business: Business = {
    id,
    index,
    name,
    legalName,
    phone,
    email,
    domain,
    addressJson,
    address: postalAddress(code, street, city, metro.state, zip),
    city,
    metro,
    utcOffsetMs: metro.utcOffset * HOUR,
  };
  const services = vertical.residentialJobs
    .slice(0, 4)
    .map((j) => `"${j.title}"`)
    .join(", ");
  out.business_website_analysis.add(
    `${rng.uuid()}${T}${ctx.tenantId}${T}${id}${T}https://www.${domain}${T}{"services": [${services}], "service_area": ["${metro.cities.join('", "')}"], "contact": {"phone": "${phone}", "email": "${email}"}, "tagline": "${rng.pick(ctx.pools.catchPhrases)}", "reviews": {"google_rating": ${(rng.int(38, 50) / 10).toFixed(1)}, "count": ${rng.int(8, 640)}}, "detected_platform": "${rng.pick(["wordpress", "wix", "squarespace", "godaddy"])}"}${T}${score(rng.float() * 0.3 + 0.69)}${T}${clock.ts(bizCreated + rng.int(60, 3000) * MINUTE)}\n`,
  );
  return business;
}

function roleCounts(total: number): [Role, number][] {
  const admins = total > 20 ? 2 : 1;
  const managers = Math.max(1, Math.round(total * 0.1));
  const contractors = Math.round(total * 0.15);
  return [
    ["owner", 1],
    ["admin", admins],
    ["manager", managers],
    ["contractor", contractors],
    ["employee", Math.max(2, total - 1 - admins - managers - contractors)],
  ];
}

const PERMISSIONS: Record<Role, string> = {
  owner: `{"all": true}`,
  admin: `{"jobs": "write", "customers": "write", "invoices": "write", "payments": "write", "users": "write", "settings": "write"}`,
  manager: `{"jobs": "write", "customers": "write", "invoices": "write", "payments": "read", "schedule": "write"}`,
  employee: `{"jobs": "write", "customers": "read", "schedule": "read"}`,
  contractor: `{"jobs": "assigned_only", "schedule": "read"}`,
};

function writeStaff(
  ctx: TenantContext,
  customersPerTenant: number,
  owner: ReturnType<typeof personName>,
  domain: string,
  tenantCreated: number,
): void {
  const { rng, clock, out } = ctx;
  const total = Math.max(6, Math.min(80, 4 + Math.round(customersPerTenant / 500)));
  const usedEmails = new Set<string>();
  for (const [role, count] of roleCounts(total)) {
    for (let k = 0; k < count; k++) {
      const name = role === "owner" ? owner : personName(ctx.pools, rng);
      const title = role === "owner" ? "Owner" : rng.pick(TITLES[role]);
      const field =
        role === "contractor" ||
        (role === "employee" && /Technician|Crew|Apprentice/.test(title)) ||
        (role === "manager" && /Field|Crew/.test(title));
      let email =
        role === "owner"
          ? `${name.firstSlug}@${domain}`
          : role === "contractor"
            ? `${name.firstSlug}${name.lastSlug}${rng.int(1, 99)}@${ctx.country.code === "US" ? rng.pick(["gmail.com", "yahoo.com", "outlook.com"]) : rng.pickWeighted(ctx.country.emailProviders)}`
            : `${name.firstSlug}.${name.lastSlug}@${domain}`;
      while (usedEmails.has(email)) {
        email = email.replace("@", `${rng.int(0, 9)}@`);
      }
      usedEmails.add(email);
      const createdAt =
        role === "owner"
          ? tenantCreated
          : tenantCreated + Math.floor(rng.float() * (clock.end - 30 * DAY - tenantCreated));
      const user: StaffUser = {
        id: rng.uuid(),
        first: name.first,
        last: name.last,
        full: `${name.first} ${name.last}`,
        email,
        phone: phoneNumber(ctx, false, 0.8),
        role,
        title,
        field,
        active: role === "owner" || rng.chance(0.92),
        createdAt,
      };
      ctx.users.push(user);
      writeUser(ctx, user);
      if (!field && role !== "owner" && user.active) {
        ctx.office.push(user);
      }
    }
  }
  if (ctx.office.length === 0) {
    ctx.office.push(ctx.users[0] as StaffUser);
  }
  // Crews of three to five field staff; the first member leads. Inactive staff stay in their old
  // crew's history (left_at set) but are not assigned new work.
  const fieldStaff = ctx.users.filter((u) => u.field);
  if (fieldStaff.length === 0) {
    fieldStaff.push(ctx.users[0] as StaffUser);
  }
  const crewCount = Math.max(1, Math.round(fieldStaff.length / 4));
  for (let c = 0; c < crewCount; c++) {
    ctx.teams.push({ id: rng.uuid(), members: [] });
  }
  fieldStaff.forEach((u, i) => {
    const team = ctx.teams[i % crewCount] as Team;
    const lead = team.members.length === 0;
    if (u.active || lead) {
      team.members.push(u);
    }
    out.team_assignments.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${team.id}${T}${u.id}${T}${lead ? "lead" : "member"}${T}${clock.ts(u.createdAt + DAY)}${T}${u.active ? NULL : clock.ts(clock.end - rng.int(10, 200) * DAY)}\n`,
    );
  });
  for (const m of ctx.users.filter((u) => u.role === "manager")) {
    const team = rng.pick(ctx.teams);
    out.team_assignments.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${team.id}${T}${m.id}${T}supervisor${T}${clock.ts(m.createdAt + DAY)}${T}${NULL}\n`,
    );
  }
}

function writeUser(ctx: TenantContext, u: StaffUser): void {
  const { rng, clock, out, vertical, metro } = ctx;
  const relative = personName(ctx.pools, rng);
  const hasPassword = rng.chance(0.93);
  const rate =
    u.role === "owner"
      ? NULL
      : money(
          u.role === "contractor"
            ? rng.int(3500, 7500)
            : u.role === "employee"
              ? rng.int(1800, 3800)
              : rng.int(2800, 5200),
        );
  const skills = u.field
    ? textArray(
        vertical.skills
          .filter(() => rng.chance(0.5))
          .concat(vertical.skills[0] as string)
          .slice(0, 4),
      )
    : NULL;
  const certs = u.field
    ? `[{"name": "${rng.pick(vertical.certifications)}", "number": "${metro.state}-${rng.digits(7)}", "expires": "${clock.date(clock.end + rng.int(30, 900) * DAY)}"}]`
    : "[]";
  const areas = u.field
    ? textArray(
        metro.cities
          .filter(() => rng.chance(0.5))
          .concat(metro.cities[0] as string)
          .slice(0, 3),
      )
    : NULL;
  const lastLogin = u.active
    ? clock.end - rng.int(5, 7 * 24 * 60) * MINUTE
    : clock.end - rng.int(30, 300) * DAY;
  const created = clock.ts(u.createdAt);
  const display = rng.chance(0.5) ? u.full : `${u.first} ${u.last.charAt(0)}.`;
  const line =
    `${u.id}${T}${ctx.tenantId}${T}${(ctx.businesses[0] as Business).id}${T}${u.email}${T}${u.phone}${T}${hasPassword ? bcryptLikeHash(rng) : NULL}${T}` +
    `${u.first}${T}${u.last}${T}${display}${T}${u.title}${T}${rng.pick(DEPARTMENTS[u.role])}${T}` +
    `${rng.chance(0.6) ? `https://files.${PLATFORM_HOST}/avatars/${u.id}.jpg` : NULL}${T}${rng.pick(PROFILE_COLORS)}${T}${u.role}${T}${PERMISSIONS[u.role]}${T}${u.active ? "t" : "f"}${T}` +
    `{"name": "${relative.first} ${u.last}", "relationship": "${rng.pick(["spouse", "parent", "sibling", "partner"])}", "phone": "${phoneNumber(ctx, false)}"}${T}` +
    `{"monday": ["07:00", "16:00"], "tuesday": ["07:00", "16:00"], "wednesday": ["07:00", "16:00"], "thursday": ["07:00", "16:00"], "friday": ["07:00", "15:00"]}${T}` +
    `${rate}${T}${skills}${T}${certs}${T}${areas}${T}` +
    `${u.field ? `${rng.int(82, 99)}.${PAD2[rng.int(0, 99)]}` : NULL}${T}${u.field ? `${rng.int(3, 4)}.${PAD2[rng.int(40, 99)]}` : NULL}${T}${u.field ? interval(rng.int(60, 300)) : NULL}${T}` +
    `${u.field ? `{"jobs_completed_90d": ${rng.int(20, 160)}, "callbacks_90d": ${rng.int(0, 6)}, "upsell_rate": ${score(rng.float() * 0.4)}}` : "{}"}${T}` +
    `${u.field ? `["${rng.pick(["Upselling maintenance plans", "Customer communication on arrival", "Safety refresher", "Photo documentation"])}"]` : "[]"}${T}` +
    `${hasPassword ? clock.ts(lastLogin) : NULL}${T}${clock.ts(u.createdAt + rng.int(2, 600) * MINUTE)}${T}${rng.chance(0.7) ? clock.ts(u.createdAt + rng.int(5, 900) * MINUTE) : NULL}${T}` +
    `${u.role === "owner" || u.role === "admin" ? (rng.chance(0.6) ? "t" : "f") : rng.chance(0.15) ? "t" : "f"}${T}${created}${T}${clock.ts(Math.max(u.createdAt, lastLogin))}\n`;
  out.users.add(line);
  writeAudit(ctx, {
    action: "INSERT",
    table: "users",
    recordId: u.id,
    actor: ctx.users[0] === u ? null : (ctx.users[0] as StaffUser),
    oldValues: null,
    newValues: `{"id": "${u.id}", "email": "${u.email}", "phone": "${u.phone}", "first_name": "${u.first}", "last_name": "${u.last}", "role": "${u.role}", "tenant_id": "${ctx.tenantId}"}`,
    changed: null,
    at: u.createdAt,
  });
}

function writeAvailability(ctx: TenantContext): void {
  const { rng, clock, out } = ctx;
  for (const b of ctx.businesses) {
    for (let day = 1; day <= 6; day++) {
      out.calendar_availability.add(
        `${rng.uuid()}${T}${ctx.tenantId}${T}${b.id}${T}${NULL}${T}${day}${T}${day === 6 ? "08:00:00" : "07:00:00"}${T}${day === 6 ? "12:00:00" : "17:00:00"}${T}t${T}${ctx.teams.length}${T}30${T}${clock.date(clock.start)}${T}${NULL}${T}${NULL}${T}${clock.ts(clock.start)}\n`,
      );
    }
    // Holidays the business is closed.
    for (const md of ["-07-04", "-11-26", "-12-25", "-01-01"]) {
      const year = new Date(clock.end).getUTCFullYear() - 1;
      out.calendar_availability.add(
        `${rng.uuid()}${T}${ctx.tenantId}${T}${b.id}${T}${NULL}${T}${NULL}${T}${NULL}${T}${NULL}${T}f${T}0${T}0${T}${NULL}${T}${NULL}${T}${year}${md}${T}${clock.ts(clock.start + DAY)}\n`,
      );
    }
  }
  const business = ctx.businesses[0] as Business;
  for (const u of ctx.users.filter((x) => x.field && x.active)) {
    const from = clock.date(u.createdAt);
    for (let day = 1; day <= 5; day++) {
      out.calendar_availability.add(
        `${rng.uuid()}${T}${ctx.tenantId}${T}${business.id}${T}${u.id}${T}${day}${T}07:00:00${T}${day === 5 ? "15:00:00" : "16:00:00"}${T}t${T}${rng.int(1, 2)}${T}${rng.pick([15, 30, 45])}${T}${from}${T}${NULL}${T}${NULL}${T}${clock.ts(u.createdAt)}\n`,
      );
    }
    // Time off.
    for (let k = rng.int(0, 3); k > 0; k--) {
      const off = clock.start + rng.int(0, 760) * DAY;
      out.calendar_availability.add(
        `${rng.uuid()}${T}${ctx.tenantId}${T}${business.id}${T}${u.id}${T}${NULL}${T}${NULL}${T}${NULL}${T}f${T}0${T}0${T}${NULL}${T}${NULL}${T}${clock.date(off)}${T}${clock.ts(off - rng.int(3, 30) * DAY)}\n`,
      );
    }
  }
}

const TEMPLATES: [string, string, string, string | null, string, string[]][] = [
  [
    "Appointment reminder",
    "reminder",
    "sms",
    null,
    "Hi {{customer_first_name}}, this is {{business_name}}. Reminder: your appointment is {{appointment_time}}. Reply C to confirm.",
    ["customer_first_name", "business_name", "appointment_time"],
  ],
  [
    "On the way",
    "reminder",
    "sms",
    null,
    "Hi {{customer_first_name}}! {{technician_name}} is on the way, ETA {{eta}}.",
    ["customer_first_name", "technician_name", "eta"],
  ],
  [
    "Estimate",
    "follow_up",
    "email",
    "Your estimate {{invoice_number}} from {{business_name}}",
    "Hello {{customer_first_name}},\n\nAttached is your estimate {{invoice_number}} for {{amount_due}}.\n\n{{signature}}",
    ["customer_first_name", "invoice_number", "amount_due", "business_name", "signature"],
  ],
  [
    "Invoice",
    "invoice",
    "email",
    "Invoice {{invoice_number}} from {{business_name}}",
    "Hi {{customer_first_name}},\n\nYour invoice {{invoice_number}} for {{amount_due}} is ready: {{payment_link}}\n\nThank you!",
    ["customer_first_name", "invoice_number", "amount_due", "payment_link", "business_name"],
  ],
  [
    "Payment receipt",
    "invoice",
    "email",
    "Receipt for {{invoice_number}}",
    "Thanks {{customer_first_name}}, we received {{amount_paid}} on {{paid_date}}.",
    ["customer_first_name", "invoice_number", "amount_paid", "paid_date"],
  ],
  [
    "Review request",
    "follow_up",
    "sms",
    null,
    "Thanks for choosing {{business_name}}, {{customer_first_name}}! Mind leaving a review? {{review_link}}",
    ["business_name", "customer_first_name", "review_link"],
  ],
  [
    "Welcome",
    "welcome",
    "email",
    "Welcome to {{business_name}}",
    "Hi {{customer_first_name}},\n\nThanks for reaching out! Save our number {{business_phone}} for scheduling.",
    ["customer_first_name", "business_name", "business_phone"],
  ],
  [
    "Past-due follow-up",
    "follow_up",
    "call_script",
    null,
    "Hi, may I speak with {{customer_full_name}}? I'm calling from {{business_name}} about invoice {{invoice_number}}, which was due {{due_date}}.",
    ["customer_full_name", "business_name", "invoice_number", "due_date"],
  ],
];

/** The same templates in German and French: name, subject, content (same variables). */
// biome-ignore format: one template per line
const LOCAL_TEMPLATES: Record<"de" | "fr", [string, string | null, string][]> = {
  de: [
    ["Terminerinnerung", null, "Hallo {{customer_first_name}}, hier ist {{business_name}}. Erinnerung: Ihr Termin ist {{appointment_time}}. Bitte mit J bestätigen."],
    ["Unterwegs", null, "Hallo {{customer_first_name}}! {{technician_name}} ist unterwegs, Ankunft ca. {{eta}}."],
    ["Angebot", "Ihr Angebot {{invoice_number}} von {{business_name}}", "Guten Tag {{customer_first_name}},\n\nanbei Ihr Angebot {{invoice_number}} über {{amount_due}}.\n\n{{signature}}"],
    ["Rechnung", "Rechnung {{invoice_number}} von {{business_name}}", "Guten Tag {{customer_first_name}},\n\nIhre Rechnung {{invoice_number}} über {{amount_due}} steht bereit: {{payment_link}}\n\nVielen Dank!"],
    ["Zahlungsbestätigung", "Zahlungseingang {{invoice_number}}", "Danke {{customer_first_name}}, wir haben {{amount_paid}} am {{paid_date}} erhalten."],
    ["Bewertungsanfrage", null, "Danke, dass Sie {{business_name}} gewählt haben, {{customer_first_name}}! Wir freuen uns über eine Bewertung: {{review_link}}"],
    ["Willkommen", "Willkommen bei {{business_name}}", "Guten Tag {{customer_first_name}},\n\ndanke für Ihre Anfrage! Speichern Sie unsere Nummer {{business_phone}} für Termine."],
    ["Zahlungserinnerung", null, "Guten Tag, spreche ich mit {{customer_full_name}}? Ich rufe von {{business_name}} an wegen der Rechnung {{invoice_number}}, fällig am {{due_date}}."],
  ],
  fr: [
    ["Rappel de rendez-vous", null, "Bonjour {{customer_first_name}}, ici {{business_name}}. Rappel : votre rendez-vous est {{appointment_time}}. Répondez OUI pour confirmer."],
    ["En route", null, "Bonjour {{customer_first_name}} ! {{technician_name}} est en route, arrivée prévue {{eta}}."],
    ["Devis", "Votre devis {{invoice_number}} de {{business_name}}", "Bonjour {{customer_first_name}},\n\nVeuillez trouver ci-joint votre devis {{invoice_number}} de {{amount_due}}.\n\n{{signature}}"],
    ["Facture", "Facture {{invoice_number}} de {{business_name}}", "Bonjour {{customer_first_name}},\n\nVotre facture {{invoice_number}} de {{amount_due}} est disponible : {{payment_link}}\n\nMerci !"],
    ["Reçu de paiement", "Reçu pour {{invoice_number}}", "Merci {{customer_first_name}}, nous avons reçu {{amount_paid}} le {{paid_date}}."],
    ["Demande d'avis", null, "Merci d'avoir choisi {{business_name}}, {{customer_first_name}} ! Un petit avis ? {{review_link}}"],
    ["Bienvenue", "Bienvenue chez {{business_name}}", "Bonjour {{customer_first_name}},\n\nMerci pour votre demande ! Enregistrez notre numéro {{business_phone}} pour vos rendez-vous."],
    ["Relance impayé", null, "Bonjour, pourrais-je parler à {{customer_full_name}} ? J'appelle de la part de {{business_name}} au sujet de la facture {{invoice_number}}, échue le {{due_date}}."],
  ],
};

function writeTemplates(ctx: TenantContext): void {
  const { rng, clock, out } = ctx;
  const language = ctx.country.language;
  const templates =
    language === "en"
      ? TEMPLATES
      : TEMPLATES.map(([, type, channel, , , vars], i) => {
          const [name, subject, content] = LOCAL_TEMPLATES[language][i] as [
            string,
            string | null,
            string,
          ];
          return [name, type, channel, subject, content, vars] as (typeof TEMPLATES)[number];
        });
  for (const b of ctx.businesses) {
    for (const [name, type, channel, subject, content, vars] of templates) {
      const created = clock.start + rng.int(0, 60) * DAY;
      out.communication_templates.add(
        `${rng.uuid()}${T}${ctx.tenantId}${T}${b.id}${T}${name}${T}${type}${T}${channel}${T}${subject ?? NULL}${T}${esc(content)}${T}{"variables": [${vars.map((v) => `"${v}"`).join(", ")}]}${T}${rng.int(20, 5000)}${T}${clock.ts(clock.end - rng.int(1, 7200) * MINUTE)}${T}${clock.ts(created)}${T}${clock.ts(created + rng.int(0, 400) * DAY)}\n`,
      );
    }
  }
}

/** Crew ids of a job, as a uuid[] literal. */
export function crewArray(crew: StaffUser[]): string {
  return uuidArray(crew.map((u) => u.id));
}
