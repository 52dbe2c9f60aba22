import { type FormEvent, useState } from "react";
import { api } from "../../api/client.ts";
import type { QueueInfo } from "../../api/types.ts";
import {
  FieldError,
  FormError,
  fieldErrorsOf,
  invalidProps,
} from "../../components/form-errors.tsx";

type Field = NonNullable<QueueInfo["payload"]>[number];

/** A form field's value as the job's payload wants it; undefined when left empty. */
function fieldValue(field: Field, form: FormData): unknown {
  if (field.kind === "list") {
    const values = field.options
      ? form.getAll(field.name).map(String)
      : String(form.get(field.name) ?? "")
          .split(",")
          .map((v) => v.trim())
          .filter(Boolean);
    return values.length ? values : undefined;
  }
  const raw = String(form.get(field.name) ?? "").trim();
  if (field.kind === "boolean") {
    return form.get(field.name) === "on" ? true : undefined;
  }
  if (!raw) {
    return undefined;
  }
  // Sent as typed: the server checks it against the job's schema and says what is wrong.
  return field.kind === "integer" || field.kind === "number" ? Number(raw) : raw;
}

/**
 * Runs a queue's job with a payload, one input per field of the job's zod payload (listed by
 * `GET /api/v1/jobs`); the API's validation messages appear next to their field.
 */
export function PayloadForm({
  queue,
  onStarted,
  onCancel,
}: {
  queue: QueueInfo;
  onStarted: (jobId: string) => void;
  onCancel: () => void;
}) {
  const fields = queue.payload ?? [];
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrorsOf(
    error,
    fields.map((f) => f.name),
  );
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const payload: Record<string, unknown> = {};
    for (const field of fields) {
      const value = fieldValue(field, form);
      if (value !== undefined) {
        payload[field.name] = value;
      }
    }
    setBusy(true);
    setError(undefined);
    try {
      const { jobId } = await api<{ jobId: string }>(
        `/api/v1/jobs/${encodeURIComponent(queue.queue)}/run`,
        { method: "POST", body: { payload } },
      );
      onStarted(jobId);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="panel payload-form" onSubmit={submit} data-testid="payload-form" noValidate>
      <h2>Run {queue.queue} with</h2>
      <p className="muted">Fields left empty use the job's defaults.</p>
      {fields.map((field) => {
        const id = `payload-${field.name}`;
        const bounds =
          field.minimum !== null || field.maximum !== null
            ? ` (${field.minimum ?? "…"}–${field.maximum ?? "…"})`
            : field.maxItems !== null
              ? ` (at most ${field.maxItems})`
              : "";
        return (
          <div key={field.name} className="field">
            {field.kind === "list" && field.options ? (
              <fieldset className="payload-options">
                <legend>
                  {field.name}
                  {bounds}
                </legend>
                {field.options.map((option) => (
                  <label key={option} className="field-inline">
                    <input type="checkbox" name={field.name} value={option} />
                    <span>{option}</span>
                  </label>
                ))}
              </fieldset>
            ) : (
              <label htmlFor={id}>
                <span>
                  {field.name}
                  {bounds}
                </span>
                <input
                  id={id}
                  name={field.name}
                  type={
                    field.kind === "boolean"
                      ? "checkbox"
                      : field.kind === "integer" || field.kind === "number"
                        ? "number"
                        : "text"
                  }
                  placeholder={field.kind === "list" ? "comma-separated" : undefined}
                  {...invalidProps(errors, "payload", field.name)}
                />
              </label>
            )}
            {field.description ? <span className="muted small">{field.description}</span> : null}
            <FieldError errors={errors} form="payload" field={field.name} />
          </div>
        );
      })}
      {error && Object.keys(errors.byField).length === 0 ? (
        <FormError error={error} errors={errors} />
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Starting…" : "Run"}
        </button>
      </div>
    </form>
  );
}
