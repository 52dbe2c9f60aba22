import { base, de, en, en_CA, en_US, Faker, fr, type LocaleDefinition } from "@faker-js/faker";
import type { CountryCode } from "./countries.ts";
import { hash32 } from "./prng.ts";

/**
 * Value pools built once per seed with faker, then combined per row by the PRNG. Calling faker per
 * field costs about a microsecond per value and is the reason naive generators top out near 46k
 * rows/s; indexing into a few thousand pre-drawn values costs nanoseconds, and combinations
 * (first × last × street × city) still give millions of distinct people and places.
 *
 * Every entry is vetted to contain no backslash, double quote, tab or line break, so generators
 * may splice pool values straight into COPY text and hand-built JSON without escaping.
 */

export type NamePool = {
  /** Display form ("Maria"). */
  names: string[];
  /** Lower-case ASCII form for e-mail addresses and handles ("maria"). */
  slugs: string[];
};

export type Pools = {
  femaleFirst: NamePool;
  maleFirst: NamePool;
  last: NamePool;
  streets: string[];
  companies: string[];
  catchPhrases: string[];
  userAgents: string[];
};

const UNSAFE = /[\\"\t\n\r]/;

export function slug(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]/g, "")
    .toLowerCase();
}

/** Draws up to `size` distinct, safe values (faker repeats; duplicates would skew frequencies). */
function draw(size: number, make: () => string): string[] {
  const seen = new Set<string>();
  // Bounded attempts: small faker vocabularies (first names) run out of distinct values.
  for (let attempts = 0; seen.size < size && attempts < size * 4; attempts++) {
    const value = make().trim();
    if (value && !UNSAFE.test(value) && value.length <= 60) {
      seen.add(value);
    }
  }
  return [...seen];
}

function namePool(values: string[]): NamePool {
  const kept = values.filter((v) => slug(v).length >= 2);
  return { names: kept, slugs: kept.map(slug) };
}

/** Pools of every country a seed meets, each built the first time a tenant there needs it. */
export type PoolSet = { forCountry(code: CountryCode): Pools };

const LOCALES: Record<CountryCode, LocaleDefinition[]> = {
  US: [en_US, en, base],
  CA: [en_CA, en, base],
  DE: [de, en, base],
  FR: [fr, en, base],
};

/**
 * Builds the pools for a seed; the same seed (and faker version) always gives the same pools.
 * The US pools are seeded with the seed itself, the others with a hash of seed and country, so a
 * country's pools do not depend on which other countries the seed has.
 */
export function buildPools(seed: number): PoolSet {
  const built = new Map<CountryCode, Pools>();
  return {
    forCountry(code) {
      let pools = built.get(code);
      if (!pools) {
        pools = buildLocalePools(code === "US" ? seed : hash32(`${seed}|pools|${code}`), code);
        built.set(code, pools);
      }
      return pools;
    },
  };
}

function buildLocalePools(seed: number, code: CountryCode): Pools {
  const faker = new Faker({ locale: LOCALES[code] });
  faker.seed(seed);
  return {
    femaleFirst: namePool(draw(1200, () => faker.person.firstName("female"))),
    maleFirst: namePool(draw(1200, () => faker.person.firstName("male"))),
    // faker's en surnames include many "Smith-Jones" compounds; real customer lists have few.
    last: namePool(draw(2500, () => faker.person.lastName()).filter((n) => !n.includes("-"))),
    streets: draw(3000, () => faker.location.street()),
    companies: draw(600, () => faker.company.name()),
    catchPhrases: draw(120, () => faker.company.catchPhrase()),
    userAgents: draw(150, () => faker.internet.userAgent()),
  };
}
