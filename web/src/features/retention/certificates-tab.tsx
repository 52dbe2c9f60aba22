import { useMemo, useState } from "react";
import { useSearchState } from "../../app/router.tsx";
import { type Columns, DataTable, formatTime } from "../../components/data-table.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { TenantName } from "../../components/tenant-picker.tsx";
import { useApi } from "../../components/use-api.ts";
import { type Verification, verifyCertificate } from "./certificate-verify.ts";
import { formatCount, shortId } from "./format.tsx";
import type { Certificate, CertificateSummary } from "./types.ts";
import "./retention.css";

const certificateUrl = (requestId: string) =>
  `/api/v1/retention/requests/${encodeURIComponent(requestId)}/certificate`;

/** Deletion certificates: proof of what was deleted, when, by whose request and approval. */
export function CertificatesTab() {
  const [search, setSearch] = useSearchState();
  const open = search.get("id");
  const columns = useMemo<Columns<CertificateSummary>>(
    () => [
      {
        id: "issuedAt",
        accessorKey: "issuedAt",
        header: "Issued",
        cell: ({ row }) => formatTime(row.original.issuedAt),
      },
      {
        id: "request",
        header: "Request",
        enableSorting: false,
        cell: ({ row }) => (
          <a
            className="link-button mono"
            href={`/retention?tab=certificates&id=${shortId(row.original.requestId)}`}
            title={row.original.requestId}
            onClick={(event) => {
              if (!event.metaKey && !event.ctrlKey && !event.shiftKey) {
                event.preventDefault();
                setSearch({ id: shortId(row.original.requestId) });
              }
            }}
          >
            {shortId(row.original.requestId)}
          </a>
        ),
      },
      {
        id: "kind",
        header: "Kind",
        enableSorting: false,
        cell: ({ row }) => <span className="badge">{row.original.kind}</span>,
      },
      {
        id: "policy",
        header: "Policy",
        enableSorting: false,
        cell: ({ row }) => row.original.policyId ?? "—",
      },
      {
        id: "tenant",
        header: "Tenant",
        enableSorting: false,
        cell: ({ row }) => <TenantName id={row.original.tenantId} />,
      },
      {
        id: "totalRows",
        header: "Rows",
        enableSorting: false,
        cell: ({ row }) => formatCount(row.original.totalRows),
      },
      {
        id: "download",
        header: "",
        enableSorting: false,
        cell: ({ row }) => (
          <a className="button button-small" href={certificateUrl(row.original.requestId)} download>
            Download
          </a>
        ),
      },
    ],
    [setSearch],
  );
  if (open) {
    return <CertificateView requestId={open} onBack={() => setSearch({ id: undefined })} />;
  }
  return (
    <DataTable<CertificateSummary>
      endpoint="/api/v1/retention/certificates"
      columns={columns}
      defaultSort="issuedAt:desc"
      emptyText="No certificate yet: one is issued when a deletion request finishes."
    />
  );
}

/**
 * One certificate as a readable page: who, when, what per table, the erasure proof per store and
 * table, a sha256 check recomputed in the browser, and a printable layout (Print / save as PDF).
 * `requestId` may be the short id a list shows.
 */
