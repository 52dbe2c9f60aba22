import { useState } from "react";
import { Link } from "../../app/router.tsx";
import { LeakFindingFixes } from "../catalog/leak-fix.tsx";
import { formatBytes } from "./format.ts";
import type { Dataset, MaskedReport } from "./types.ts";

/**
 * The report of a masked copy in words and tables: rows per table, the masking rules applied,
 * the leak scan's figures and the timings. No raw JSON: a person reads it, the API serves it.
 */

/** The report as the provisioning engine wrote it, or undefined for another shape. */
export function maskedReportOf(report: unknown): Partial<MaskedReport> | undefined {
  return report && typeof report === "object" && !Array.isArray(report)
    ? (report as Partial<MaskedReport>)
    : undefined;
}

const seconds = (ms: number | undefined) =>
  ms === undefined ? "—" : `${(Math.round(ms / 100) / 10).toLocaleString()} s`;

/** A few lines under the dataset's detail, with the way to the full report. */
export function MaskedReportSummary({ dataset }: { dataset: Dataset }) {
  const r = maskedReportOf(dataset.report);
  if (!r) {
    return null;
  }
  const leak = r.leakScan;
  return (
    <div className="md-masked-report" data-testid="masked-report">
      {leak ? <LeakVerdict leak={leak} /> : null}
      {leak && !leak.clean ? <LeakFindingFixes findings={leak.findings} /> : null}
      {r.totalRows !== undefined ? (
        <p>
          {r.totalRows.toLocaleString()} rows
          {r.rowsPerSecond ? ` at ${r.rowsPerSecond.toLocaleString()} rows/s` : ""}
          {r.timings?.totalMs ? ` in ${seconds(r.timings.totalMs)}` : ""}
          {r.rules ? `, ${r.rules.length} masking rules applied` : ""}
          {r.keyFingerprint ? ` (key ${r.keyFingerprint})` : ""}.
        </p>
      ) : null}
      <Link
        to={`/masked-datasets?tab=datasets&dataset=${dataset.id}&view=report`}
        className="button button-small"
      >
        Open the report
      </Link>
    </div>
  );
}

function LeakVerdict({ leak }: { leak: MaskedReport["leakScan"] }) {
  return (
    <p className={leak.clean ? "notice" : "form-error"} data-testid="leak-verdict">
      Leak scan: {leak.clean ? "clean" : `${leak.findings.length} finding(s)`}:{" "}
      {leak.identifiers.toLocaleString()} source identifiers checked against{" "}
      {leak.values !== undefined ? `${leak.values.toLocaleString()} values of ` : ""}
      {leak.columns.toLocaleString()} target columns in {seconds(leak.ms)}.
    </p>
  );
}

function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="figure">
      <div className="figure-value">{value}</div>
      <div className="figure-label">{label}</div>
      {hint ? <div className="figure-hint muted">{hint}</div> : null}
    </div>
  );
}

const TIMING_LABELS: Record<string, string> = {
  gateMs: "Provisioning gate",
  schemaMs: "Schema",
  copyMs: "Copy and mask",
  constraintsMs: "Constraints and indexes",
  refreshMs: "Materialized views",
  leakScanMs: "Leak scan",
  totalMs: "Total",
};

