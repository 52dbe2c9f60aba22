import { CategoryBadge, Confidence, entryName, SensitivityBadge } from "./badges.tsx";
import type { CatalogColumn } from "./types.ts";

/**
 * One page of the open proposals a bulk decision would decide, with its pager: what a steward
 * checks before committing a bulk accept or reject.
 */
export function ProposalsTable({
  items,
  label,
  total,
  page,
  pageSize,
  onPage,
  sensitivity = false,
}: {
  items: CatalogColumn[];
  /** The table's accessible name (what the decision will do to these). */
  label: string;
  total: number;
  page: number;
  pageSize: number;
  onPage: (page: number) => void;
  /** Show the proposed sensitivity next to the category (accepting decides both). */
  sensitivity?: boolean;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <div className="bulk-columns">
      <div className="table-scroll">
        <table className="table table-compact" aria-label={label}>
          <thead>
            <tr>
              <th>Column</th>
              <th>Proposal</th>
              <th>Confidence</th>
            </tr>
          </thead>
          <tbody>
            {items.map((column) => (
              <tr key={column.id}>
                <td className="mono">{entryName(column)}</td>
                <td>
                  <CategoryBadge category={column.proposedCategory} />
                  {sensitivity ? (
                    <>
                      {" "}
                      <SensitivityBadge sensitivity={column.proposedSensitivity} />
                    </>
                  ) : null}
                </td>
                <td>
                  <Confidence value={column.confidence} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 ? (
        <div className="pager">
          <span className="muted">
            Page {page} of {pages} · {total.toLocaleString()} columns
          </span>
          <button
            type="button"
            className="button button-small"
            disabled={page <= 1}
            onClick={() => onPage(page - 1)}
          >
            Previous
          </button>
          <button
            type="button"
            className="button button-small"
            disabled={page >= pages}
            onClick={() => onPage(page + 1)}
          >
            Next
          </button>
        </div>
      ) : null}
    </div>
  );
}