function CertificateView({ requestId, onBack }: { requestId: string; onBack: () => void }) {
  const certificate = useApi<Certificate>(certificateUrl(requestId));
  const [verification, setVerification] = useState<Verification | { error: string }>();
  const verify = async (data: Certificate) => {
    setVerification(undefined);
    try {
      setVerification(await verifyCertificate(data.requestId, data.body, data.sha256));
    } catch (caught) {
      setVerification({ error: (caught as Error).message });
    }
  };
  return (
    <div className="certificate certificate-print">
      <button type="button" className="button button-small button-ghost no-print" onClick={onBack}>
        ← All certificates
      </button>
      {certificate.error ? (
        <ErrorState error={certificate.error} onRetry={certificate.reload} />
      ) : !certificate.data ? (
        <Loading />
      ) : (
        <>
          <h2>
            {certificate.data.kind === "erasure" ? "Erasure" : "Deletion"} certificate{" "}
            <span className="mono">{shortId(certificate.data.requestId)}</span>
          </h2>
          <p className="muted">
            Request <span className="mono">{certificate.data.requestId}</span> · tenant{" "}
            <TenantName id={certificate.data.tenantId} /> · issued{" "}
            {formatTime(certificate.data.issuedAt)} · {formatCount(certificate.data.totalRows)} rows
          </p>
          <div className="form-actions no-print">
            <button
              type="button"
              className="button button-primary"
              onClick={() => certificate.data && void verify(certificate.data)}
            >
              Verify sha256
            </button>
            <button type="button" className="button" onClick={() => window.print()}>
              Print / save as PDF
            </button>
            <a className="button" href={certificateUrl(certificate.data.requestId)} download>
              Download JSON
            </a>
          </div>
          {verification ? (
            "error" in verification ? (
              <p className="form-error verify-result" role="status">
                Could not verify: {verification.error}
              </p>
            ) : (
              <p
                className={`verify-result ${verification.valid ? "notice" : "form-error"}`}
                role="status"
                data-testid="verify-result"
              >
                {verification.valid
                  ? "Verified: the sha256 recomputed "
                  : "Does NOT match: the sha256 recomputed "}
                {verification.where === "browser" ? "in this browser" : "by the server"} over the
                certificate's canonical JSON is{" "}
                <span className="mono">{verification.recomputed}</span>
                {verification.valid
                  ? ", the one stored when it was issued."
                  : `; stored: ${verification.expected}.`}
              </p>
            )
          ) : null}
          <CertificateSummaryView body={certificate.data.body} sha256={certificate.data.sha256} />
          <ErasureProofView proof={certificate.data.body.proof} />
          <details className="no-print">
            <summary>The certificate as stored (JSON)</summary>
            <pre className="certificate-body" data-testid="certificate-body">
              {JSON.stringify(certificate.data.body, null, 2)}
            </pre>
          </details>
        </>
      )}
    </div>
  );
}

type CertificateTables = Record<
  string,
  { planned?: number; done?: number; action?: string; archived?: number | null; skipped?: number }
>;
type CertificateFile = { table?: string; path?: string; rows?: number; sha256?: string };

