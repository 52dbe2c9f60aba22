import { Link } from "../../app/router.tsx";
import { type Columns, formatTime } from "../../components/data-table.tsx";
import { tableName } from "../../components/table-name.ts";
import { CategoryBadge, Confidence, SensitivityBadge, StatusBadge } from "./badges.tsx";
import type { CatalogColumn } from "./types.ts";

/** The catalog table's columns; `detailHref` keeps the current filters in the link. */
export function catalogColumns(detailHref: (id: string) => string): Columns<CatalogColumn> {
  return [
    {
      id: "table",
      // An accessor makes the header a sort button; the server does the sorting.
      accessorFn: (r) => `${r.schema}.${r.table}`,
      header: "Table",
      cell: ({ row }) => <span className="mono">{tableName(row.original)}</span>,
    },
    {
      id: "column",
      accessorFn: (r) => r.column,
      header: "Column",
      cell: ({ row }) => (
        <Link to={detailHref(row.original.id)} className="mono column-link">
          {row.original.column}
          {row.original.jsonPath ? (
            <span className="json-path"> → {row.original.jsonPath}</span>
          ) : null}
        </Link>
      ),
    },
    {
      id: "type",
      header: "Type",
      enableSorting: false,
      cell: ({ row }) => (
        <span className="mono muted">
          {row.original.dataType}
          {row.original.isNullable ? "" : " not null"}
        </span>
      ),
    },
    {
      id: "category",
      accessorFn: (r) => r.effectiveCategory,
      header: "Category",
      cell: ({ row }) => <CategoryBadge category={row.original.effectiveCategory} />,
    },
    {
      id: "sensitivity",
      accessorFn: (r) => r.effectiveSensitivity,
      header: "Sensitivity",
      cell: ({ row }) => <SensitivityBadge sensitivity={row.original.effectiveSensitivity} />,
    },
    {
      id: "confidence",
      accessorFn: (r) => r.confidence,
      header: "Confidence",
      cell: ({ row }) => <Confidence value={row.original.confidence} />,
    },
    {
      id: "status",
      accessorFn: (r) => r.reviewStatus,
      header: "Review",
      cell: ({ row }) => (
        <StatusBadge
          status={row.original.reviewStatus}
          needsRereview={row.original.needsRereview}
          unclassifiable={row.original.unclassifiableReason}
        />
      ),
    },
    {
      id: "quality",
      header: "Quality",
      enableSorting: false,
      cell: ({ row }) => {
        const score = row.original.qualityScore ?? row.original.tableQualityScore;
        if (score === null || score === undefined) {
          return <span className="muted">—</span>;
        }
        const which = row.original.qualityScore != null ? "column" : "table";
        return (
          <span
            className={
              score >= 0.99 ? "quality-good" : score >= 0.9 ? "quality-warn" : "quality-bad"
            }
            title={`Data-quality score of the ${which}'s rules`}
          >
            {(score * 100).toFixed(1)}%{which === "table" ? " (table)" : ""}
          </span>
        );
      },
    },
    {
      id: "classifiedAt",
      accessorFn: (r) => r.classifiedAt,
      header: "Classified",
      cell: ({ row }) => formatTime(row.original.classifiedAt),
    },
  ];
}
