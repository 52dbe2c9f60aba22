import { useEffect, useState } from "react";
import { api, query } from "../../api/client.ts";
import type { JobRun, Page } from "../../api/types.ts";
import { ProgressBar } from "../../components/progress-bar.tsx";
import { useApi } from "../../components/use-api.ts";

/** "Scan now": queues the classify job and follows it to the end. */
export function ScanButton({ onFinished }: { onFinished: () => void }) {
  const [jobId, setJobId] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await api<{ jobId: string }>("/api/v1/catalog/scan", {
        method: "POST",
        body: {},
      });
      setJobId(result.jobId);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="scan">
      <button type="button" className="button" disabled={busy} onClick={() => void start()}>
        Scan now
      </button>
      {error ? (
        <span className="form-error" role="alert">
          {error}
        </span>
      ) : null}
      {jobId ? <ScanProgress jobId={jobId} onFinished={onFinished} /> : null}
    </div>
  );
}

function ScanProgress({ jobId, onFinished }: { jobId: string; onFinished: () => void }) {
  const [done, setDone] = useState(false);
  const runs = useApi<Page<JobRun>>(
    `/api/v1/jobs/runs${query({ queue: "classify", sort: "desc", page: 1, pageSize: 25 })}`,
    { pollMs: done ? undefined : 1_000 },
  );
  const run = runs.data?.items.find((r) => r.queueJobId === jobId);
  const status = run?.status ?? "queued";
  useEffect(() => {
    if (!done && (status === "succeeded" || status === "cancelled")) {
      setDone(true);
      onFinished();
    }
  }, [status, done, onFinished]);
  return (
    <div className="scan-progress" data-testid="scan-job">
      <ProgressBar
        value={status === "succeeded" ? 100 : (run?.progress ?? 0)}
        status={status}
        label={`catalog scan ${jobId}`}
      />
      {run?.error ? <span className="form-error">{run.error}</span> : null}
    </div>
  );
}
