/**
 * Masked examples for the catalog: only a value's shape survives. Each run of letters or digits
 * keeps its first character when it is at least four long and is otherwise starred;
 * separators (`@ . - space`) stay, so `jane.doe@example.com` becomes `j***.d**@e******.c**` and a
 * card number `4*** 4*** 4*** 4***`. Never a real value: at most one character in four.
 */
export function maskValue(value: unknown, maxLength = 40): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const cut = text.length > maxLength ? text.slice(0, maxLength) : text;
  const masked = cut.replace(/[\p{L}\p{N}]+/gu, (run) => {
    const chars = [...run];
    return chars.length >= 4
      ? `${chars[0]}${"*".repeat(chars.length - 1)}`
      : "*".repeat(chars.length);
  });
  return text.length > maxLength ? `${masked}…` : masked;
}

/** Up to `count` distinct masked examples from non-null sampled values. */
export function maskedExamples(values: unknown[], count = 5): string[] {
  const out = new Set<string>();
  for (const value of values) {
    if (value === null || value === undefined || typeof value === "object") {
      continue;
    }
    out.add(maskValue(value));
    if (out.size >= count) {
      break;
    }
  }
  return [...out];
}
