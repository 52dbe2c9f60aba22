import { type FormEvent, useMemo, useState } from "react";
import { api } from "../../api/client.ts";
import { useSession } from "../../app/session.tsx";
import { type Columns, DataTable, formatTime } from "../../components/data-table.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { shortId } from "./format.tsx";
import type { InvestigationFlag, LegalHold } from "./types.ts";

/** Legal holds (each blocks every deletion in its scope) and the SOX investigation flag. */
export function HoldsTab() {
  const { can } = useSession();
  const canHold = can("retention:holds");
  const [reloadKey, setReloadKey] = useState(0);
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string }>();

  const columns = useMemo<Columns<LegalHold>>(() => {
    const release = async (hold: LegalHold) => {
      const reason = window.prompt(
        "Release this legal hold? Deletions in its scope may then proceed. Why is it released?",
      );
      if (!reason?.trim()) {
        return;
      }
      try {
        await api(`/api/v1/retention/holds/${encodeURIComponent(hold.id)}/release`, {
          method: "POST",
          body: { reason: reason.trim() },
        });
        setMessage({ kind: "ok", text: "Hold released." });
        setReloadKey((k) => k + 1);
      } catch (caught) {
        setMessage({ kind: "error", text: (caught as Error).message });
      }
    };
    const base: Columns<LegalHold> = [
      {
        id: "createdAt",
        accessorKey: "createdAt",
        header: "Placed",
        cell: ({ row }) => formatTime(row.original.createdAt),
      },
      {
        id: "scope",
        header: "Scope",
        enableSorting: false,
        cell: ({ row }) => <HoldScope hold={row.original} />,
      },
      { id: "reason", accessorKey: "reason", header: "Reason", enableSorting: false },
      {
        id: "owner",
        header: "Owner",
        enableSorting: false,
        cell: ({ row }) => row.original.owner,
      },
      {
        id: "state",
        header: "State",
        enableSorting: false,
        cell: ({ row }) =>
          row.original.releasedAt ? (
            <span className="badge" title={`by ${row.original.releasedBy ?? "?"}`}>
              released {formatTime(row.original.releasedAt)}
            </span>
          ) : (
            <span className="badge badge-failed">active</span>
          ),
      },
    ];
    if (canHold) {
      base.push({
        id: "actions",
        header: "",
        enableSorting: false,
        cell: ({ row }) =>
          row.original.releasedAt ? null : (
            <button
              type="button"
              className="button button-small"
              onClick={() => void release(row.original)}
            >
              Release
            </button>
          ),
      });
    }
    return base;
  }, [canHold]);

  return (
    <div className="holds">
      {canHold ? <InvestigationPanel canEdit /> : null}
      {message ? (
        <p className={message.kind === "ok" ? "notice" : "form-error"} role="status">
          {message.text}
        </p>
      ) : null}
      {adding ? (
        <AddHoldForm
          onDone={(text) => {
            setAdding(false);
            setMessage({ kind: "ok", text });
            setReloadKey((k) => k + 1);
          }}
          onCancel={() => setAdding(false)}
        />
      ) : null}
      <DataTable<LegalHold>
        endpoint="/api/v1/retention/holds"
        columns={columns}
        filters={[
          { key: "state", label: "State", kind: "select", options: ["active", "released"] },
        ]}
        defaultSort="createdAt:desc"
        reloadKey={reloadKey}
        emptyText="No legal hold matches. Nothing is held."
        toolbar={
          canHold && !adding ? (
            <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
              Add legal hold
            </button>
          ) : null
        }
      />
    </div>
  );
}

function HoldScope({ hold }: { hold: LegalHold }) {
  const parts = [
    hold.tenantId ? `tenant ${shortId(hold.tenantId)}` : "every tenant",
    hold.customerId ? `customer ${shortId(hold.customerId)}` : null,
    hold.table ? `table ${hold.table}` : null,
    hold.from || hold.to
      ? `dated ${hold.from ? formatTime(hold.from) : "…"} – ${hold.to ? formatTime(hold.to) : "…"}`
      : null,
  ].filter(Boolean);
  const full = [hold.tenantId, hold.customerId].filter(Boolean).join(" / ");
  return (
    <span className="mono" title={full}>
      {parts.join(" · ")}
    </span>
  );
}

