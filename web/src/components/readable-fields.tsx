import "./shared.css";

/**
 * A JSON object as readable fields (`key: value`), never raw JSON: nested objects flatten into
 * dotted keys, lists join with commas, camelCase and snake_case keys read as words.
 */

const MAX_FIELDS = 12;
const MAX_TEXT = 120;

function label(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function text(value: unknown): string {
  if (value === null || value === undefined) {
    return "—";
  }
  if (typeof value === "number") {
    return value.toLocaleString();
  }
  if (typeof value === "boolean") {
    return value ? "yes" : "no";
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? "none" : value.map(text).join(", ");
  }
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${label(k)} ${text(v)}`)
      .join(", ");
  }
  const s = String(value);
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s;
}

/** `[label, value]` pairs of a value: an object's entries, one level of nesting flattened. */
export function readableEntries(value: unknown): [string, string][] {
  if (value === null || value === undefined) {
    return [];
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    return [["Value", text(value)]];
  }
  const entries: [string, string][] = [];
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (inner && typeof inner === "object" && !Array.isArray(inner)) {
      for (const [innerKey, innerValue] of Object.entries(inner as Record<string, unknown>)) {
        entries.push([`${label(key)} · ${label(innerKey).toLowerCase()}`, text(innerValue)]);
      }
    } else {
      entries.push([label(key), text(inner)]);
    }
  }
  return entries;
}

/** The fields of `value` as a compact definition list; the full text stays in the tooltip. */
export function ReadableFields({ value, empty = "—" }: { value: unknown; empty?: string }) {
  const entries = readableEntries(value);
  if (entries.length === 0) {
    return <span className="muted">{empty}</span>;
  }
  const shown = entries.slice(0, MAX_FIELDS);
  return (
    <dl className="kv" title={entries.map(([k, v]) => `${k}: ${v}`).join("\n")}>
      {shown.map(([key, val]) => (
        <div key={key}>
          <dt>{key}:</dt>
          <dd>{val}</dd>
        </div>
      ))}
      {entries.length > shown.length ? (
        <div>
          <dd className="muted">and {entries.length - shown.length} more</dd>
        </div>
      ) : null}
    </dl>
  );
}
