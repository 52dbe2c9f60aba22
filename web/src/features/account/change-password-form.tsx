import { type FormEvent, useState } from "react";
import { api } from "../../api/client.ts";
import { Field } from "./field-error.tsx";
import { type FormErrors, formErrors } from "./field-errors.ts";
import type { AccessEnded } from "./types.ts";

const FIELDS = ["currentPassword", "newPassword", "confirmPassword"] as const;

/**
 * Changes the signed-in person's password. The server ends every other session and revokes
 * every API token of theirs; this browser gets a fresh session and stays signed in.
 */
export function ChangePasswordForm({ onChanged }: { onChanged?: () => void }) {
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [done, setDone] = useState<AccessEnded>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const currentPassword = String(form.get("currentPassword") ?? "");
    const newPassword = String(form.get("newPassword") ?? "");
    setDone(undefined);
    if (newPassword !== String(form.get("confirmPassword") ?? "")) {
      setErrors({ fields: { confirmPassword: "The two new passwords differ." } });
      return;
    }
    setBusy(true);
    setErrors({ fields: {} });
    try {
      const ended = await api<AccessEnded>("/api/v1/me/password", {
        method: "POST",
        body: { currentPassword, newPassword },
      });
      formElement.reset();
      setDone(ended);
      onChanged?.();
    } catch (caught) {
      setErrors(formErrors(caught, FIELDS));
    } finally {
      setBusy(false);
    }
  };

  const field = (
    name: (typeof FIELDS)[number],
    label: string,
    autoComplete: "current-password" | "new-password",
  ) => (
    <Field id={`account-${name}`} label={label} error={errors.fields[name]}>
      <input
        id={`account-${name}`}
        name={name}
        type="password"
        required
        maxLength={1024}
        autoComplete={autoComplete}
        aria-invalid={errors.fields[name] ? true : undefined}
        aria-describedby={`account-${name}-error`}
      />
    </Field>
  );

  return (
    <form className="panel" onSubmit={submit} aria-label="change password" noValidate>
      <h2>Change password</h2>
      <p className="muted">
        At least 12 characters. Changing it signs you out everywhere else and revokes all your API
        tokens.
      </p>
      <div className="form-grid">
        {field("currentPassword", "Current password", "current-password")}
        {field("newPassword", "New password", "new-password")}
        {field("confirmPassword", "New password again", "new-password")}
      </div>
      {errors.form ? (
        <p className="form-error" role="alert">
          {errors.form}
        </p>
      ) : null}
      {done ? (
        <p className="notice" role="status">
          Password changed: {done.sessionsEnded} session(s) ended (this browser signed in anew) and{" "}
          {done.tokensRevoked} API token(s) revoked.
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          Change password
        </button>
      </div>
    </form>
  );
}
