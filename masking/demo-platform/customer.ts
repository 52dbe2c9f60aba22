import { DAY, MINUTE } from "./clock.ts";
import { type Business, phoneNumber, phoneWithForms, type TenantContext } from "./context.ts";
import { postalAddress, postcodeFor, streetLine, unitLine } from "./countries.ts";
import { personName } from "./gen-tenant.ts";
import type { Person } from "./messages.ts";
import { slug } from "./pools.ts";
import { cumulative } from "./prng.ts";
import { COMMERCIAL_NAME_PATTERNS, EMAIL_PROVIDERS } from "./vocabulary.ts";
import { COMMERCIAL_NAMES } from "./vocabulary-intl.ts";

/**
 * Who a customer is, drawn once and then shared by every row about them (customer, jobs,
 * invoices, payments, messages, documents): that sharing is what makes the data correlated.
 * The seed's split: 70% residential, 30% commercial, with commercial customers worth ~5x per job.
 */

export type Customer = {
  id: string;
  index: number;
  business: Business;
  commercial: boolean;
  first: string;
  last: string;
  full: string;
  company: string | null;
  email: string;
  phone: string;
  secondaryPhone: string | null;
  street: string;
  city: string;
  zip: string;
  /** Province, Land or région code (US: state). */
  state: string;
  /** The one-line postal address in the country's order. */
  address: string;
  /** The service address as a JSON object (COPY-safe). */
  addressJson: string;
  /** Customer since (ms); long-standing customers predate the platform. */
  since: number;
  /** When the customer's record was created on the platform (ms). */
  createdAt: number;
  /** Start of the customer's activity inside the history window (ms). */
  activeFrom: number;
  /** Brought over from the business's old system when it joined the platform. */
  imported: boolean;
  /** Typical job value in cents (the seed: normal(450, 150) vs normal(2500, 800) dollars). */
  avgValueCents: number;
  relative: string;
  relativeFirst: string;
  pet: string;
  taxExempt: boolean;
  person: Person;
};

const PROVIDERS = cumulative(EMAIL_PROVIDERS);

export function drawCustomer(ctx: TenantContext, index: number): Customer {
  const { rng, pools, metro, clock, vertical, country, phrases } = ctx;
  const code = country.code;
  const commercial = rng.chance(0.3);
  const name = personName(pools, rng);
  const business =
    ctx.businesses.length > 1 && rng.chance(0.4)
      ? (ctx.businesses[1] as Business)
      : (ctx.businesses[0] as Business);
  const city = rng.chance(0.5) ? business.city : rng.pick(metro.cities);
  const street =
    code === "US"
      ? `${rng.int(100, 29_999)} ${rng.pick(pools.streets)}`
      : streetLine(rng, code, rng.pick(pools.streets), true);
  const unit = !commercial && rng.chance(0.15) ? unitLine(rng, code) : null;
  const zip = postcodeFor(rng, metro, city);
  let company: string | null = null;
  let companySlug = "";
  if (commercial) {
    company = rng.chance(0.3)
      ? rng.pick(pools.companies)
      : rng
          .pick(
            country.language === "en"
              ? COMMERCIAL_NAME_PATTERNS
              : COMMERCIAL_NAMES[country.language],
          )
          .replace("{L2}", rng.pick(pools.last.names))
          .replace("{L}", name.last)
          .replace("{C}", city)
          .replace("{S}", rng.pick(pools.streets).split(" ")[0] as string);
    companySlug = slug(company).slice(0, 30);
  }
  const email = uniqueEmail(
    ctx,
    name.firstSlug,
    name.lastSlug,
    commercial
      ? `${companySlug}.${country.tld}`
      : rng.pickWeighted(code === "US" ? PROVIDERS : country.emailProviders),
  );
  const phone = phoneWithForms(ctx, true, 0.6);
  // Two in five customers predate the platform and were imported when the business joined;
  // the others signed up during the two years, homeowners mostly in spring and summer.
  const imported = rng.chance(0.4);
  let since = clock.start;
  let createdAt = since;
  if (imported) {
    since = clock.start - rng.int(30, 1_500) * DAY;
    createdAt = ctx.createdAt + rng.int(60, 20_000) * MINUTE;
  } else {
    for (let tries = 0; tries < 8; tries++) {
      since = clock.start + Math.floor(rng.float() * (clock.end - clock.start - DAY));
      if (commercial || rng.float() * 1.5 <= (vertical.season[clock.month(since) - 1] as number)) {
        break;
      }
    }
    createdAt = since + rng.int(0, 86_399) * 1000;
  }
  const value = commercial
    ? rng.normal(vertical.commercialValue, vertical.commercialValue * 0.32)
    : rng.normal(vertical.residentialValue, vertical.residentialValue / 3);
  const full = `${name.first} ${name.last}`;
  const addressJson = `{"line1": "${street}", "line2": ${unit ? `"${unit}"` : "null"}, "city": "${city}", "state": "${metro.state}", "zip": "${zip}", "country": "${code}"}`;
  const relative = commercial ? rng.pick(phrases.commercialContacts) : rng.pick(phrases.relatives);
  const line = unit
    ? code === "US" || code === "CA"
      ? `${street} ${unit}`
      : `${street}, ${unit}`
    : street;
  const address = postalAddress(code, line, city, metro.state, zip);
  const customer: Customer = {
    id: rng.uuid(),
    index,
    business,
    commercial,
    first: name.first,
    last: name.last,
    full,
    company,
    email,
    phone: phone.stored,
    secondaryPhone: rng.chance(0.2) ? phoneNumber(ctx, false, 0.6) : null,
    street: line,
    city,
    zip,
    state: metro.state,
    address,
    addressJson,
    since,
    createdAt,
    activeFrom: Math.max(createdAt, clock.start),
    imported,
    avgValueCents: Math.max(5_000, Math.round(value)),
    relative,
    relativeFirst: personName(pools, rng).first,
    pet: rng.pick(phrases.pets),
    taxExempt: commercial && rng.chance(0.1),
    person: {
      first: name.first,
      last: name.last,
      full,
      phone: phone.stored,
      phoneAlt: phone.alt,
      email,
      company,
      street: line,
      city,
      address,
    },
  };
  return customer;
}

/** A realistic address, unique within the tenant (the schema's per-tenant unique constraint). */
function uniqueEmail(ctx: TenantContext, first: string, last: string, domain: string): string {
  const rng = ctx.rng;
  let local: string;
  switch (rng.int(0, 6)) {
    case 0:
      local = `${first}.${last}`;
      break;
    case 1:
      local = `${first}${last}`;
      break;
    case 2:
      local = `${first.charAt(0)}${last}`;
      break;
    case 3:
      local = `${first}.${last}${rng.int(1, 99)}`;
      break;
    case 4:
      local = `${first}${last}${rng.int(1955, 2004)}`;
      break;
    case 5:
      local = `${last}.${first}`;
      break;
    default:
      local = `${first}_${last}`;
  }
  let email = `${local}@${domain}`;
  while (ctx.usedEmails.has(email)) {
    local += rng.int(0, 9);
    email = `${local}@${domain}`;
  }
  ctx.usedEmails.add(email);
  return email;
}
