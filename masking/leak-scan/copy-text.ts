const UNESCAPE: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

/** One field of a line of COPY's text format: `\N` is null, backslash escapes undone. */
export function copyField(raw: string): string | null {
  if (raw === "\\N") {
    return null;
  }
  return raw.includes("\\") ? raw.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c) : raw;
}
