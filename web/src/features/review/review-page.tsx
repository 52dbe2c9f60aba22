import {
  type FormEvent,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { query } from "../../api/client.ts";
import type { Page } from "../../api/types.ts";
import { navigate, useSearchState } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import {
  CategoryBadge,
  Confidence,
  entryName,
  SensitivityBadge,
  StatusBadge,
  UnclassifiableNotice,
} from "../catalog/badges.tsx";
import { EvidenceTable } from "../catalog/evidence-table.tsx";
import { bulkReview, type ReviewDecision, reviewColumn } from "../catalog/review-api.ts";
import {
  CATEGORY_OPTIONS,
  type CatalogColumn,
  type CatalogColumnDetail,
  type CatalogSummary,
} from "../catalog/types.ts";
import { BulkAccept } from "./bulk-accept.tsx";
import { OverrideDialog } from "./override-dialog.tsx";
import { expectedAfter, fromDetail, isOpen, nextOpen, type QueueRow } from "./queue-state.ts";
import { RejectDialog } from "./reject-dialog.tsx";
import { ShortcutHelp, useShortcuts } from "./shortcuts.tsx";
import { isPiiProposal, undoReview } from "./undo-api.ts";
import { type Toast, UndoToast } from "./undo-toast.tsx";
import "./review.css";

const PAGE_SIZE = 50;
const FILTER_KEYS = ["status", "category", "minConfidence", "schema", "table", "q"] as const;
const QUEUE_STATUSES = ["open", "pending", "needs_rereview", "not_classifiable"] as const;

type Message = { kind: "ok" | "error"; text: string };

const DONE_TEXT = { accept: "Accepted", reject: "Rejected", override: "Overrode" } as const;

/**
 * The steward's review queue, built for speed: flagged decisions and pending proposals first,
 * surest first; the keyboard moves and decides (? lists the keys); decisions show at once and
 * are replaced by the server's answer, or rolled back with the reason when refused.
 */
export function ReviewPage() {
  const { can } = useSession();
  const canReview = can("catalog:review");
  const [search, setSearch] = useSearchState();
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, search.get(k) ?? undefined]));
  const status = filters.status ?? "open";
  const page = Math.max(1, Number(search.get("page")) || 1);
  const path = `/api/v1/catalog/columns${query({
    ...filters,
    status,
    sort: "queue:asc",
    page,
    pageSize: PAGE_SIZE,
  })}`;
  const list = useApi<Page<CatalogColumn>>(path);
  const summary = useApi<CatalogSummary>("/api/v1/catalog/summary");
  const reloadSummary = summary.reload;

  const [rows, setRows] = useState<QueueRow[]>([]);
  const [focus, setFocus] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [overriding, setOverriding] = useState<QueueRow>();
  const [rejecting, setRejecting] = useState<QueueRow>();
  const [toast, setToast] = useState<Toast>();
  const closeToast = useCallback(() => setToast(undefined), []);
  const [help, setHelp] = useState(false);
  const [message, setMessage] = useState<Message>();
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  useEffect(() => {
    setRows(list.data?.items ?? []);
    setSelected(new Set());
    setFocus(0);
  }, [list.data]);

  const focused = rows[focus];
  useEffect(() => {
    document
      .querySelector(`[data-row-index="${focus}"]`)
      ?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [focus]);

  const replace = useCallback((updates: Map<string, QueueRow>) => {
    setRows((current) => current.map((row) => updates.get(row.id) ?? row));
  }, []);

  /** Decides one row: shown at once, then the server's answer (or a rollback and the reason). */
  const decideOne = useCallback(
    async (row: QueueRow, decision: ReviewDecision) => {
      const index = rowsRef.current.findIndex((r) => r.id === row.id);
      replace(new Map([[row.id, expectedAfter(row, decision)]]));
      setFocus(nextOpen(rowsRef.current, index));
      setMessage(undefined);
      try {
        const detail = await reviewColumn(row.id, decision);
        replace(new Map([[row.id, fromDetail(detail)]]));
        reloadSummary();
        const eventId = detail.history[0]?.id;
        const name = entryName(row);
        setToast({
          key: Date.now(),
          text: `${DONE_TEXT[decision.action]} ${name}${
            decision.action === "override" ? ` as ${decision.category}` : ""
          }.`,
          onUndo:
            eventId === undefined
              ? undefined
              : () => {
                  setToast(undefined);
                  replace(new Map([[row.id, { ...fromDetail(detail), saving: true }]]));
                  undoReview(row.id, eventId)
                    .then((restored) => {
                      replace(new Map([[row.id, fromDetail(restored)]]));
                      reloadSummary();
                      setToast({ key: Date.now(), text: `Undone: ${name} is as it was.` });
                    })
                    .catch((caught: Error) => {
                      replace(new Map([[row.id, fromDetail(detail)]]));
                      setMessage({
                        kind: "error",
                        text: `${name}: ${caught.message} (not undone)`,
                      });
                    });
                },
        });
      } catch (caught) {
        replace(new Map([[row.id, row]]));
        setMessage({
          kind: "error",
          text: `${entryName(row)}: ${(caught as Error).message} (not saved)`,
        });
      }
    },
    [replace, reloadSummary],
  );

  const acceptSelected = useCallback(async () => {
    const chosen = rowsRef.current.filter((r) => selected.has(r.id) && isOpen(r));
    if (chosen.length === 0) {
      setMessage({ kind: "error", text: "Select columns first (x), then shift+a accepts them." });
      return;
    }
    replace(new Map(chosen.map((r) => [r.id, expectedAfter(r, { action: "accept" })])));
    setSelected(new Set());
    setMessage(undefined);
    try {
      const result = await bulkReview({ ids: chosen.map((r) => r.id) }, "accept");
      const changed = new Set(result.ids);
      // Rows the server did not change (decided elsewhere meanwhile) go back to what they were.
      replace(
        new Map(
          chosen.map((r) => [
            r.id,
            changed.has(r.id) ? { ...expectedAfter(r, { action: "accept" }), saving: false } : r,
          ]),
        ),
      );
      const skipped = chosen.length - changed.size;
      setMessage({
        kind: skipped ? "error" : "ok",
        text: `Accepted ${changed.size} proposal${changed.size === 1 ? "" : "s"}${
          skipped ? `; ${skipped} had changed meanwhile and were left alone` : ""
        }.`,
      });
      reloadSummary();
    } catch (caught) {
      replace(new Map(chosen.map((r) => [r.id, r])));
      setMessage({ kind: "error", text: `${(caught as Error).message} (nothing saved)` });
    }
  }, [replace, selected, reloadSummary]);

  /** Reject: a personal-data proposal first asks why. */
  const requestReject = useCallback(
    (row: QueueRow) => {
      if (row.saving) {
        return;
      }
      if (isPiiProposal(row)) {
        setRejecting(row);
      } else {
        void decideOne(row, { action: "reject" });
      }
    },
    [decideOne],
  );

  const move = useCallback(
    (delta: number) =>
      setFocus((f) => Math.max(0, Math.min(rowsRef.current.length - 1, f + delta))),
    [],
  );
  const toggle = useCallback((id: string) => {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) {
        next.delete(id);
      } else {
        next.add(id);
      }
      return next;
    });
  }, []);

  const handlers = useMemo<Record<string, () => void>>(() => {
    const onFocused = (fn: (row: QueueRow) => void) => () => {
      const row = rowsRef.current[focus];
      if (row) {
        fn(row);
      }
    };
    const accept = onFocused((row) => {
      if (!row.saving) {
        void decideOne(row, { action: "accept" });
      }
    });
    return {
      j: () => move(1),
      k: () => move(-1),
      "?": () => setHelp((h) => !h),
      enter: onFocused((row) => navigate(`/catalog?column=${encodeURIComponent(row.id)}`)),
      ...(canReview
        ? {
            a: accept,
            r: onFocused(requestReject),
            o: onFocused((row) => setOverriding(row)),
            x: onFocused((row) => toggle(row.id)),
            "shift+a": () => void acceptSelected(),
          }
        : {}),
    };
  }, [focus, move, decideOne, toggle, acceptSelected, canReview, requestReject]);
  useShortcuts(handlers, !help && !overriding && !rejecting);

  const applyFilters = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const changes: Record<string, string | undefined> = { page: undefined };
    for (const key of FILTER_KEYS) {
      changes[key] = String(form.get(key) ?? "").trim() || undefined;
    }
    if (changes.status === "open") {
      changes.status = undefined;
    }
    setSearch(changes);
  };

  const total = list.data?.total ?? 0;
  const openRows = rows.filter(isOpen).length;
  const allSelected = rows.length > 0 && rows.every((r) => !isOpen(r) || selected.has(r.id));

  return (
    <section className="review-page">
      <div className="page-head">
        <h1>Review queue</h1>
        <button
          type="button"
          className="button button-small button-ghost"
          onClick={() => setHelp(true)}
        >
          Shortcuts <kbd>?</kbd>
        </button>
      </div>
      <p className="muted">
        {summary.data
          ? `${summary.data.pending.toLocaleString()} proposals pending, ${summary.data.needsRereview.toLocaleString()} decisions flagged for re-review. `
          : ""}
        j/k move, a accept, r reject, o override, x select, shift+a accept selected.
      </p>
      {message ? (
        <p className={message.kind === "ok" ? "notice" : "form-error"} role="status">
          {message.text}
        </p>
      ) : null}

      {canReview ? (
        <BulkAccept
          onDone={(text) => {
            setMessage({ kind: "ok", text });
            list.reload();
            summary.reload();
          }}
        />
      ) : null}

      <form className="filters queue-filters" onSubmit={applyFilters} key={search.toString()}>
        <label className="field-inline" htmlFor="queue-status">
          <span>Show</span>
          <select id="queue-status" name="status" aria-label="Show" defaultValue={status}>
            {QUEUE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s === "open"
                  ? "waiting (pending + re-review)"
                  : s === "not_classifiable"
                    ? "not yet classifiable (no usable samples)"
                    : s}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline" htmlFor="queue-category">
          <span>Category</span>
          <select
            id="queue-category"
            name="category"
            aria-label="Category"
            defaultValue={filters.category ?? ""}
          >
            <option value="">any</option>
            {CATEGORY_OPTIONS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline" htmlFor="queue-min">
          <span>Confidence ≥</span>
          <input
            id="queue-min"
            name="minConfidence"
            size={5}
            defaultValue={filters.minConfidence}
          />
        </label>
        <label className="field-inline" htmlFor="queue-schema">
          <span>Schema</span>
          <input id="queue-schema" name="schema" size={10} defaultValue={filters.schema} />
        </label>
        <label className="field-inline" htmlFor="queue-table">
          <span>Table</span>
          <input id="queue-table" name="table" size={12} defaultValue={filters.table} />
        </label>
        <label className="field-inline" htmlFor="queue-q">
          <span>Search</span>
          <input id="queue-q" name="q" type="search" size={16} defaultValue={filters.q} />
        </label>
        <button type="submit" className="button button-small">
          Filter
        </button>
      </form>

      {list.error ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>Nothing waits for review here. Well done — or widen the filters.</Empty>
      ) : (
        <div className="queue-layout">
          <div className="table-scroll queue-list">
            <table className="table queue-table" aria-label="review queue">
              <thead>
                <tr>
                  {canReview ? (
                    <th>
                      <input
                        type="checkbox"
                        aria-label="select all"
                        checked={allSelected}
                        onChange={() =>
                          setSelected(
                            allSelected ? new Set() : new Set(rows.filter(isOpen).map((r) => r.id)),
                          )
                        }
                      />
                    </th>
                  ) : null}
                  <th>Column</th>
                  <th>Proposal</th>
                  <th>Status</th>
                  {canReview ? <th>Decide</th> : null}
                </tr>
              </thead>
              <tbody>
                {rows.map((row, index) => (
                  <tr
                    key={row.id}
                    data-row-index={index}
                    data-id={row.id}
                    data-status={row.reviewStatus}
                    aria-selected={index === focus}
                    className={[
                      index === focus ? "focused" : "",
                      isOpen(row) ? "" : "decided",
                      row.saving ? "saving" : "",
                    ].join(" ")}
                    onClick={() => setFocus(index)}
                  >
                    {canReview ? (
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`select ${entryName(row)}`}
                          checked={selected.has(row.id)}
                          disabled={!isOpen(row)}
                          onChange={() => toggle(row.id)}
                          onClick={(e) => e.stopPropagation()}
                        />
                      </td>
                    ) : null}
                    <td className="mono">
                      {entryName(row)}
                      <div className="muted small">{row.dataType}</div>
                    </td>
                    <td className="queue-proposal">
                      <CategoryBadge category={row.effectiveCategory} />{" "}
                      <SensitivityBadge sensitivity={row.effectiveSensitivity} />
                      <div>
                        <Confidence value={row.confidence} />
                      </div>
                    </td>
                    <td>
                      <StatusBadge
                        status={row.reviewStatus}
                        needsRereview={row.needsRereview}
                        unclassifiable={row.unclassifiableReason}
                      />
                      {row.saving ? <span className="muted small"> saving…</span> : null}
                    </td>
                    {canReview ? (
                      <td>
                        <DecisionButtons
                          row={row}
                          onAccept={() => void decideOne(row, { action: "accept" })}
                          onReject={() => requestReject(row)}
                          onOverride={() => setOverriding(row)}
                        />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="pager">
              <span className="muted">
                {openRows} of {rows.length} on this page still open · {total.toLocaleString()}{" "}
                matched
              </span>
              <button
                type="button"
                className="button button-small"
                disabled={page <= 1}
                onClick={() => setSearch({ page: page > 2 ? String(page - 1) : undefined })}
              >
                Previous
              </button>
              <button type="button" className="button button-small" onClick={list.reload}>
                Refresh queue
              </button>
              <button
                type="button"
                className="button button-small"
                disabled={page * PAGE_SIZE >= total}
                onClick={() => setSearch({ page: String(page + 1) })}
              >
                Next
              </button>
            </div>
          </div>
          {focused ? (
            <FocusedDetail
              row={focused}
              actions={
                canReview ? (
                  <DecisionButtons
                    row={focused}
                    large
                    onAccept={() => void decideOne(focused, { action: "accept" })}
                    onReject={() => requestReject(focused)}
                    onOverride={() => setOverriding(focused)}
                  />
                ) : null
              }
            />
          ) : null}
        </div>
      )}

      {help ? <ShortcutHelp onClose={() => setHelp(false)} /> : null}
      {rejecting ? (
        <RejectDialog
          column={rejecting}
          onClose={() => setRejecting(undefined)}
          onSubmit={(reason) => {
            const row = rejecting;
            setRejecting(undefined);
            void decideOne(row, { action: "reject", comment: reason });
          }}
        />
      ) : null}
      {toast ? <UndoToast key={toast.key} toast={toast} onClose={closeToast} /> : null}
      {overriding ? (
        <OverrideDialog
          column={overriding}
          onClose={() => setOverriding(undefined)}
          onSubmit={(decision) => {
            const row = overriding;
            setOverriding(undefined);
            void decideOne(row, decision);
          }}
        />
      ) : null}
    </section>
  );
}

/** Accept, Reject, Override as buttons (the keys a, r, o do the same). */
function DecisionButtons({
  row,
  large = false,
  onAccept,
  onReject,
  onOverride,
}: {
  row: QueueRow;
  large?: boolean;
  onAccept: () => void;
  onReject: () => void;
  onOverride: () => void;
}) {
  const name = entryName(row);
  const size = large ? "button" : "button button-small";
  const stop = (fn: () => void) => (event: MouseEvent) => {
    event.stopPropagation();
    fn();
  };
  return (
    <fieldset
      className={large ? "queue-detail-actions" : "queue-actions"}
      aria-label={`decide ${name}`}
    >
      <button
        type="button"
        className={`${size} button-primary`}
        disabled={row.saving}
        title={`Accept the proposal ${row.proposedCategory ?? "none"} (a)`}
        aria-label={large ? undefined : `Accept ${name}`}
        onClick={stop(onAccept)}
      >
        Accept
      </button>
      <button
        type="button"
        className={size}
        disabled={row.saving}
        title="Reject: not personal data (r)"
        aria-label={large ? undefined : `Reject ${name}`}
        onClick={stop(onReject)}
      >
        Reject
      </button>
      <button
        type="button"
        className={size}
        disabled={row.saving}
        title="Override category and sensitivity (o)"
        aria-label={large ? undefined : `Override ${name}`}
        onClick={stop(onOverride)}
      >
        Override
      </button>
    </fieldset>
  );
}

/** The evidence behind the focused row's proposal, so a steward decides without leaving. */
function FocusedDetail({ row, actions }: { row: QueueRow; actions: ReactNode }) {
  const { data, error } = useApi<CatalogColumnDetail>(
    `/api/v1/catalog/columns/${encodeURIComponent(row.id)}`,
  );
  const detail = data?.id === row.id ? data : undefined;
  return (
    <aside className="panel queue-detail" aria-label="focused column">
      <h2 className="mono">{entryName(row)}</h2>
      <p>
        <span className="muted">
          {row.store} · {row.dataType}
        </span>
      </p>
      {actions}
      {error ? (
        <ErrorState error={error} />
      ) : !detail ? (
        <Loading />
      ) : (
        <>
          <UnclassifiableNotice reason={detail.unclassifiableReason} status={detail.reviewStatus} />
          {detail.needsRereview ? (
            <>
              <h3>Why it is flagged</h3>
              <EvidenceTable evidence={detail.rereviewEvidence ?? []} label="re-review evidence" />
            </>
          ) : null}
          <h3>Evidence</h3>
          <EvidenceTable evidence={detail.evidence} label="evidence" />
          <h3>Masked samples</h3>
          {detail.maskedSamples.length === 0 ? (
            <p className="muted">No samples kept.</p>
          ) : (
            <ul className="samples">
              {detail.maskedSamples.slice(0, 10).map((s, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: samples may repeat
                <li key={i}>
                  <code>{typeof s === "string" ? s : JSON.stringify(s)}</code>
                </li>
              ))}
            </ul>
          )}
          {detail.decisionComment ? (
            <p>
              <strong>Decision comment:</strong> {detail.decisionComment}
            </p>
          ) : null}
        </>
      )}
    </aside>
  );
}