/** The certificate in words and tables: who, when, what per table, and the archive's checksums. */
function CertificateSummaryView({
  body,
  sha256,
}: {
  body: Record<string, unknown>;
  sha256: string;
}) {
  const text = (key: string) => (typeof body[key] === "string" ? (body[key] as string) : null);
  const tables = (body.tables ?? {}) as CertificateTables;
  const archive = body.archive as { files?: CertificateFile[]; manifestSha256?: string } | null;
  return (
    <div className="certificate-summary">
      <dl className="facts">
        <dt>Requested by</dt>
        <dd>
          {text("requestedBy") ?? "—"} · {formatTime(text("requestedAt"))}
        </dd>
        <dt>Approved by</dt>
        <dd>
          {text("approvedBy") ?? "policy (below threshold)"} · {formatTime(text("approvedAt"))}
          {text("approvalReason") ? ` — ${text("approvalReason")}` : ""}
        </dd>
        <dt>Executed by</dt>
        <dd>
          {text("executedBy") ?? "—"} · {formatTime(text("startedAt"))} →{" "}
          {formatTime(text("finishedAt"))}
        </dd>
        <dt>Fingerprint</dt>
        <dd className="mono">{text("fingerprint") ?? "—"}</dd>
        <dt>Certificate sha256</dt>
        <dd className="mono">{sha256}</dd>
      </dl>
      <div className="table-scroll">
        <table className="table table-compact" aria-label="certified counts per table">
          <thead>
            <tr>
              <th>Table</th>
              <th>Action</th>
              <th>Planned</th>
              <th>Done</th>
              <th>Archived</th>
              <th>Skipped (held)</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(tables).map(([table, row]) => (
              <tr key={table}>
                <td>
                  <code>{table}</code>
                </td>
                <td>{row.action?.replaceAll("_", " ") ?? "—"}</td>
                <td>{formatCount(row.planned)}</td>
                <td>{formatCount(row.done)}</td>
                <td>{formatCount(row.archived ?? undefined)}</td>
                <td>{formatCount(row.skipped)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {archive?.files?.length ? (
        <div className="table-scroll">
          <table className="table table-compact" aria-label="archive files">
            <thead>
              <tr>
                <th>Archive file</th>
                <th>Rows</th>
                <th>sha256</th>
              </tr>
            </thead>
            <tbody>
              {archive.files.map((file) => (
                <tr key={file.path}>
                  <td className="mono">{file.path}</td>
                  <td>{formatCount(file.rows)}</td>
                  <td className="mono">{file.sha256}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

type StoreProof = {
  tables?: number;
  columns?: number;
  matches?: Record<string, number>;
  byTable?: Record<string, number>;
};
type ProofBody = {
  identifiers?: { kind: string; sha256: string }[];
  postgres?: StoreProof;
  clickhouse?: StoreProof;
  clean?: boolean;
  checkedAt?: string;
  analyticsRowsErased?: Record<string, number>;
};

/**
 * An erasure's proof: for each store and table searched, how many rows still hold one of the
 * person's identifiers (0 everywhere is the promise), and the identifiers by sha256 only.
 */
function ErasureProofView({ proof }: { proof: unknown }) {
  if (!proof || typeof proof !== "object") {
    return null;
  }
  const p = proof as ProofBody;
  const rows: { store: string; table: string; matches: number }[] = [];
  for (const [store, part] of [
    ["postgres", p.postgres],
    ["clickhouse", p.clickhouse],
  ] as const) {
    for (const [table, matches] of Object.entries(part?.byTable ?? {})) {
      rows.push({
        store,
        table: store === "clickhouse" ? `clickhouse:${table}` : `postgres:${table}`,
        matches,
      });
    }
  }
  const kinds = (store: StoreProof | undefined) =>
    Object.entries(store?.matches ?? {})
      .map(([kind, n]) => `${kind}: ${n}`)
      .join(", ") || "—";
  return (
    <section className="erasure-proof" aria-label="erasure proof">
      <h3>Proof of erasure</h3>
      <p className={p.clean ? "proof-clean" : "proof-dirty"} data-testid="proof-verdict">
        {p.clean
          ? "No trace left: every table searched holds 0 rows with the person's identifiers."
          : "Traces remain: some rows still hold the person's identifiers (see below)."}
      </p>
      <dl className="facts">
        <dt>Checked</dt>
        <dd>{formatTime(p.checkedAt ?? null)}</dd>
        <dt>Identifiers (sha256 only)</dt>
        <dd>
          {(p.identifiers ?? []).map((i) => (
            <div key={`${i.kind}-${i.sha256}`}>
              {i.kind} <span className="mono">{i.sha256.slice(0, 16)}…</span>
            </div>
          ))}
        </dd>
        <dt>Operational store (PostgreSQL)</dt>
        <dd>
          {formatCount(p.postgres?.tables)} tables searched · matches by kind {kinds(p.postgres)}
        </dd>
        <dt>Analytics store (ClickHouse)</dt>
        <dd>
          {formatCount(p.clickhouse?.tables)} tables, {formatCount(p.clickhouse?.columns)} text
          columns searched · matches by kind {kinds(p.clickhouse)}
        </dd>
      </dl>
      {rows.length > 0 ? (
        <div className="table-scroll">
          <table className="table table-compact" aria-label="matches found per store and table">
            <thead>
              <tr>
                <th>Store</th>
                <th>Table</th>
                <th>Matches found</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.table}>
                  <td>{row.store}</td>
                  <td>
                    <code>{row.table}</code>
                  </td>
                  <td className={row.matches === 0 ? "proof-clean" : "proof-dirty"}>
                    {formatCount(row.matches)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">
          This certificate predates per-table counts: the totals above cover every table.
        </p>
      )}
    </section>
  );
}
