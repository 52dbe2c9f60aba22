/**
 * PostgreSQL COPY text format, written by hand for speed. A row is one line, fields separated by
 * TAB, NULL written as \N; inside a field backslash, TAB, newline and carriage return must be
 * escaped. Generators concatenate fields directly; values built only from vetted pool entries
 * (see pools.ts: no backslash, tab, CR, LF or double quote) need no escaping, every other free
 * text goes through `esc`.
 */

export const NULL = "\\N";
export const T = "\t";

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** Escapes one text value for a COPY text field. */
export function esc(value: string): string {
  return NEEDS_ESCAPE.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string)
    : value;
}

/** `esc` that maps null/undefined to \N. */
export function opt(value: string | null | undefined): string {
  return value === null || value === undefined ? NULL : esc(value);
}

/** A JSON value as a COPY field (JSON.stringify escapes control characters, `esc` the rest). */
export function json(value: unknown): string {
  return esc(JSON.stringify(value));
}

/** A JSON string literal (with quotes) for splicing into hand-built JSON. */
export function jstr(value: string): string {
  return JSON.stringify(value);
}

/**
 * A text[] literal: every element double-quoted so spaces, commas and braces are safe; the
 * result is then COPY-escaped (array quoting first, COPY escaping second, as the server reads it).
 */
export function textArray(items: readonly string[]): string {
  let out = "{";
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as string;
    out += `${i ? "," : ""}"${item.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  }
  return esc(`${out}}`);
}

/** A uuid[] literal (uuids need neither quoting nor escaping). */
export function uuidArray(ids: readonly string[]): string {
  return `{${ids.join(",")}}`;
}

/** bytea in hex form; the leading backslash is doubled because COPY reads escapes first. */
export function bytea(bytes: Uint8Array): string {
  return `\\\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

export const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));

/** Integer cents as a numeric literal: 12345 → "123.45", -5 → "-0.05". */
export function money(cents: number): string {
  if (cents < 0) {
    const a = -cents;
    return `-${Math.floor(a / 100)}.${PAD2[a % 100]}`;
  }
  return `${Math.floor(cents / 100)}.${PAD2[cents % 100]}`;
}

/** A value in [0, 1) with two decimals, e.g. for DECIMAL(3,2) scores: 0.8731 → "0.87". */
export function score(value: number): string {
  const hundredths = Math.max(0, Math.min(99, Math.floor(value * 100)));
  return `0.${PAD2[hundredths]}`;
}

/** A signed value in (-1, 1) with two decimals (sentiment). */
export function signedScore(value: number): string {
  return value < 0 ? `-${score(-value)}` : score(value);
}

/** Minutes as an interval literal "HH:MM:00". */
export function interval(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  const h = Math.floor(m / 60);
  return `${h < 100 ? PAD2[h] : h}:${PAD2[m % 60]}:00`;
}