/** The whole report of a masked copy as a page. */
export function MaskedReportView({ dataset }: { dataset: Dataset }) {
  const r = maskedReportOf(dataset.report);
  const [ruleFilter, setRuleFilter] = useState("");
  const back = `/masked-datasets?tab=datasets&dataset=${dataset.id}`;
  if (!r || dataset.kind !== "masked") {
    return (
      <div className="panel" data-testid="masked-report-page">
        <p className="muted">
          {dataset.name} has no masked-copy report
          {dataset.status === "ready" ? "." : ` yet (it is ${dataset.status}).`}
        </p>
        <Link to={back}>← {dataset.name}</Link>
      </div>
    );
  }
  const tables = Object.entries(r.tables ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const rules = (r.rules ?? []).filter((rule) =>
    `${rule.column} ${rule.path ?? ""} ${rule.category} ${rule.strategy}`
      .toLowerCase()
      .includes(ruleFilter.trim().toLowerCase()),
  );
  const strategies = new Map<string, number>();
  for (const rule of r.rules ?? []) {
    strategies.set(rule.strategy, (strategies.get(rule.strategy) ?? 0) + 1);
  }
  const leak = r.leakScan;
  return (
    <div className="md-report-page" data-testid="masked-report-page">
      <Link to={back}>← {dataset.name}</Link>
      <h2>Report of {dataset.name}</h2>
      <p className="muted">
        Masked copy into <code>{r.database ?? dataset.databaseName ?? "—"}</code>
        {r.subset?.tenants
          ? ` · ${r.subset.tenants.length} tenant(s)`
          : r.subset?.percent
            ? ` · ${r.subset.percent}% of customers`
            : " · every tenant"}
        {r.keyFingerprint ? ` · masking key ${r.keyFingerprint}` : ""}
      </p>
      <div className="figures">
        <Figure label="Rows copied" value={(r.totalRows ?? 0).toLocaleString()} />
        <Figure label="Tables" value={tables.length.toLocaleString()} />
        <Figure
          label="Masking rules"
          value={(r.rules?.length ?? 0).toLocaleString()}
          hint={[...strategies.entries()].map(([s, n]) => `${n} ${s}`).join(", ")}
        />
        <Figure
          label="Throughput"
          value={`${(r.rowsPerSecond ?? 0).toLocaleString()} rows/s`}
          hint={`in ${seconds(r.timings?.totalMs)}`}
        />
        <Figure label="Size" value={formatBytes(r.sizeBytes ?? dataset.sizeBytes)} />
      </div>

      <h3>Leak scan</h3>
      {leak ? (
        <>
          <LeakVerdict leak={leak} />
          <table className="table table-compact" aria-label="leak scan figures">
            <tbody>
              <tr>
                <th scope="row">Verdict</th>
                <td>{leak.clean ? "clean: no source identifier found" : "source data found"}</td>
              </tr>
              <tr>
                <th scope="row">Source identifiers checked</th>
                <td>{leak.identifiers.toLocaleString()}</td>
              </tr>
              <tr>
                <th scope="row">Target columns read</th>
                <td>{leak.columns.toLocaleString()}</td>
              </tr>
              <tr>
                <th scope="row">Values and JSON leaves read</th>
                <td>{(leak.values ?? 0).toLocaleString()}</td>
              </tr>
              <tr>
                <th scope="row">Findings</th>
                <td>{leak.findings.length.toLocaleString()}</td>
              </tr>
              <tr>
                <th scope="row">Time</th>
                <td>
                  {seconds(leak.ms)} scanning
                  {leak.identifiersMs !== undefined
                    ? `, ${seconds(leak.identifiersMs)} hashing the source`
                    : ""}
                </td>
              </tr>
            </tbody>
          </table>
          {leak.findings.length ? (
            <table className="table table-compact" aria-label="leak findings">
              <thead>
                <tr>
                  <th>Column of the copy</th>
                  <th>Rows holding a source identifier</th>
                </tr>
              </thead>
              <tbody>
                {leak.findings.map((f) => (
                  <tr key={f.column}>
                    <td className="mono">{f.column}</td>
                    <td>{f.rows.toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : (
        <p className="muted">The report holds no leak scan.</p>
      )}

      <h3>Rows per table</h3>
      <div className="table-scroll">
        <table className="table table-compact" aria-label="rows per table">
          <thead>
            <tr>
              <th>Table</th>
              <th className="num">Rows</th>
              <th className="num">Time</th>
              <th>Subset</th>
            </tr>
          </thead>
          <tbody>
            {tables.map(([table, t]) => (
              <tr key={table}>
                <td className="mono">{table}</td>
                <td className="num">{t.rows.toLocaleString()}</td>
                <td className="num">{seconds(t.ms)}</td>
                <td>{t.filtered ? "filtered to the subset" : "whole table"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h3>Masking rules applied</h3>
      <label className="field-inline" htmlFor="report-rule-filter">
        <span>Find</span>
        <input
          id="report-rule-filter"
          type="search"
          value={ruleFilter}
          placeholder="column, category or strategy"
          onChange={(e) => setRuleFilter(e.target.value)}
        />
      </label>
      <div className="table-scroll">
        <table className="table table-compact" aria-label="masking rules applied">
          <thead>
            <tr>
              <th>Column</th>
              <th>JSONB path</th>
              <th>Category</th>
              <th>Strategy</th>
              <th>From</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule) => (
              <tr key={`${rule.column}|${rule.path ?? ""}`}>
                <td className="mono">{rule.column}</td>
                <td className="mono">{rule.path ?? "—"}</td>
                <td>{rule.category}</td>
                <td>
                  <code>{rule.strategy}</code>
                </td>
                <td>{rule.source === "rule" ? "steward's rule" : "category default"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rules.length === 0 ? <p className="muted">No rule matches.</p> : null}

      <h3>Timings</h3>
      <table className="table table-compact" aria-label="timings">
        <tbody>
          {Object.entries(r.timings ?? {}).map(([key, ms]) => (
            <tr key={key}>
              <th scope="row">{TIMING_LABELS[key] ?? key}</th>
              <td className="num">{seconds(ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
