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
          <pre className="certificate-body" data-testid="certificate-body">
            {JSON.stringify(certificate.data.body, null, 2)}
          </pre>
        </>
      )}
    </div>
  );
}
