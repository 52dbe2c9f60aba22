import { LeakFindingFixes } from "../catalog/leak-fix.tsx";

/** The report of a masked copy in words: rows, rules, the leak scan's verdict, timings. */

type MaskedReport = {
  totalRows?: number;
  rowsPerSecond?: number;
  keyFingerprint?: string;
  tables?: Record<string, { rows: number; ms: number; filtered: boolean }>;
  rules?: { column: string; path?: string; category: string; strategy: string; source: string }[];
  leakScan?: {
    clean: boolean;
    identifiers: number;
    columns: number;
    values?: number;
    findings: { column: string; rows: number }[];
    ms: number;
  };
  timings?: Record<string, number>;
};

export function MaskedReportSummary({ report }: { report: unknown }) {
  const r = (report ?? {}) as MaskedReport;
  const leak = r.leakScan;
  return (
    <div className="md-masked-report" data-testid="masked-report">
      {leak ? (
        <p className={leak.clean ? undefined : "form-error"}>
          Leak scan: {leak.clean ? "clean" : `${leak.findings.length} finding(s)`}:{" "}
          {leak.identifiers.toLocaleString()} source identifiers checked against{" "}
          {leak.values !== undefined ? `${leak.values.toLocaleString()} values of ` : ""}
          {leak.columns.toLocaleString()} target columns in {Math.round(leak.ms / 100) / 10} s.
        </p>
      ) : null}
      {leak && !leak.clean ? (
        <ul className="form-error" data-testid="leak-findings">
          {leak.findings.map((f) => (
            <li key={f.column}>
              <code>{f.column}</code>: {f.rows.toLocaleString()} row(s) hold a source identifier
            </li>
          ))}
        </ul>
      ) : null}
      {leak && !leak.clean ? <LeakFindingFixes findings={leak.findings} /> : null}
      {r.totalRows !== undefined ? (
        <p>
          {r.totalRows.toLocaleString()} rows
          {r.rowsPerSecond ? ` at ${r.rowsPerSecond.toLocaleString()} rows/s` : ""}
          {r.timings?.totalMs ? ` in ${Math.round(r.timings.totalMs / 100) / 10} s` : ""}
          {r.rules ? `, ${r.rules.length} masking rules applied` : ""}
          {r.keyFingerprint ? ` (key ${r.keyFingerprint})` : ""}.
        </p>
      ) : null}
      <details>
        <summary>Full report</summary>
        <pre className="md-json">{JSON.stringify(report, null, 2)}</pre>
      </details>
    </div>
  );
}
