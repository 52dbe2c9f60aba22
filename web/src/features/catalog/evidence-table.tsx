import { CategoryBadge } from "./badges.tsx";
import type { Evidence } from "./types.ts";

/** Which detectors fired, on how many samples, with masked examples (never real values). */
export function EvidenceTable({ evidence, label }: { evidence: Evidence[]; label: string }) {
  if (evidence.length === 0) {
    return <p className="muted">No detector fired.</p>;
  }
  return (
    <div className="table-scroll">
      <table className="table table-compact" aria-label={label}>
        <thead>
          <tr>
            <th>Detector</th>
            <th>Signal</th>
            <th>Speaks for</th>
            <th>Matched / sampled</th>
            <th>Masked examples</th>
            <th>Note</th>
          </tr>
        </thead>
        <tbody>
          {evidence.map((e, i) => (
            // Evidence has no id; the same detector may speak twice (name and value).
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <tr key={`${e.detector}-${i}`}>
              <td className="mono">{e.detector}</td>
              <td>{e.signal}</td>
              <td>
                <CategoryBadge category={e.category} />
              </td>
              <td>
                {e.matched} / {e.sampled}
                {e.sampled > 0 && e.signal === "value" ? (
                  <span className="muted"> ({Math.round((e.matched / e.sampled) * 100)} %)</span>
                ) : null}
              </td>
              <td>
                {e.examples.length ? (
                  <span className="examples">
                    {e.examples.map((x, j) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: examples may repeat
                      <code key={j}>{x}</code>
                    ))}
                  </span>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="muted">{e.note ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
