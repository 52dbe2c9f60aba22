import type { ReactNode } from "react";

/** A field's own error line, tied to its input by id (aria-describedby on the input). */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <span id={id} className="field-error" role="alert">
      {message}
    </span>
  ) : null;
}

/**
 * A labelled input with the server's reason under it. The reason stays outside the label, so
 * the input's accessible name is its label alone; the input names `${id}-error` in
 * aria-describedby.
 */
export function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
