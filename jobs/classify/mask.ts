/**
 * Masked examples for the catalog: only a value's shape survives. Each run of letters or digits
 * keeps its first character when it is at least four long and is otherwise starred;
 * separators (`@ . - space`) stay, so `jane.doe@example.com` becomes `j***.d**@e******.c**` and a
 * card number `4*** 4*** 4*** 4***`. Never a real value: at most one character in four.
 */
const RUN = /[\p{L}\p{N}]+/gu;
const SURROGATE = /[\uD800-\uDFFF]/;

/** A run keeps its first character when four or more long; code points, not UTF-16 units. */
function maskRun(run: string): string {
  const n = SURROGATE.test(run) ? [...run].length : run.length;
  if (n < 4) {
    return "*".repeat(n);
  }
  const first = run.codePointAt(0) as number;
  return `${String.fromCodePoint(first)}${"*".repeat(n - 1)}`;
}

export function maskValue(value: unknown, maxLength = 40): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const cut = text.length > maxLength ? text.slice(0, maxLength) : text;
  const masked = cut.replace(RUN, maskRun);
  return text.length > maxLength ? `${masked}…` : masked;
}

const MAX_TRIES = 64;

/** Up to `count` distinct masked examples from non-null sampled values. */
export function maskedExamples(values: unknown[], count = 5): string[] {
  const out = new Set<string>();
  // Values of one shape mask alike: past this many tries more distinct masks are not coming.
  let tries = 0;
  for (const value of values) {
    if (value === null || value === undefined || typeof value === "object") {
      continue;
    }
    if (++tries > MAX_TRIES) {
      break;
    }
    out.add(maskValue(value));
    if (out.size >= count) {
      break;
    }
  }
  return [...out];
}
