import { useEffect, useState } from "react";
import type {
  TRecognizer as Recognizer,
  TRecognizerDefinitionInput as RecognizerDefinitionInput,
  TRecognizerDetail as RecognizerDetail,
  TRecognizerPreview as RecognizerPreview,
} from "../../../../schema/contracts/recognizers.ts";
import { api } from "../../api/client.ts";
import { useSession } from "../../app/session.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { CategoryBadge } from "../catalog/badges.tsx";
import { RecognizerForm } from "./recognizer-form.tsx";
import { SuppressionsPanel } from "./suppressions-panel.tsx";

type Message = { kind: "ok" | "error"; text: string };

/** What a preview is of: a draft from the form, or a stored recognizer about to be enabled. */
type PreviewTarget = { definition: RecognizerDefinitionInput; stored?: Recognizer };

const EFFECT_LABEL: Record<RecognizerPreview["matches"][number]["effect"], string> = {
  changes: "label changes",
  flags_decision: "decision flagged for re-review",
  no_change: "no change",
  below_threshold: "too few matches",
};

const EFFECT_BADGE: Record<RecognizerPreview["matches"][number]["effect"], string> = {
  changes: "badge badge-running",
  flags_decision: "badge badge-failed",
  no_change: "badge badge-cancelled",
  below_threshold: "badge badge-cancelled",
};

/**
 * Catalog → Recognizers (issue 21): stewards' own recognizers (pattern, library validator,
 * context words, category) stored as audited versions, tried on live samples (masked) to see
 * which columns they would change before they are enabled; and the suppressions learned from
 * rejections and overrides, with the decision that created each.
 */
