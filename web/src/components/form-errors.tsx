import { ApiError } from "../api/client.ts";
import "./shared.css";

/**
 * The API answers an invalid request with `details: [{ path, message }]` naming each field and
 * why. These helpers put each message next to its field instead of one "The request is not
 * valid." above the form.
 */

export type FieldErrors = {
  /** Message per form field name. */
  byField: Record<string, string>;
  /** Details that name no field of this form (shown with the form's own message). */
  other: string[];
};

type Detail = { path?: unknown; message?: unknown };

const NONE: FieldErrors = { byField: {}, other: [] };

/**
 * Maps an error's details onto `fields`. A detail's path matches a field by its full dotted path
 * (`definition.id`), its first segment (`tenantIds.2` → `tenantIds`) or its last (`query.from` →
 * `from`); `aliases` maps an API path to a form field name where they differ.
 */
export function fieldErrorsOf(
  error: unknown,
  fields: readonly string[],
  aliases: Record<string, string> = {},
): FieldErrors {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) {
    return NONE;
  }
  const byField: Record<string, string> = {};
  const other: string[] = [];
  for (const detail of error.details as Detail[]) {
    const path = typeof detail?.path === "string" ? detail.path : "";
    const message = typeof detail?.message === "string" ? detail.message : "";
    if (!message) {
      continue;
    }
    const segments = path.split(".").filter(Boolean);
    const candidates = [path, segments[0], segments.at(-1)].filter(
      (c): c is string => typeof c === "string" && c.length > 0,
    );
    const field = candidates.map((c) => aliases[c] ?? c).find((c) => fields.includes(c));
    if (field) {
      // The first problem of a field is the one to fix first.
      byField[field] ??= message;
    } else {
      other.push(path ? `${path}: ${message}` : message);
    }
  }
  return { byField, other };
}

/** The id of a field's error message, for `aria-describedby`. */
export const fieldErrorId = (form: string, field: string) => `${form}-${field}-error`;

/** Props that mark an input invalid and tie it to its message. */
export function invalidProps(errors: FieldErrors, form: string, field: string) {
  return errors.byField[field]
    ? { "aria-invalid": true as const, "aria-describedby": fieldErrorId(form, field) }
    : {};
}

/** The API's message for one field, shown under it. */
export function FieldError({
  errors,
  form,
  field,
}: {
  errors: FieldErrors;
  form: string;
  field: string;
}) {
  const message = errors.byField[field];
  return message ? (
    <span className="field-error" id={fieldErrorId(form, field)} data-field={field}>
      {message}
    </span>
  ) : null;
}

/**
 * The form's own error line: the API's message, plus any details that name no field. When every
 * detail found its field, it says to look there rather than repeat "not valid".
 */
export function FormError({ error, errors }: { error: unknown; errors: FieldErrors }) {
  if (!error) {
    return null;
  }
  const mapped = Object.keys(errors.byField).length;
  const message =
    mapped > 0 && errors.other.length === 0
      ? `Check the highlighted field${mapped > 1 ? "s" : ""}.`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <div className="form-error" role="alert">
      {message}
      {errors.other.length > 0 ? (
        <ul>
          {errors.other.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