function AddHoldForm({
  onDone,
  onCancel,
}: {
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (key: string) => String(form.get(key) ?? "").trim() || undefined;
    const date = (key: string) => {
      const value = text(key);
      return value ? new Date(`${value}T00:00:00Z`).toISOString() : undefined;
    };
    const body = {
      tenantId: text("tenantId"),
      customerId: text("customerId"),
      table: text("table"),
      from: date("from"),
      to: date("to"),
      owner: text("owner"),
      reason: text("reason") ?? "",
    };
    setBusy(true);
    setError(undefined);
    try {
      const hold = await api<LegalHold>("/api/v1/retention/holds", { method: "POST", body });
      onDone(`Legal hold ${hold.id.slice(0, 8)} placed.`);
    } catch (caught) {
      setError((caught as Error).message);
      setBusy(false);
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-label="add legal hold">
      <h2>Place a legal hold</h2>
      <p className="muted">
        Every deletion in its scope stops, approved or not, until the hold is released. Leave a
        field empty to hold across it.
      </p>
      <div className="form-grid">
        <label className="field">
          <span>Tenant id</span>
          <input name="tenantId" maxLength={36} placeholder="uuid" />
        </label>
        <label className="field">
          <span>Customer id</span>
          <input name="customerId" maxLength={36} placeholder="uuid" />
        </label>
        <label className="field">
          <span>Table</span>
          <input name="table" maxLength={100} placeholder="e.g. invoices" />
        </label>
        <label className="field">
          <span>From date</span>
          <input name="from" type="date" />
        </label>
        <label className="field">
          <span>To date</span>
          <input name="to" type="date" />
        </label>
        <label className="field">
          <span>Owner</span>
          <input name="owner" maxLength={255} placeholder="who answers for it (default: you)" />
        </label>
        <label className="field">
          <span>Reason</span>
          <input name="reason" required maxLength={1000} placeholder="e.g. litigation 2026-114" />
        </label>
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          Place hold
        </button>
        <button type="button" className="button button-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function InvestigationPanel({ canEdit }: { canEdit: boolean }) {
  const flag = useApi<InvestigationFlag>("/api/v1/retention/investigation");
  const [error, setError] = useState<string>();
  const [reason, setReason] = useState("");
  const toggle = async (active: boolean) => {
    setError(undefined);
    try {
      await api("/api/v1/retention/investigation", {
        method: "PUT",
        body: { active, reason: reason.trim() || (active ? "" : "investigation closed") },
      });
      setReason("");
      flag.reload();
    } catch (caught) {
      setError((caught as Error).message);
    }
  };
  if (flag.error) {
    return <ErrorState error={flag.error} onRetry={flag.reload} />;
  }
  if (!flag.data) {
    return <Loading label="Loading the investigation flag…" />;
  }
  const active = flag.data.active;
  return (
    <div className={active ? "panel investigation investigation-active" : "panel investigation"}>
      <h2>Investigation flag</h2>
      <p data-testid="investigation-state">
        {active ? (
          <>
            <strong>Set</strong> by {flag.data.setBy ?? "?"} {formatTime(flag.data.setAt)}
            {flag.data.reason ? ` — ${flag.data.reason}` : ""}. SOX-governed records cannot be
            destroyed while it is set.
          </>
        ) : (
          "Not set. SOX-governed records follow their schedules."
        )}
      </p>
      {canEdit ? (
        <div className="form-actions">
          <input
            aria-label="investigation reason"
            value={reason}
            maxLength={1000}
            placeholder={active ? "why it is lifted" : "why it is set"}
            onChange={(e) => setReason(e.target.value)}
          />
          <button type="button" className="button" onClick={() => void toggle(!active)}>
            {active ? "Lift the flag" : "Set the flag"}
          </button>
        </div>
      ) : null}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
