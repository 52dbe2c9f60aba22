import { ApiError } from "../../api/client.ts";

export type FormErrors = {
  /** Per field, the server's reasons (its `details[].path`). */
  fields: Record<string, string>;
  /** What belongs to no field, or the whole message when the server named none. */
  form?: string;
};

/**
 * The server's validation answer, split by field so a form shows each reason next to its input
 * (rather than "The request is not valid."). Fields the form does not have go to `form`.
 */
export function formErrors(caught: unknown, known: readonly string[]): FormErrors {
  const fields: Record<string, string> = {};
  const loose: string[] = [];
  const details = caught instanceof ApiError && Array.isArray(caught.details) ? caught.details : [];
  for (const detail of details as { path?: unknown; message?: unknown }[]) {
    const path = typeof detail.path === "string" ? detail.path : "";
    const message = typeof detail.message === "string" ? detail.message : "";
    if (!message) {
      continue;
    }
    if (known.includes(path)) {
      fields[path] = fields[path] ? `${fields[path]} ${message}` : message;
    } else {
      loose.push(path ? `${path}: ${message}` : message);
    }
  }
  const message = caught instanceof Error ? caught.message : String(caught);
  const form = loose.length ? loose.join(" ") : Object.keys(fields).length ? undefined : message;
  return { fields, form };
}
