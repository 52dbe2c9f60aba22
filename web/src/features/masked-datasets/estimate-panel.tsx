import { useEffect, useState } from "react";
import { api } from "../../api/client.ts";
import { formatBytes } from "./format.ts";
import type { DatasetEstimate } from "./types.ts";

/**
 * What a request would weigh, asked of the server as the form changes (debounced): estimated
 * rows and bytes against the signed-in person's size limit. Over the limit, the form's submit is
 * disabled and the message says why; the server refuses such a request anyway (413).
 */
export function useEstimate(body: Record<string, unknown> | null): {
  estimate?: DatasetEstimate;
  error?: string;
} {
  const key = body ? JSON.stringify(body) : "";
  const [state, setState] = useState<{ estimate?: DatasetEstimate; error?: string }>({});
  useEffect(() => {
    if (!key) {
      setState({});
      return;
    }
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      api<DatasetEstimate>("/api/v1/datasets/estimate", {
        method: "POST",
        body: JSON.parse(key),
        signal: controller.signal,
      })
        .then((estimate) => setState({ estimate }))
        .catch((caught: Error) => {
          if (!controller.signal.aborted) {
            setState({ error: caught.message });
          }
        });
    }, 300);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [key]);
  return state;
}

export function EstimatePanel({ estimate, error }: { estimate?: DatasetEstimate; error?: string }) {
  if (error) {
    return <p className="muted">No estimate: {error}</p>;
  }
  if (!estimate) {
    return <p className="muted">Estimating…</p>;
  }
  return (
    <div
      className={estimate.allowed ? "md-estimate" : "md-estimate form-error"}
      role={estimate.allowed ? "status" : "alert"}
      data-testid="dataset-estimate"
    >
      Estimated {estimate.estimate.rows.toLocaleString()} rows,{" "}
      {formatBytes(estimate.estimate.bytes)} ({estimate.estimate.basis}). Your limit (
      {estimate.role}
      ): {estimate.limit.rows.toLocaleString()} rows, {formatBytes(estimate.limit.bytes)}.
      {estimate.allowed
        ? null
        : " Over the limit: ask for fewer tenants or a smaller share, or ask an admin to request it."}
    </div>
  );
}
