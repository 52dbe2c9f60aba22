import { useEffect, useState } from "react";
import { Link } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { formatTime } from "../../components/data-table.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { tableName } from "../../components/table-name.ts";
import { useApi } from "../../components/use-api.ts";
import { LineageGraph } from "../lineage/lineage-graph.tsx";
import {
  CategoryBadge,
  Confidence,
  entryName,
  SensitivityBadge,
  StatusBadge,
  UnclassifiableNotice,
} from "./badges.tsx";
import { EvidenceTable } from "./evidence-table.tsx";
import { ReviewActions } from "./review-actions.tsx";
import type { CatalogColumnDetail, ForeignKeyRef } from "./types.ts";

const json = (value: unknown) =>
  value === null || value === undefined ? "—" : JSON.stringify(value, null, 1);

/** Everything about one catalog entry, with the steward's review actions. */
export function ColumnDetail({
  id,
  backHref,
  hrefFor,
}: {
  id: string;
  backHref: string;
  hrefFor: (id: string) => string;
}) {
  const { can } = useSession();
  const { data, error, loading, reload } = useApi<CatalogColumnDetail>(
    `/api/v1/catalog/columns/${encodeURIComponent(id)}`,
  );
  const [column, setColumn] = useState<CatalogColumnDetail>();
  const [notice, setNotice] = useState<string>();
  useEffect(() => setColumn(data), [data]);

  if (error) {
    return (
      <section>
        <Link to={backHref}>← Catalog</Link>
        <ErrorState error={error} onRetry={reload} />
      </section>
    );
  }
  if (!column || (loading && column.id !== id)) {
    return (
      <section>
        <Link to={backHref}>← Catalog</Link>
        <Loading />
      </section>
    );
  }
  const c = column;
  return (
    <section className="column-detail" data-testid="column-detail">
      <Link to={backHref}>← Catalog</Link>
      <h1 className="mono">{entryName(c)}</h1>
      <p className="detail-badges">
        <span className="muted">{c.store === "clickhouse" ? "ClickHouse" : "Postgres"}</span>{" "}
        <CategoryBadge category={c.effectiveCategory} />{" "}
        <SensitivityBadge sensitivity={c.effectiveSensitivity} />{" "}
        <StatusBadge
          status={c.reviewStatus}
          needsRereview={c.needsRereview}
          unclassifiable={c.unclassifiableReason}
        />
        {c.droppedAt ? (
          <span className="badge badge-failed">dropped {formatTime(c.droppedAt)}</span>
        ) : null}
      </p>
      <UnclassifiableNotice reason={c.unclassifiableReason} status={c.reviewStatus} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}

      <div className="detail-grid">
        <div className="panel">
          <h2>Definition</h2>
          <dl className="facts">
            <dt>Type</dt>
            <dd className="mono">{c.dataType}</dd>
            <dt>Nullable</dt>
            <dd>{c.isNullable ? "yes" : "no"}</dd>
            <dt>Primary key</dt>
            <dd>{c.isPrimaryKey ? "yes" : "no"}</dd>
            <dt>Position</dt>
            <dd>{c.ordinal}</dd>
            <dt>Comment</dt>
            <dd>{c.comment ?? "—"}</dd>
            <dt>References</dt>
            <dd className="mono">
              {c.foreignKey ? <ForeignKeyLink target={c.foreignKey} store={c.store} /> : "—"}
            </dd>
            <dt>Version</dt>
            <dd>{c.version}</dd>
          </dl>
          {c.tableInfo ? (
            <>
              <h3>Table</h3>
              <dl className="facts">
                <dt>Kind</dt>
                <dd>{c.tableInfo.kind}</dd>
                <dt>Rows</dt>
                <dd>
                  {c.tableInfo.rowEstimate === null
                    ? "—"
                    : `≈ ${c.tableInfo.rowEstimate.toLocaleString()}`}
                </dd>
                <dt>Comment</dt>
                <dd>{c.tableInfo.comment ?? "—"}</dd>
                <dt>Constraints</dt>
                <dd>
                  <Constraints value={c.tableInfo.constraints} />
                </dd>
              </dl>
              <h3>Foreign keys of {tableName(c)}</h3>
              {c.tableInfo.foreignKeys.length === 0 ? (
                <p className="muted">This table declares no foreign key.</p>
              ) : (
                <table className="table table-compact" aria-label="foreign keys">
                  <thead>
                    <tr>
                      <th>Column</th>
                      <th>References table</th>
                      <th>Column there</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.tableInfo.foreignKeys.map((fk) => (
                      <tr key={fk.column}>
                        <td className="mono">{fk.column}</td>
                        <td className="mono">
                          <ForeignKeyLink target={fk.references} store={c.store} tableOnly />
                        </td>
                        <td className="mono">{fk.references.column}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          ) : null}
          {Object.keys(c.stats).length ? (
            <>
              <h3>Statistics</h3>
              <dl className="facts">
                {Object.entries(c.stats).map(([k, v]) => (
                  <FactRow key={k} name={k} value={v} />
                ))}
              </dl>
            </>
          ) : null}
        </div>

        <div className="panel">
          <h2>Classification</h2>
          <dl className="facts">
            <dt>Proposed</dt>
            <dd>
              <CategoryBadge category={c.proposedCategory} />{" "}
              <SensitivityBadge sensitivity={c.proposedSensitivity} />
            </dd>
            <dt>Confidence</dt>
            <dd>
              <Confidence value={c.confidence} />
            </dd>
            <dt>Classified</dt>
            <dd>{formatTime(c.classifiedAt)}</dd>
            <dt>Decision</dt>
            <dd>
              {c.reviewStatus === "pending" ? (
                <span className="muted">none yet</span>
              ) : (
                <>
                  {c.reviewStatus}: <CategoryBadge category={c.decidedCategory} />{" "}
                  <SensitivityBadge sensitivity={c.decidedSensitivity} /> by {c.decidedBy ?? "—"} ·{" "}
                  {formatTime(c.decidedAt)}
                </>
              )}
            </dd>
            {c.decisionComment ? (
              <>
                <dt>Comment</dt>
                <dd>{c.decisionComment}</dd>
              </>
            ) : null}
          </dl>
          {can("catalog:review") ? (
            <ReviewActions
              column={c}
              onDecided={(updated) => {
                setColumn(updated);
                setNotice(`Saved: ${updated.reviewStatus} as ${updated.effectiveCategory ?? "—"}.`);
              }}
            />
          ) : null}
        </div>
      </div>

      {c.needsRereview ? (
        <div className="panel panel-warn">
          <h2>Flagged for re-review</h2>
          <p>A re-scan found evidence that contradicts the decision above.</p>
          <EvidenceTable evidence={c.rereviewEvidence ?? []} label="re-review evidence" />
        </div>
      ) : null}

      <div className="panel">
        <h2>Evidence</h2>
        <EvidenceTable evidence={c.evidence} label="evidence" />
        <h3>Masked samples</h3>
        {c.maskedSamples.length === 0 ? (
          <p className="muted">No samples kept.</p>
        ) : (
          <ul className="samples">
            {c.maskedSamples.map((s, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: samples may repeat
              <li key={i}>
                <code>{typeof s === "string" ? s : JSON.stringify(s)}</code>
              </li>
            ))}
          </ul>
        )}
      </div>

      {c.paths.length ? (
        <div className="panel">
          <h2>JSONB key paths</h2>
          <table className="table table-compact" aria-label="json paths">
            <thead>
              <tr>
                <th>Path</th>
                <th>Type</th>
                <th>Category</th>
                <th>Confidence</th>
                <th>Review</th>
              </tr>
            </thead>
            <tbody>
              {c.paths.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={hrefFor(p.id)} className="mono">
                      {p.jsonPath}
                    </Link>
                  </td>
                  <td className="mono muted">{p.dataType}</td>
                  <td>
                    <CategoryBadge category={p.effectiveCategory} />
                  </td>
                  <td>
                    <Confidence value={p.confidence} />
                  </td>
                  <td>
                    <StatusBadge status={p.reviewStatus} needsRereview={p.needsRereview} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      <div className="detail-grid">
        <div className="panel">
          <h2>Review history</h2>
          {c.history.length === 0 ? (
            <Empty>No proposal or decision recorded yet.</Empty>
          ) : (
            <table className="table table-compact" aria-label="review history">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Who</th>
                  <th>Action</th>
                  <th>Category</th>
                  <th>Confidence</th>
                  <th>Comment</th>
                </tr>
              </thead>
              <tbody>
                {c.history.map((h) => (
                  <tr key={h.id}>
                    <td>{formatTime(h.occurredAt)}</td>
                    <td>{h.actor}</td>
                    <td>
                      <span className={`badge review-${h.action}`}>{h.action}</span>
                    </td>
                    <td>
                      {h.category ? <CategoryBadge category={h.category} /> : "—"}{" "}
                      {h.sensitivity ? <SensitivityBadge sensitivity={h.sensitivity} /> : null}
                    </td>
                    <td>{h.confidence === null ? "—" : h.confidence.toFixed(2)}</td>
                    <td>{h.comment ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="panel">
          <h2>Versions</h2>
          {c.versions.length === 0 ? (
            <Empty>One version, unchanged since first seen.</Empty>
          ) : (
            <div className="table-scroll">
              <table className="table table-compact" aria-label="versions">
                <thead>
                  <tr>
                    <th>Version</th>
                    <th>Recorded</th>
                    <th>Type</th>
                    <th>Nullable</th>
                    <th>Key</th>
                    <th>References</th>
                    <th>Comment</th>
                  </tr>
                </thead>
                <tbody>
                  {c.versions.map((v) => (
                    <tr key={v.version}>
                      <td>{v.version}</td>
                      <td>{formatTime(v.recordedAt)}</td>
                      <td className="mono">{v.definition?.data_type ?? "—"}</td>
                      <td>{yesNo(v.definition?.is_nullable)}</td>
                      <td>{v.definition?.is_primary_key ? "primary key" : "—"}</td>
                      <td className="mono">
                        {v.definition?.foreign_key
                          ? `${v.definition.foreign_key.table}.${v.definition.foreign_key.column}`
                          : "—"}
                      </td>
                      <td>{v.definition?.comment ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h2>Drift</h2>
          {c.drift.length === 0 ? (
            <Empty>No drift recorded for this column or its table.</Empty>
          ) : (
            <table className="table table-compact" aria-label="column drift">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Change</th>
                  <th>Before → after</th>
                </tr>
              </thead>
              <tbody>
                {c.drift.map((d) => (
                  <tr key={d.id}>
                    <td>{formatTime(d.occurredAt)}</td>
                    <td>{d.kind.replace("_", " ")}</td>
                    <td>
                      <code className="summary">
                        {json(d.before)} → {json(d.after)}
                      </code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
      {can("lineage:read") && !c.jsonPath ? <ColumnLineage column={c} /> : null}
    </section>
  );
}

const yesNo = (value: boolean | undefined) => (value === undefined ? "—" : value ? "yes" : "no");

/** A foreign key's target as a link to that table (or column) in the catalog. */
function ForeignKeyLink({
  target,
  store,
  tableOnly,
}: {
  target: ForeignKeyRef;
  store: string;
  tableOnly?: boolean;
}) {
  const name = tableName({ store, schema: target.schema, table: target.table });
  const href = `/catalog?store=${store}&schema=${encodeURIComponent(target.schema)}&table=${encodeURIComponent(target.table)}`;
  return <Link to={href}>{tableOnly ? name : `${name}.${target.column}`}</Link>;
}

/** Constraints as the scanner records them ({name, type, definition}), one line each. */
function Constraints({ value }: { value: unknown }) {
  const list = Array.isArray(value) ? value : [];
  if (list.length === 0) {
    return <span>—</span>;
  }
  return (
    <ul className="constraints">
      {list.map((item, i) => {
        const entry = (item ?? {}) as { name?: unknown; definition?: unknown; type?: unknown };
        const name = typeof entry.name === "string" ? entry.name : `#${i + 1}`;
        const text =
          typeof entry.definition === "string"
            ? entry.definition
            : typeof entry.type === "string"
              ? entry.type
              : JSON.stringify(item);
        return (
          <li key={name}>
            <code>{text}</code> <span className="muted small">{name}</span>
          </li>
        );
      })}
    </ul>
  );
}

function FactRow({ name, value }: { name: string; value: unknown }) {
  return (
    <>
      <dt>{name}</dt>
      <dd className="mono">{typeof value === "object" ? JSON.stringify(value) : String(value)}</dd>
    </>
  );
}

/** Where this column comes from and flows to, as a graph, with a link to the lineage area. */
function ColumnLineage({ column }: { column: CatalogColumnDetail }) {
  const node = `${column.store}:${column.schema}.${column.table}.${column.column}`;
  return (
    <div className="column-lineage" data-testid="column-lineage">
      <h2>Lineage</h2>
      <p>
        <Link to={`/lineage?${new URLSearchParams({ node, direction: "both", depth: "2" })}`}>
          Open in the lineage area
        </Link>
      </p>
      <LineageGraph root={node} direction="both" depth={1} height={380} />
    </div>
  );
}
