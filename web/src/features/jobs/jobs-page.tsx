import { type FormEvent, useCallback, useEffect, useMemo, useState } from "react";
import { api, query } from "../../api/client.ts";
import type { JobRun, Page, QueueInfo } from "../../api/types.ts";
import { useSession } from "../../app/session.tsx";
import { DataTable, directionSort } from "../../components/data-table.tsx";
import { ProgressBar } from "../../components/progress-bar.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import { useLiveResource } from "../../components/use-live-resource.ts";
import { runColumns } from "./columns.tsx";
import { PayloadForm } from "./payload-form.tsx";
import { describeCron } from "./schedule-text.ts";

const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
const POLL_MS = 1_000;

type Triggered = { queue: string; jobId: string };

export function JobsPage() {
  const { can } = useSession();
  // Queue counts and the runs below follow the server's job events; polling only without them.
  const queues = useLiveResource<{ queues: QueueInfo[] }>("/api/v1/jobs", {
    topics: ["jobs"],
    fallbackMs: 3_000,
  });
  const [triggered, setTriggered] = useState<Triggered>();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string }>();
  const [reloadKey, setReloadKey] = useState(0);
  const [payloadFor, setPayloadFor] = useState<QueueInfo>();
  const lastEvent = queues.lastEvent;
  useEffect(() => {
    if (lastEvent) {
      setReloadKey((k) => k + 1);
    }
  }, [lastEvent]);

  const started = (queue: string, jobId: string) => {
    setTriggered({ queue, jobId });
    setPayloadFor(undefined);
    setReloadKey((k) => k + 1);
    queues.reload();
  };
  const run = async (queue: string) => {
    setMessage(undefined);
    try {
      const { jobId } = await api<{ jobId: string }>(
        `/api/v1/jobs/${encodeURIComponent(queue)}/run`,
        {
          method: "POST",
          body: {},
        },
      );
      started(queue, jobId);
    } catch (caught) {
      setMessage({ kind: "error", text: (caught as Error).message });
    }
  };

  const cancel = useCallback(async (runRow: JobRun) => {
    setMessage(undefined);
    try {
      await api(`/api/v1/jobs/${encodeURIComponent(runRow.queue)}/cancel`, {
        method: "POST",
        body: { jobId: runRow.queueJobId },
      });
      setMessage({ kind: "ok", text: `Cancelled ${runRow.queue} job ${runRow.queueJobId}.` });
      setReloadKey((k) => k + 1);
    } catch (caught) {
      setMessage({ kind: "error", text: (caught as Error).message });
    }
  }, []);

  const canRun = can("jobs:run");
  const reloadQueues = queues.reload;
  const refreshRuns = useCallback(() => {
    setReloadKey((k) => k + 1);
    reloadQueues();
  }, [reloadQueues]);
  const columns = useMemo(
    () => runColumns({ canCancel: canRun, onCancel: (r) => void cancel(r) }),
    [canRun, cancel],
  );

  return (
    <section>
      <h1>Jobs</h1>
      {message ? (
        <p className={message.kind === "ok" ? "notice" : "form-error"} role="status">
          {message.text}
        </p>
      ) : null}
      {triggered ? <TriggeredJob {...triggered} onSettled={refreshRuns} /> : null}
      {payloadFor ? (
        <PayloadForm
          queue={payloadFor}
          onStarted={(jobId) => started(payloadFor.queue, jobId)}
          onCancel={() => setPayloadFor(undefined)}
        />
      ) : null}

      <h2>Queues</h2>
      {queues.error ? (
        <ErrorState error={queues.error} onRetry={queues.reload} />
      ) : !queues.data ? (
        <Loading />
      ) : queues.data.queues.length === 0 ? (
        <Empty>No queues are defined.</Empty>
      ) : (
        <div className="table-scroll">
          <table className="table" aria-label="queues">
            <thead>
              <tr>
                <th>Queue</th>
                <th>Waiting</th>
                <th>Active</th>
                <th>Completed</th>
                <th>Failed</th>
                <th>Delayed</th>
                <th>Schedule</th>
                {can("jobs:run") ? <th>Run</th> : null}
              </tr>
            </thead>
            <tbody>
              {queues.data.queues.map((q) => (
                <tr key={q.queue} data-queue={q.queue}>
                  <td>
                    <strong>{q.queue}</strong>
                    {q.defined ? null : <span className="muted"> — not built yet</span>}
                  </td>
                  <td>{q.counts.waiting}</td>
                  <td>{q.counts.active}</td>
                  <td>{q.counts.completed}</td>
                  <td>{q.counts.failed}</td>
                  <td>{q.counts.delayed}</td>
                  <td>
                    {can("schedules:write") && q.defined ? (
                      <ScheduleEditor
                        queue={q}
                        onSaved={queues.reload}
                        onError={(text) => setMessage({ kind: "error", text })}
                      />
                    ) : q.schedule ? (
                      <span>
                        <code>{q.schedule.cron}</code> {q.schedule.enabled ? "" : "(paused)"}
                      </span>
                    ) : (
                      <span className="muted">none</span>
                    )}
                    {q.schedule ? <ScheduleText queue={q} /> : null}
                    {q.defined ? (
                      <SchedulerState
                        queue={q}
                        canReapply={can("schedules:write")}
                        onReapplied={(text) => {
                          setMessage({ kind: "ok", text });
                          queues.reload();
                        }}
                        onError={(text) => setMessage({ kind: "error", text })}
                      />
                    ) : null}
                  </td>
                  {can("jobs:run") ? (
                    <td>
                      {q.defined ? (
                        <span className="run-buttons">
                          <button
                            type="button"
                            className="button button-small button-primary"
                            onClick={() => void run(q.queue)}
                          >
                            Run now
                          </button>
                          {q.payload?.length ? (
                            <button
                              type="button"
                              className="button button-small"
                              onClick={() => setPayloadFor(q)}
                            >
                              Run with…
                            </button>
                          ) : null}
                        </span>
                      ) : (
                        <span className="muted">no job yet</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Runs</h2>
      <DataTable<JobRun>
        endpoint="/api/v1/jobs/runs"
        columns={columns}
        filters={[
          {
            key: "queue",
            label: "Queue",
            kind: "select",
            options: queues.data?.queues.map((q) => q.queue) ?? [],
          },
          { key: "status", label: "Status", kind: "select", options: RUN_STATUSES },
        ]}
        defaultSort="queuedAt:desc"
        serverSort={directionSort}
        pollMs={queues.mode === "polling" ? POLL_MS * 2 : undefined}
        reloadKey={reloadKey}
        emptyText="No job has run yet."
      />
    </section>
  );
}

/** Follows the job just triggered until it is done, failed or cancelled. */
function TriggeredJob({ queue, jobId, onSettled }: Triggered & { onSettled: () => void }) {
  const path = `/api/v1/jobs/runs${query({ queue, sort: "desc", page: 1, pageSize: 25 })}`;
  const [, setSettled] = useState(false);
  // Pushed over the event stream as the run moves; polled only when the stream is down.
  const runs = useLiveResource<Page<JobRun>>(path, { topics: ["jobs"], fallbackMs: POLL_MS });
  const latest = runs.data?.items.find((r) => r.queueJobId === jobId);
  const status = latest?.status ?? "queued";
  useEffect(() => {
    const done = status === "succeeded" || status === "cancelled";
    setSettled(done);
    if (done) {
      onSettled();
    }
  }, [status, onSettled]);
  const progress = status === "succeeded" ? 100 : (latest?.progress ?? 0);
  return (
    <div className="panel triggered" data-testid="triggered-job" data-job-id={jobId}>
      <div className="triggered-head">
        <strong>{queue}</strong> job {jobId}:{" "}
        <span className={`badge badge-${status}`}>{status}</span>
        {latest?.attempt && latest.attempt > 1 ? (
          <span className="muted"> attempt {latest.attempt}</span>
        ) : null}
      </div>
      <ProgressBar value={progress} status={status} label={`${queue} job ${jobId}`} />
      {latest?.error ? <p className="form-error">{latest.error}</p> : null}
      {runs.error ? <ErrorState error={runs.error} /> : null}
    </div>
  );
}

/** The schedule in words ("daily at 03:30 UTC") and when it runs next. */
function ScheduleText({ queue }: { queue: QueueInfo }) {
  const schedule = queue.schedule;
  if (!schedule) {
    return null;
  }
  const { text, next } = describeCron(schedule.cron);
  // The queue's own next run when it holds the schedule; else when it would run if switched on.
  const nextRun =
    queue.scheduler.state === "scheduled" && queue.scheduler.nextRunAt
      ? new Date(queue.scheduler.nextRunAt)
      : next;
  return (
    <div className="schedule-text" data-testid="schedule-text">
      <span>{text}</span>
      {schedule.enabled ? (
        nextRun ? (
          <span className="muted"> · next {formatNext(nextRun)}</span>
        ) : null
      ) : (
        <span className="muted"> · paused</span>
      )}
    </div>
  );
}

/** "07 Dec 03:30 UTC (in 7 h)": the UTC time the schedule speaks in, and how far off it is. */
function formatNext(at: Date): string {
  const utc = at.toLocaleString("en-GB", {
    timeZone: "UTC",
    day: "2-digit",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
  const minutes = Math.max(0, Math.round((at.getTime() - Date.now()) / 60_000));
  const away =
    minutes < 60
      ? `${minutes} min`
      : minutes < 48 * 60
        ? `${Math.round(minutes / 60)} h`
        : `${Math.round(minutes / 1440)} days`;
  return `${utc} UTC (in ${away})`;
}

const SCHEDULER_LABELS: Record<QueueInfo["scheduler"]["state"], { text: string; badge: string }> = {
  scheduled: { text: "scheduled", badge: "badge-succeeded" },
  missing: { text: "missing from the queue", badge: "badge-failed" },
  outdated: { text: "queue runs another cron", badge: "badge-queued" },
  unexpected: { text: "still scheduled though off", badge: "badge-queued" },
  off: { text: "off", badge: "" },
};

/**
 * What the queue really holds for this schedule, read from BullMQ: a schedule Redis lost shows
 * as missing (the worker re-creates it within a minute of Redis returning), and an admin can
 * re-create it at once.
 */
function SchedulerState({
  queue,
  canReapply,
  onReapplied,
  onError,
}: {
  queue: QueueInfo;
  canReapply: boolean;
  onReapplied: (text: string) => void;
  onError: (text: string) => void;
}) {
  const [busy, setBusy] = useState(false);
  const { state, pattern } = queue.scheduler;
  const label = SCHEDULER_LABELS[state];
  const schedule = queue.schedule;
  const reapply = async () => {
    if (!schedule) {
      return;
    }
    setBusy(true);
    try {
      await api(`/api/v1/jobs/${encodeURIComponent(queue.queue)}/schedule`, {
        method: "PUT",
        body: { cron: schedule.cron, enabled: schedule.enabled },
      });
      onReapplied(`The ${queue.queue} schedule is applied again.`);
    } catch (caught) {
      onError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="scheduler-state" data-scheduler-state={state}>
      <span className={`badge ${label.badge}`}>{label.text}</span>
      {state === "outdated" && pattern ? (
        <span className="muted">
          {" "}
          (<code>{pattern}</code>)
        </span>
      ) : null}
      {canReapply && schedule && state !== "scheduled" && state !== "off" ? (
        <button
          type="button"
          className="button button-small"
          disabled={busy}
          onClick={() => void reapply()}
        >
          {state === "missing" ? "Re-create" : "Re-apply"}
        </button>
      ) : null}
    </div>
  );
}

function ScheduleEditor({
  queue,
  onSaved,
  onError,
}: {
  queue: QueueInfo;
  onSaved: () => void;
  onError: (text: string) => void;
}) {
  const [busy, setBusy] = useState(false);
  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    try {
      await api(`/api/v1/jobs/${encodeURIComponent(queue.queue)}/schedule`, {
        method: "PUT",
        body: {
          cron: String(form.get("cron") ?? "").trim(),
          enabled: form.get("enabled") === "on",
        },
      });
      onSaved();
    } catch (caught) {
      onError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="schedule-editor"
      onSubmit={save}
      key={`${queue.schedule?.cron}-${queue.schedule?.enabled}`}
    >
      <input
        name="cron"
        aria-label={`${queue.queue} cron`}
        defaultValue={queue.schedule?.cron ?? ""}
        placeholder="*/10 * * * *"
        maxLength={100}
        required
      />
      <label className="field-inline">
        <input name="enabled" type="checkbox" defaultChecked={queue.schedule?.enabled ?? false} />
        <span>on</span>
      </label>
      <button type="submit" className="button button-small" disabled={busy}>
        Save
      </button>
    </form>
  );
}
