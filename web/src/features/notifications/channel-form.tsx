import { cloneElement, type FormEvent, useState } from "react";
import { api } from "../../api/client.ts";
import {
  FieldError,
  FormError,
  fieldErrorsOf,
  invalidProps,
} from "../../components/form-errors.tsx";
import { type AlertChannel, SEVERITIES } from "./types.ts";

const FIELDS = [
  "name",
  "owner",
  "minSeverity",
  "kinds",
  "webhook.url",
  "webhook.secret",
  "email.to",
  "email.from",
  "email.smtpHost",
  "email.smtpPort",
  "email.smtpUser",
  "email.smtpPassword",
];

const list = (raw: string) =>
  raw
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Adds a channel, or edits one. Secrets (webhook URL, signing secret, SMTP password) are
 * write-only: an edit shows whether one is set and changes it only when something is typed.
 */
export function ChannelForm({
  channel,
  onDone,
  onCancel,
}: {
  channel?: AlertChannel;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const [type, setType] = useState<"webhook" | "email">(channel?.type ?? "webhook");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrorsOf(error, FIELDS);
  const editing = channel !== undefined;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (key: string) => String(form.get(key) ?? "").trim();
    const optional = (key: string) => text(key) || undefined;
    const routing = {
      name: text("name"),
      owner: optional("owner"),
      minSeverity: text("minSeverity"),
      kinds: list(text("kinds")),
      digestWarnings: form.get("digestWarnings") === "on",
      enabled: form.get("enabled") === "on",
    };
    let body: Record<string, unknown>;
    if (type === "webhook") {
      const url = optional("webhook.url");
      const secret = optional("webhook.secret");
      const removeSecret = form.get("webhook.removeSecret") === "on";
      const webhook = {
        ...(url ? { url } : {}),
        ...(secret ? { secret } : removeSecret ? { secret: null } : {}),
      };
      body = {
        ...routing,
        ...(editing ? {} : { type }),
        ...(editing && Object.keys(webhook).length === 0 ? {} : { webhook }),
      };
    } else {
      const port = text("email.smtpPort");
      const password = optional("email.smtpPassword");
      const clear = editing ? null : undefined;
      const email = {
        to: list(text("email.to")),
        from: optional("email.from") ?? clear,
        smtpHost: optional("email.smtpHost") ?? clear,
        smtpPort: port ? Number(port) : clear,
        smtpSecure: form.get("email.smtpSecure") === "on",
        smtpUser: optional("email.smtpUser") ?? clear,
        ...(password
          ? { smtpPassword: password }
          : form.get("email.removePassword") === "on"
            ? { smtpPassword: null }
            : {}),
      };
      body = { ...routing, ...(editing ? {} : { type }), email };
    }
    setBusy(true);
    setError(undefined);
    try {
      const saved = await api<AlertChannel>(
        editing
          ? `/api/v1/notifications/channels/${encodeURIComponent(channel.id)}`
          : "/api/v1/notifications/channels",
        { method: editing ? "PATCH" : "POST", body },
      );
      onDone(editing ? `Channel ${saved.name} saved.` : `Channel ${saved.name} added.`);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const field = (name: string, label: string, input: React.JSX.Element, hint?: string) => (
    <div className="field">
      <label htmlFor={`channel-${name}`}>{label}</label>
      {cloneElement(input, { id: `channel-${name}` })}
      {hint ? <span className="muted figure-hint">{hint}</span> : null}
      <FieldError errors={errors} form="channel" field={name} />
    </div>
  );

  return (
    <form className="panel" onSubmit={submit} aria-label={editing ? "edit channel" : "add channel"}>
      <h2>{editing ? `Edit ${channel.name}` : "Add an alert channel"}</h2>
      <div className="form-grid">
        {field(
          "name",
          "Name",
          <input
            name="name"
            required
            maxLength={100}
            defaultValue={channel?.name}
            placeholder="data-team slack"
            {...invalidProps(errors, "channel", "name")}
          />,
        )}
        <label className="field">
          <span>Type</span>
          <select
            name="type"
            value={type}
            disabled={editing}
            onChange={(e) => setType(e.target.value as "webhook" | "email")}
          >
            <option value="webhook">Webhook (Slack-compatible, signed)</option>
            <option value="email">E-mail (SMTP)</option>
          </select>
        </label>
        {field(
          "minSeverity",
          "Least severity",
          <select name="minSeverity" defaultValue={channel?.minSeverity ?? "warning"}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>,
        )}
        {field(
          "kinds",
          "Event kinds",
          <input
            name="kinds"
            maxLength={2000}
            defaultValue={channel?.kinds.join(", ")}
            placeholder="all kinds — or quality.*, lineage.drift"
            {...invalidProps(errors, "channel", "kinds")}
          />,
          "Comma-separated; a name ending in .* takes every kind under it.",
        )}
        {field(
          "owner",
          "Owner",
          <input
            name="owner"
            maxLength={255}
            defaultValue={channel?.owner}
            placeholder="you"
            {...invalidProps(errors, "channel", "owner")}
          />,
        )}
      </div>
      <div className="form-grid">
        <label className="field-check">
          <input
            type="checkbox"
            name="digestWarnings"
            defaultChecked={channel?.digestWarnings ?? true}
          />{" "}
          Send warnings once a day as a digest
        </label>
        <label className="field-check">
          <input type="checkbox" name="enabled" defaultChecked={channel?.enabled ?? true} /> Enabled
        </label>
      </div>
      {type === "webhook" ? (
        <div className="form-grid">
          {field(
            "webhook.url",
            "Webhook URL",
            <input
              name="webhook.url"
              type="password"
              autoComplete="off"
              required={!editing}
              maxLength={2000}
              placeholder={
                editing
                  ? `unchanged (${channel.webhook?.urlHint ?? ""})`
                  : "https://hooks.slack.com/services/…"
              }
              {...invalidProps(errors, "channel", "webhook.url")}
            />,
            "Write-only: the URL of an incoming webhook is its credential.",
          )}
          {field(
            "webhook.secret",
            "Signing secret",
            <input
              name="webhook.secret"
              type="password"
              autoComplete="new-password"
              maxLength={500}
              placeholder={
                channel?.webhook?.hasSecret ? "set — type to replace" : "optional, 8+ characters"
              }
              {...invalidProps(errors, "channel", "webhook.secret")}
            />,
            "Receivers check X-Govern-Signature: sha256=HMAC(secret, timestamp.body).",
          )}
          {channel?.webhook?.hasSecret ? (
            <label className="field-check">
              <input type="checkbox" name="webhook.removeSecret" /> Remove the signing secret
            </label>
          ) : null}
        </div>
      ) : (
        <div className="form-grid">
          {field(
            "email.to",
            "Recipients",
            <input
              name="email.to"
              required
              maxLength={4000}
              defaultValue={channel?.email?.to.join(", ")}
              placeholder="data-team@example.com, oncall@example.com"
              {...invalidProps(errors, "channel", "email.to")}
            />,
          )}
          {field(
            "email.from",
            "From",
            <input
              name="email.from"
              maxLength={320}
              defaultValue={channel?.email?.from}
              placeholder="the configured sender"
            />,
          )}
          {field(
            "email.smtpHost",
            "SMTP server",
            <input
              name="email.smtpHost"
              maxLength={255}
              defaultValue={channel?.email?.smtpHost}
              placeholder="the configured server"
              {...invalidProps(errors, "channel", "email.smtpHost")}
            />,
          )}
          {field(
            "email.smtpPort",
            "Port",
            <input
              name="email.smtpPort"
              type="number"
              min={1}
              max={65535}
              defaultValue={channel?.email?.smtpPort}
              placeholder="587"
            />,
          )}
          {field(
            "email.smtpUser",
            "SMTP user",
            <input name="email.smtpUser" maxLength={255} defaultValue={channel?.email?.smtpUser} />,
          )}
          {field(
            "email.smtpPassword",
            "SMTP password",
            <input
              name="email.smtpPassword"
              type="password"
              autoComplete="new-password"
              maxLength={500}
              placeholder={channel?.email?.hasPassword ? "set — type to replace" : "optional"}
              {...invalidProps(errors, "channel", "email.smtpPassword")}
            />,
            "Write-only: stored sealed, never shown again.",
          )}
          <label className="field-check">
            <input
              type="checkbox"
              name="email.smtpSecure"
              defaultChecked={channel?.email?.smtpSecure ?? false}
            />{" "}
            TLS from the start (port 465)
          </label>
          {channel?.email?.hasPassword ? (
            <label className="field-check">
              <input type="checkbox" name="email.removePassword" /> Remove the SMTP password
            </label>
          ) : null}
        </div>
      )}
      <FormError error={error} errors={errors} />
      <div className="table-toolbar">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Saving…" : editing ? "Save channel" : "Add channel"}
        </button>
        <button type="button" className="button button-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