export function RecognizersPage() {
  const { can } = useSession();
  const canManage = can("catalog:recognizers");
  const list = useApi<{ recognizers: Recognizer[] }>("/api/v1/catalog/recognizers");
  const [editing, setEditing] = useState<Recognizer | "new">();
  const [preview, setPreview] = useState<PreviewTarget>();
  const [history, setHistory] = useState<string>();
  const [message, setMessage] = useState<Message>();
  const done = (text: Message) => {
    setMessage(text);
    list.reload();
  };

  return (
    <section className="recognizers">
      <h1>Recognizers</h1>
      <p className="muted">
        Your own detectors, next to the built-in ones: a pattern, optionally a validator from a
        maintained library (Luhn, IBAN, VAT, national numbers), words that give context, and the
        category it stands for. Every change is a new version. Try one on live samples — shown
        masked — to see which columns the next scan would relabel, then enable it.
      </p>
      {message ? (
        <p className={message.kind === "ok" ? "notice" : "form-error"} role="status">
          {message.text}
        </p>
      ) : null}
      {editing ? (
        <RecognizerForm
          key={editing === "new" ? "new" : `${editing.id}-${editing.version}`}
          recognizer={editing === "new" ? undefined : editing}
          onPreview={(definition) => setPreview({ definition })}
          onSaved={(saved, verb) => {
            setEditing(undefined);
            done({
              kind: "ok",
              text: `${saved.name} ${verb} (version ${saved.version}${saved.enabled ? ", enabled" : ", not enabled yet: try it, then enable it"}).`,
            });
          }}
          onCancel={() => setEditing(undefined)}
        />
      ) : null}
      {preview ? (
        <PreviewPanel
          key={JSON.stringify(preview.definition) + (preview.stored?.version ?? "")}
          target={preview}
          canEnable={canManage}
          onClose={() => setPreview(undefined)}
          onEnabled={(r) => {
            setPreview(undefined);
            done({
              kind: "ok",
              text: `${r.name} enabled (version ${r.version}): the next scan uses it.`,
            });
          }}
        />
      ) : null}
      <div className="panel">
        <div className="table-toolbar">
          <h2>Custom recognizers</h2>
          {canManage && !editing ? (
            <button
              type="button"
              className="button button-primary"
              onClick={() => {
                setPreview(undefined);
                setEditing("new");
              }}
            >
              New recognizer
            </button>
          ) : null}
        </div>
        {list.error ? (
          <ErrorState error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <Loading label="Loading recognizers…" />
        ) : list.data.recognizers.length === 0 ? (
          <Empty>
            No custom recognizer yet: scans use the built-in detectors only.
            {canManage ? " Add one for an identifier of your own (an employee number, say)." : ""}
          </Empty>
        ) : (
          <div className="table-scroll">
            <table className="table" aria-label="custom recognizers">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Category</th>
                  <th>Pattern</th>
                  <th>Validator</th>
                  <th>Context</th>
                  <th>Min share</th>
                  <th>Version</th>
                  {canManage ? <th /> : null}
                </tr>
              </thead>
              <tbody>
                {list.data.recognizers.map((r) => (
                  <RecognizerRow
                    key={r.id}
                    recognizer={r}
                    canManage={canManage}
                    showHistory={history === r.id}
                    onHistory={() => setHistory(history === r.id ? undefined : r.id)}
                    onEdit={() => {
                      setPreview(undefined);
                      setEditing(r);
                    }}
                    onPreview={() => setPreview({ definition: r.definition, stored: r })}
                    onChanged={done}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <SuppressionsPanel canManage={canManage} />
    </section>
  );
}

export function validatorText(d: RecognizerDefinitionInput): string {
  const v = d.validator;
  if (!v) {
    return "—";
  }
  if (v.kind === "stdnum") {
    return `stdnum ${v.country} ${v.type}`;
  }
  if (v.kind === "vat") {
    return `VAT (jsvat)${v.country ? ` ${v.country}` : ""}`;
  }
  return v.kind === "luhn" ? "Luhn" : "IBAN";
}

function RecognizerRow({
  recognizer: r,
  canManage,
  showHistory,
  onHistory,
  onEdit,
  onPreview,
  onChanged,
}: {
  recognizer: Recognizer;
  canManage: boolean;
  showHistory: boolean;
  onHistory: () => void;
  onEdit: () => void;
  onPreview: () => void;
  onChanged: (m: Message) => void;
}) {
  const [busy, setBusy] = useState(false);
  const d = r.definition;
  const disable = async () => {
    if (
      !window.confirm(
        `Disable ${r.name}? The next scan stops using it: columns it labelled go back to what the built-in detectors propose (decisions stay).`,
      )
    ) {
      return;
    }
    setBusy(true);
    try {
      const after = await api<Recognizer>(
        `/api/v1/catalog/recognizers/${encodeURIComponent(r.id)}/enabled`,
        { method: "POST", body: { enabled: false } },
      );
      onChanged({ kind: "ok", text: `${after.name} disabled (version ${after.version}).` });
    } catch (caught) {
      onChanged({ kind: "error", text: (caught as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <tr>
        <td>
          <strong>{r.name}</strong>{" "}
          <span className={r.enabled ? "badge badge-succeeded" : "badge badge-cancelled"}>
            {r.enabled ? "enabled" : "disabled"}
          </span>
          {d.description ? (
            <>
              <br />
              <span className="muted">{d.description}</span>
            </>
          ) : null}
        </td>
        <td>
          <CategoryBadge category={d.category} />
        </td>
        <td className="mono wrap">
          {d.match === "contains" ? "…" : ""}/{d.pattern}/{d.ignoreCase ? "i" : ""}
          {d.match === "contains" ? "…" : ""}
        </td>
        <td>{validatorText(d)}</td>
        <td className="wrap">
          {d.contextWords.length ? d.contextWords.join(", ") : "—"}
          {d.requireContext ? <span className="muted"> (required)</span> : null}
        </td>
        <td>{Math.round(d.minShare * 100)} %</td>
        <td className="wrap">
          <button type="button" className="button button-small" onClick={onHistory}>
            v{r.version}
          </button>
          <br />
          <span className="muted">
            {r.updatedBy}, {formatTime(r.updatedAt)}
          </span>
        </td>
        {canManage ? (
          <td>
            <div className="row-actions">
              <button type="button" className="button button-small" onClick={onEdit}>
                Edit
              </button>
              {r.enabled ? (
                <button
                  type="button"
                  className="button button-small"
                  disabled={busy}
                  onClick={() => void disable()}
                >
                  Disable
                </button>
              ) : (
                <button type="button" className="button button-small" onClick={onPreview}>
                  Try and enable…
                </button>
              )}
              {r.enabled ? (
                <button type="button" className="button button-small" onClick={onPreview}>
                  Try
                </button>
              ) : null}
            </div>
          </td>
        ) : null}
      </tr>
      {showHistory ? (
        <tr>
          <td colSpan={canManage ? 8 : 7}>
            <VersionHistory id={r.id} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function VersionHistory({ id }: { id: string }) {
  const detail = useApi<RecognizerDetail>(`/api/v1/catalog/recognizers/${encodeURIComponent(id)}`);
  if (detail.error) {
    return <ErrorState error={detail.error} onRetry={detail.reload} />;
  }
  if (!detail.data) {
    return <Loading label="Loading versions…" />;
  }
  return (
    <table className="table table-compact" aria-label={`versions of ${detail.data.name}`}>
      <thead>
        <tr>
          <th>Version</th>
          <th>Change</th>
          <th>By</th>
          <th>When</th>
          <th>Pattern</th>
          <th>Note</th>
        </tr>
      </thead>
      <tbody>
        {detail.data.versions.map((v) => (
          <tr key={v.version}>
            <td>v{v.version}</td>
            <td>{v.change}</td>
            <td>{v.actor}</td>
            <td>{formatTime(v.recordedAt)}</td>
            <td className="mono wrap">/{v.definition.pattern}/</td>
            <td className="muted">{v.comment ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PreviewPanel({
  target,
  canEnable,
  onClose,
  onEnabled,
}: {
  target: PreviewTarget;
  canEnable: boolean;
  onClose: () => void;
  onEnabled: (r: Recognizer) => void;
}) {
  const [result, setResult] = useState<RecognizerPreview>();
  const [error, setError] = useState<Error>();
  const [enabling, setEnabling] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    api<RecognizerPreview>("/api/v1/catalog/recognizers/preview", {
      method: "POST",
      body: { definition: target.definition },
      signal: abort.signal,
    })
      .then(setResult)
      .catch((caught: Error) => {
        if (caught.name !== "AbortError") {
          setError(caught);
        }
      });
    return () => abort.abort();
  }, [target]);
  const stored = target.stored;
  const enable = async () => {
    if (!stored || !result) {
      return;
    }
    if (
      !window.confirm(
        `Enable ${stored.name}? The next scan uses it: ${result.changes} column(s) would change label (decisions stay and are flagged for re-review where they disagree).`,
      )
    ) {
      return;
    }
    setEnabling(true);
    try {
      onEnabled(
        await api<Recognizer>(
          `/api/v1/catalog/recognizers/${encodeURIComponent(stored.id)}/enabled`,
          { method: "POST", body: { enabled: true } },
        ),
      );
    } catch (caught) {
      setError(caught as Error);
      setEnabling(false);
    }
  };
  return (
    <section className="panel" aria-label="recognizer preview">
      <div className="table-toolbar">
        <h2>
          Preview of {target.definition.name} on live samples
          {stored ? ` (version ${stored.version})` : " (not saved)"}
        </h2>
        <div className="row-actions">
          {stored && !stored.enabled && canEnable && result ? (
            <button
              type="button"
              className="button button-primary"
              disabled={enabling}
              onClick={() => void enable()}
            >
              {enabling ? "Enabling…" : `Enable ${stored.name}`}
            </button>
          ) : null}
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      {error ? (
        <ErrorState error={error} />
      ) : !result ? (
        <Loading label="Sampling every table and running the recognizer…" />
      ) : (
        <>
          <p>
            <strong>{result.changes}</strong> column(s) would change label; {result.matches.length}{" "}
            matched at least one value, of {result.columns} columns sampled in {result.tables}{" "}
            tables ({result.rowsPerTable} rows each). Examples are masked.
          </p>
          {result.matches.length === 0 ? (
            <Empty>The recognizer matched no sampled value.</Empty>
          ) : (
            <div className="table-scroll">
              <table className="table table-compact" aria-label="preview matches">
                <thead>
                  <tr>
                    <th>Column</th>
                    <th>Matched</th>
                    <th>Masked examples</th>
                    <th>Now</th>
                    <th>After</th>
                    <th>Effect</th>
                  </tr>
                </thead>
                <tbody>
                  {result.matches.map((m) => (
                    <tr key={`${m.store}:${m.schema}.${m.table}.${m.column}:${m.jsonPath}`}>
                      <td className="mono">
                        {m.schema}.{m.table}.{m.column}
                        {m.jsonPath ? <span className="muted"> → {m.jsonPath}</span> : null}
                        {m.store !== "postgres" ? (
                          <span className="muted"> ({m.store})</span>
                        ) : null}
                      </td>
                      <td>
                        {m.matched} / {m.sampled}{" "}
                        <span className="muted">
                          ({Math.round((m.matched / m.sampled) * 100)} %)
                        </span>
                        {m.contextWord ? (
                          <span className="muted"> · context “{m.contextWord}”</span>
                        ) : null}
                      </td>
                      <td>
                        <span className="examples">
                          {m.examples.map((x) => (
                            <code key={x}>{x}</code>
                          ))}
                        </span>
                      </td>
                      <td>
                        {m.currentCategory ? (
                          <CategoryBadge category={m.currentCategory as never} />
                        ) : (
                          <span className="muted">not scanned</span>
                        )}
                        {m.currentStatus && m.currentStatus !== "pending" ? (
                          <span className="muted"> ({m.currentStatus})</span>
                        ) : null}
                      </td>
                      <td>
                        <CategoryBadge category={m.newCategory as never} />
                      </td>
                      <td>
                        <span className={EFFECT_BADGE[m.effect]}>{EFFECT_LABEL[m.effect]}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
