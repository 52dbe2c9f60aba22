import { type FormEvent, useState } from "react";
import { api } from "../../api/client.ts";
import { type ConsoleUser, ROLES_LIST, type Role } from "../../api/types.ts";
import { ConfirmButton } from "../account/confirm-button.tsx";
import { Field } from "../account/field-error.tsx";
import { type FormErrors, formErrors } from "../account/field-errors.ts";
import { SecretOnce } from "../account/secret-once.tsx";
import { TokensPanel } from "../account/tokens-panel.tsx";
import type { ResetPasswordResult } from "../account/types.ts";

/**
 * One user, for an admin: rename, change role, disable or enable, reset the password (the new
 * one shown once) and manage their API tokens. Each irreversible step asks first. On one's own
 * account the role, disabling and reset are not offered (the server refuses them too).
 */
export function UserDetail({
  user,
  isSelf,
  onChanged,
  onClose,
}: {
  user: ConsoleUser;
  isSelf: boolean;
  onChanged: (user: ConsoleUser, text: string) => void;
  onClose: () => void;
}) {
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [error, setError] = useState<string>();
  const [role, setRole] = useState<Role>(user.role);
  const [newPassword, setNewPassword] = useState<string>();
  const id = encodeURIComponent(user.id);

  const rename = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const displayName = String(new FormData(event.currentTarget).get("displayName") ?? "").trim();
    setErrors({ fields: {} });
    try {
      const changed = await api<ConsoleUser>(`/api/v1/users/${id}`, {
        method: "PATCH",
        body: { displayName },
      });
      onChanged(changed, `Renamed ${changed.email} to ${changed.displayName}.`);
    } catch (caught) {
      setErrors(formErrors(caught, ["displayName"]));
    }
  };

  const act = async (work: () => Promise<ConsoleUser>, text: (u: ConsoleUser) => string) => {
    setError(undefined);
    try {
      const changed = await work();
      onChanged(changed, text(changed));
    } catch (caught) {
      setError((caught as Error).message);
    }
  };

  const changeRole = () =>
    act(
      () => api<ConsoleUser>(`/api/v1/users/${id}`, { method: "PATCH", body: { role } }),
      (u) => `${u.email} is now ${u.role}.`,
    );
  const setEnabled = (enabled: boolean) =>
    act(
      () =>
        api<ConsoleUser>(`/api/v1/users/${id}/${enabled ? "enable" : "disable"}`, {
          method: "POST",
        }),
      (u) => (enabled ? `Enabled ${u.email} again.` : `Disabled ${u.email}.`),
    );
  const resetPassword = async () => {
    setError(undefined);
    try {
      const result = await api<ResetPasswordResult>(`/api/v1/users/${id}/password`, {
        method: "POST",
        body: {},
      });
      setNewPassword(result.password ?? undefined);
    } catch (caught) {
      setError((caught as Error).message);
    }
  };

  return (
    <section className="panel user-detail" aria-label={`manage ${user.email}`}>
      <div className="user-detail-head">
        <h2>
          {user.displayName} <span className="muted">{user.email}</span>
        </h2>
        <button type="button" className="button button-ghost" onClick={onClose}>
          Close
        </button>
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="user-detail-grid">
        <form onSubmit={rename} aria-label="rename user" noValidate>
          <Field id="rename-display-name" label="Display name" error={errors.fields.displayName}>
            <input
              id="rename-display-name"
              name="displayName"
              defaultValue={user.displayName}
              maxLength={200}
              required
              aria-invalid={errors.fields.displayName ? true : undefined}
              aria-describedby="rename-display-name-error"
            />
          </Field>
          {errors.form ? (
            <p className="form-error" role="alert">
              {errors.form}
            </p>
          ) : null}
          <button type="submit" className="button button-small">
            Rename
          </button>
        </form>
        {isSelf ? (
          <p className="muted">
            Your own role, status and password are not changed here: ask another admin, or use My
            account for your password.
          </p>
        ) : (
          <div className="user-detail-actions">
            <label className="field">
              <span>Role</span>
              <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES_LIST.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            <ConfirmButton
              label="Change role"
              disabled={role === user.role}
              question={`Make ${user.email} ${role}? Their permissions change at once.`}
              onConfirm={changeRole}
            />
            {user.disabledAt ? (
              <ConfirmButton
                label="Enable"
                question={`Enable ${user.email} again? They sign in anew; old sessions and tokens stay ended.`}
                confirmLabel="Enable account"
                onConfirm={() => setEnabled(true)}
              />
            ) : (
              <ConfirmButton
                label="Disable"
                question={`Disable ${user.email}? Their sessions end and their API tokens are revoked.`}
                confirmLabel="Disable account"
                onConfirm={() => setEnabled(false)}
              />
            )}
            <ConfirmButton
              label="Reset password"
              question={`Reset the password of ${user.email}? A new one is generated and shown once; all their sessions and API tokens end.`}
              confirmLabel="Reset password"
              onConfirm={resetPassword}
            />
          </div>
        )}
      </div>
      {newPassword ? (
        <SecretOnce
          label={`New password for ${user.email}`}
          secret={newPassword}
          onDone={() => setNewPassword(undefined)}
        />
      ) : null}
      {user.disabledAt ? null : (
        <TokensPanel
          key={newPassword ?? "tokens"}
          base={`/api/v1/users/${id}/tokens`}
          whose={user.displayName}
        />
      )}
    </section>
  );
}
