/**
 * A UUID as text, any version, either case: what a uuid column accepts. The pattern is written
 * to mean the same in JavaScript and in Postgres regular expressions.
 */
export const UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

const WHOLE = new RegExp(`^${UUID_PATTERN}$`, "i");

/** Whether the whole value is a UUID. */
export function isUuid(value: string): boolean {
  return WHOLE.test(value);
}
