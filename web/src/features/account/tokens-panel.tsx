import { type FormEvent, useId, useState } from "react";
import { api } from "../../api/client.ts";
import { formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { ConfirmButton } from "./confirm-button.tsx";
import { Field } from "./field-error.tsx";
import { type FormErrors, formErrors } from "./field-errors.ts";
import { SecretOnce } from "./secret-once.tsx";
import type { ApiToken, CreatedToken } from "./types.ts";

/**
 * API tokens of one person: list, create (the secret shown once), revoke. `base` is the
 * collection: `/api/v1/tokens` for one's own, `/api/v1/users/{id}/tokens` for an admin acting
 * on another user; both answer the same shapes, and `${base}/{id}` revokes.
 */
export function TokensPanel({ base, whose }: { base: string; whose: string }) {
  const tokens = useApi<ApiToken[]>(base);
  const [created, setCreated] = useState<CreatedToken>();
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string }>();
  const [busy, setBusy] = useState(false);
  const formId = useId();

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const days = String(form.get("expiresInDays") ?? "").trim();
    const body = {
      name: String(form.get("name") ?? "").trim(),
      ...(days ? { expiresInDays: Number(days) } : {}),
    };
    setBusy(true);
    setErrors({ fields: {} });
    setMessage(undefined);
    try {
      setCreated(await api<CreatedToken>(base, { method: "POST", body }));
      formElement.reset();
      tokens.reload();
    } catch (caught) {
      setErrors(formErrors(caught, ["name", "expiresInDays"]));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (token: ApiToken) => {
    try {
      await api(`${base}/${encodeURIComponent(token.id)}`, { method: "DELETE" });
      setMessage({ kind: "ok", text: `Revoked the token "${token.name}".` });
      tokens.reload();
    } catch (caught) {
      setMessage({ kind: "error", text: (caught as Error).message });
    }
  };

  return (
    <section className="panel tokens-panel" aria-label={`API tokens of ${whose}`}>
      <h2>API tokens</h2>
      <p className="muted">
        For the CLI (<code>GOVERN_TOKEN</code>) and automation: a token acts as {whose}, with the
        same role. Revoke one that is no longer needed or may have leaked.
      </p>
      {message ? (
        <p className={message.kind === "ok" ? "notice" : "form-error"} role="status">
          {message.text}
        </p>
      ) : null}
      {created ? (
        <SecretOnce
          label="New API token"
          secret={created.token}
          onDone={() => setCreated(undefined)}
        />
      ) : null}
      <form className="token-form" onSubmit={create} aria-label="create API token" noValidate>
        <Field id={`${formId}-name`} label="Token name" error={errors.fields.name}>
          <input
            id={`${formId}-name`}
            name="name"
            required
            maxLength={100}
            placeholder="e.g. laptop CLI"
            aria-invalid={errors.fields.name ? true : undefined}
            aria-describedby={`${formId}-name-error`}
          />
        </Field>
        <Field
          id={`${formId}-expiry`}
          label="Expires in days (optional)"
          error={errors.fields.expiresInDays}
        >
          <input
            id={`${formId}-expiry`}
            name="expiresInDays"
            type="number"
            min={1}
            max={3650}
            aria-invalid={errors.fields.expiresInDays ? true : undefined}
            aria-describedby={`${formId}-expiry-error`}
          />
        </Field>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            Create token
          </button>
        </div>
        {errors.form ? (
          <p className="form-error" role="alert">
            {errors.form}
          </p>
        ) : null}
      </form>
      {tokens.error ? (
        <ErrorState error={tokens.error} onRetry={tokens.reload} />
      ) : !tokens.data ? (
        <Loading label="Loading tokens…" />
      ) : tokens.data.length === 0 ? (
        <Empty>No API tokens yet.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="table table-compact" aria-label="API tokens">
            <thead>
              <tr>
                <th>Name</th>
                <th>Starts with</th>
                <th>Created</th>
                <th>Last used</th>
                <th>Expires</th>
                <th>Status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => (
                <tr key={token.id}>
                  <td>{token.name}</td>
                  <td className="mono">{token.prefix}…</td>
                  <td>{formatTime(token.createdAt)}</td>
                  <td>{token.lastUsedAt ? formatTime(token.lastUsedAt) : "never"}</td>
                  <td>{token.expiresAt ? formatTime(token.expiresAt) : "never"}</td>
                  <td>
                    {token.revokedAt ? (
                      <span className="badge badge-failed">revoked</span>
                    ) : token.expiresAt && Date.parse(token.expiresAt) < Date.now() ? (
                      <span className="badge badge-cancelled">expired</span>
                    ) : (
                      <span className="badge badge-succeeded">active</span>
                    )}
                  </td>
                  <td>
                    {token.revokedAt ? null : (
                      <ConfirmButton
                        label="Revoke"
                        question={`Revoke "${token.name}"? It stops working at once.`}
                        confirmLabel="Revoke token"
                        onConfirm={() => revoke(token)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
