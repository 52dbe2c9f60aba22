import { useEffect, useMemo, useState } from "react";
import { api } from "../../api/client.ts";
import type { Page } from "../../api/types.ts";
import { Link } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { type Columns, DataTable, formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { ChannelForm } from "./channel-form.tsx";
import "./notifications.css";
import { type AlertChannel, type AlertDelivery, DELIVERY_STATUSES } from "./types.ts";

type Message = { kind: "ok" | "error"; text: string };

const STATUS_BADGE: Record<AlertDelivery["status"], string> = {
  pending: "badge badge-queued",
  sending: "badge badge-running",
  sent: "badge badge-succeeded",
  failed: "badge badge-failed",
  held: "badge badge-cancelled",
  digested: "badge badge-succeeded",
};

const STATUS_LABEL: Record<AlertDelivery["status"], string> = {
  pending: "waiting",
  sending: "sending",
  sent: "sent",
  failed: "failed",
  held: "held for digest",
  digested: "sent in digest",
};

const SEVERITY_BADGE: Record<AlertDelivery["severity"], string> = {
  warning: "badge badge-queued",
  error: "badge badge-failed",
  critical: "badge badge-failed",
};

/**
 * Alerts: where quality incidents (and later lineage drift, tiering) are sent — the channels,
 * their routing and a test button — and the delivery log with each attempt's outcome.
 */
export function NotificationsPage() {
  const { can } = useSession();
  const canManage = can("notifications:manage");
  const [reloadKey, setReloadKey] = useState(0);
  const [editing, setEditing] = useState<AlertChannel | "new">();
  const [message, setMessage] = useState<Message>();
  const channels = useReloading<{ items: AlertChannel[] }>(
    "/api/v1/notifications/channels",
    reloadKey,
  );
  const refresh = (text?: Message) => {
    setMessage(text);
    setReloadKey((k) => k + 1);
  };

  return (
    <section className="notifications">
      <h1>Alerts</h1>
      <p className="muted">
        Where data-quality incidents are sent: signed webhooks (Slack-compatible) and e-mail. Each
        alert reaches a channel once; failed sends are retried with growing waits, and warnings can
        wait for one daily digest.
      </p>
      <Figures reloadKey={reloadKey} channels={channels.data?.items} />
      {message ? (
        <p className={message.kind === "ok" ? "notice" : "form-error"} role="status">
          {message.text}
        </p>
      ) : null}
      {editing ? (
        <ChannelForm
          key={editing === "new" ? "new" : editing.id}
          channel={editing === "new" ? undefined : editing}
          onDone={(text) => {
            setEditing(undefined);
            refresh({ kind: "ok", text });
          }}
          onCancel={() => setEditing(undefined)}
        />
      ) : null}
      <div className="panel">
        <div className="table-toolbar">
          <h2>Channels</h2>
          {canManage && !editing ? (
            <button
              type="button"
              className="button button-primary"
              onClick={() => setEditing("new")}
            >
              Add channel
            </button>
          ) : null}
        </div>
        {channels.error ? (
          <ErrorState error={channels.error} onRetry={channels.reload} />
        ) : !channels.data ? (
          <Loading label="Loading channels…" />
        ) : channels.data.items.length === 0 ? (
          <Empty>
            No alert channel yet: incidents are recorded but nobody is told.
            {canManage ? " Add a webhook or an e-mail channel." : ""}
          </Empty>
        ) : (
          <ChannelsTable
            channels={channels.data.items}
            canManage={canManage}
            onEdit={(channel) => setEditing(channel)}
            onChanged={refresh}
          />
        )}
      </div>
      <div className="panel">
        <h2>Delivery log</h2>
        <DeliveryLog
          reloadKey={reloadKey}
          canManage={canManage}
          channelNames={channels.data?.items.map((c) => c.name) ?? []}
          onChanged={refresh}
        />
      </div>
    </section>
  );
}

function Figures({ reloadKey, channels }: { reloadKey: number; channels?: AlertChannel[] }) {
  const count = (status: string) => `/api/v1/notifications/deliveries?status=${status}&pageSize=1`;
  const failed = useReloading<Page<AlertDelivery>>(count("failed"), reloadKey);
  const waiting = useReloading<Page<AlertDelivery>>(count("pending"), reloadKey);
  const held = useReloading<Page<AlertDelivery>>(count("held"), reloadKey);
  const enabled = channels?.filter((c) => c.enabled).length;
  const figure = (label: string, value: number | undefined, hint: string) => (
    <div className="figure">
      <div className="figure-value">{value ?? "…"}</div>
      <div className="figure-label">{label}</div>
      <div className="figure-hint muted">{hint}</div>
    </div>
  );
  return (
    <div className="figures">
      {figure(
        "Channels enabled",
        enabled,
        channels ? `of ${channels.length} configured` : "loading…",
      )}
      {figure("Failed deliveries", failed.data?.total, "attempts spent; retry from the log")}
      {figure("Waiting to send", waiting.data?.total, "first try or a retry after backoff")}
      {figure("Held for digest", held.data?.total, "warnings in the next daily digest")}
    </div>
  );
}

/** `useApi`, fetched again whenever `reloadKey` changes (after an action on the page). */
function useReloading<T>(path: string, reloadKey: number) {
  const state = useApi<T>(path);
  const { reload } = state;
  useEffect(() => {
    if (reloadKey) {
      reload();
    }
  }, [reloadKey, reload]);
  return state;
}

function routingText(channel: AlertChannel): string {
  const kinds = channel.kinds.length ? channel.kinds.join(", ") : "all kinds";
  return `${channel.minSeverity} and above · ${kinds}${channel.digestWarnings ? " · warnings as daily digest" : ""}`;
}

function targetText(channel: AlertChannel): string {
  if (channel.webhook) {
    return `${channel.webhook.urlHint}${channel.webhook.hasSecret ? " · signed" : " · unsigned"}`;
  }
  const email = channel.email;
  return email
    ? `${email.to.join(", ")} via ${email.smtpHost ? `${email.smtpHost}:${email.smtpPort ?? 587}` : "the configured SMTP server"}`
    : "";
}

function ChannelsTable({
  channels,
  canManage,
  onEdit,
  onChanged,
}: {
  channels: AlertChannel[];
  canManage: boolean;
  onEdit: (channel: AlertChannel) => void;
  onChanged: (message: Message) => void;
}) {
  const [busy, setBusy] = useState<string>();
  const act = async (channel: AlertChannel, what: "test" | "toggle" | "remove") => {
    if (
      what === "remove" &&
      !window.confirm(
        `Remove the channel ${channel.name}? It stops receiving alerts at once; alerts it still owed (waiting or held for the digest) are marked failed. Its delivery log is kept.`,
      )
    ) {
      return;
    }
    setBusy(channel.id);
    const path = `/api/v1/notifications/channels/${encodeURIComponent(channel.id)}`;
    try {
      if (what === "test") {
        const sent = await api<AlertDelivery>(`${path}/test`, { method: "POST" });
        onChanged(
          sent.status === "sent"
            ? { kind: "ok", text: `Test alert sent to ${channel.name}.` }
            : {
                kind: "error",
                text: `Test alert to ${channel.name} failed: ${sent.lastError ?? "no reason given"}`,
              },
        );
      } else if (what === "toggle") {
        await api(path, { method: "PATCH", body: { enabled: !channel.enabled } });
        onChanged({
          kind: "ok",
          text: `${channel.name} ${channel.enabled ? "disabled" : "enabled"}.`,
        });
      } else {
        await api(path, { method: "DELETE" });
        onChanged({ kind: "ok", text: `Channel ${channel.name} removed.` });
      }
    } catch (caught) {
      onChanged({ kind: "error", text: (caught as Error).message });
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <table className="table" aria-label="alert channels">
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Sends to</th>
          <th>Routing</th>
          {canManage ? <th /> : null}
        </tr>
      </thead>
      <tbody>
        {channels.map((channel) => (
          <tr key={channel.id}>
            <td>
              <strong>{channel.name}</strong>{" "}
              <span className={channel.enabled ? "badge badge-succeeded" : "badge badge-cancelled"}>
                {channel.enabled ? "enabled" : "disabled"}
              </span>
              <br />
              <span className="muted" title="owner">
                {channel.owner}
              </span>
            </td>
            <td>{channel.type === "webhook" ? "Webhook" : "E-mail"}</td>
            <td className="mono wrap">{targetText(channel)}</td>
            <td className="wrap">{routingText(channel)}</td>
            {canManage ? (
              <td>
                <div className="row-actions">
                  <button
                    type="button"
                    className="button button-small"
                    disabled={busy === channel.id}
                    onClick={() => void act(channel, "test")}
                  >
                    {busy === channel.id ? "Working…" : "Send test"}
                  </button>
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => onEdit(channel)}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className="button button-small"
                    disabled={busy === channel.id}
                    onClick={() => void act(channel, "toggle")}
                  >
                    {channel.enabled ? "Disable" : "Enable"}
                  </button>
                  <button
                    type="button"
                    className="button button-small button-danger"
                    disabled={busy === channel.id}
                    onClick={() => void act(channel, "remove")}
                  >
                    Remove
                  </button>
                </div>
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DeliveryLog({
  reloadKey,
  canManage,
  channelNames,
  onChanged,
}: {
  reloadKey: number;
  canManage: boolean;
  channelNames: string[];
  onChanged: (message: Message) => void;
}) {
  const columns = useMemo<Columns<AlertDelivery>>(() => {
    const retry = async (delivery: AlertDelivery) => {
      try {
        const after = await api<AlertDelivery>(
          `/api/v1/notifications/deliveries/${encodeURIComponent(delivery.id)}/retry`,
          { method: "POST" },
        );
        onChanged(
          after.status === "sent"
            ? { kind: "ok", text: `${delivery.title}: sent to ${delivery.channelName}.` }
            : {
                kind: "error",
                text: `${delivery.title}: still not delivered (${after.lastError ?? after.status}); retrying with backoff.`,
              },
        );
      } catch (caught) {
        onChanged({ kind: "error", text: (caught as Error).message });
      }
    };
    const base: Columns<AlertDelivery> = [
      {
        id: "createdAt",
        accessorKey: "createdAt",
        header: "Raised",
        cell: ({ row }) => formatTime(row.original.createdAt),
      },
      {
        id: "channel",
        header: "Channel",
        enableSorting: false,
        cell: ({ row }) => row.original.channelName,
      },
      {
        id: "severity",
        header: "Severity",
        enableSorting: false,
        cell: ({ row }) => (
          <span className={SEVERITY_BADGE[row.original.severity]}>{row.original.severity}</span>
        ),
      },
      {
        id: "title",
        header: "Alert",
        enableSorting: false,
        cell: ({ row }) => (
          <div className="wrap-text" title={row.original.body}>
            {row.original.link.startsWith("/") ? (
              <Link to={row.original.link}>{row.original.title}</Link>
            ) : (
              row.original.title
            )}
            <br />
            <span className="muted mono">{row.original.kind}</span>
          </div>
        ),
      },
      {
        id: "status",
        header: "Status",
        enableSorting: false,
        cell: ({ row }) => (
          <span className={STATUS_BADGE[row.original.status]}>
            {STATUS_LABEL[row.original.status]}
          </span>
        ),
      },
      {
        id: "attempts",
        header: "Attempts",
        enableSorting: false,
        cell: ({ row }) => row.original.attempts,
      },
      {
        id: "outcome",
        header: "Last attempt",
        enableSorting: false,
        cell: ({ row }) => {
          const d = row.original;
          if (d.status === "sent") {
            return `sent ${formatTime(d.sentAt ?? d.createdAt)}`;
          }
          return (
            <div className="wrap-text">
              {d.lastError ? <span className="field-error">{d.lastError}</span> : "—"}
              {d.status === "pending" && d.attempts > 0 ? (
                <>
                  <br />
                  <span className="muted">next try {formatTime(d.nextAttemptAt)}</span>
                </>
              ) : null}
            </div>
          );
        },
      },
    ];
    if (canManage) {
      base.push({
        id: "actions",
        header: "",
        enableSorting: false,
        cell: ({ row }) =>
          row.original.status === "failed" &&
          row.original.channelId &&
          row.original.kind !== "notify.test" ? (
            <button
              type="button"
              className="button button-small"
              onClick={() => void retry(row.original)}
            >
              Retry
            </button>
          ) : null,
      });
    }
    return base;
  }, [canManage, onChanged]);
  return (
    <DataTable<AlertDelivery>
      endpoint="/api/v1/notifications/deliveries"
      columns={columns}
      filters={[
        { key: "status", label: "Status", kind: "select", options: DELIVERY_STATUSES },
        { key: "channelName", label: "Channel", kind: "select", options: channelNames },
      ]}
      defaultSort="createdAt:desc"
      reloadKey={reloadKey}
      pollMs={15_000}
      emptyText="No delivery matches: nothing has been sent yet."
    />
  );
}
