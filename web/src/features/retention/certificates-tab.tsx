import { useMemo } from "react";
import { useSearchState } from "../../app/router.tsx";
import { type Columns, DataTable, formatTime } from "../../components/data-table.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { useApi } from "../../components/use-api.ts";
import { formatCount, shortId } from "./format.tsx";
import type { Certificate, CertificateSummary } from "./types.ts";

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
          <button
            type="button"
            className="link-button mono"
            onClick={() => setSearch({ id: row.original.requestId })}
          >
            {shortId(row.original.requestId)}
          </button>
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
        cell: ({ row }) => <span className="mono">{shortId(row.original.tenantId)}</span>,
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

function CertificateView({ requestId, onBack }: { requestId: string; onBack: () => void }) {
  const certificate = useApi<Certificate>(certificateUrl(requestId));
  return (
    <div className="certificate">
      <button type="button" className="button button-small button-ghost" onClick={onBack}>
        ← All certificates
      </button>
      {certificate.error ? (
        <ErrorState error={certificate.error} onRetry={certificate.reload} />
      ) : !certificate.data ? (
        <Loading />
      ) : (
        <>
          <h2>
            Deletion certificate <span className="mono">{shortId(certificate.data.requestId)}</span>
          </h2>
          <p className="muted">
            Request <span className="mono">{certificate.data.requestId}</span> · issued{" "}
            {formatTime(certificate.data.issuedAt)} · {formatCount(certificate.data.totalRows)} rows
          </p>
          <a className="button button-primary" href={certificateUrl(requestId)} download>
            Download JSON
          </a>
          <CertificateSummaryView body={certificate.data.body} sha256={certificate.data.sha256} />
          <h3>As stored</h3>
          <pre className="certificate-body" data-testid="certificate-body">
            {JSON.stringify(certificate.data.body, null, 2)}
          </pre>
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
