import { sql } from "kysely";
import type { QueueName } from "../../../jobs/queues.ts";
import type { TableProgress } from "../../../masking/datasets.repository.ts";
import type { Permission } from "../../../schema/domain/permissions.ts";
import { type AppDeps, jobQueuesOf } from "../../api/context.ts";

/**
 * What the console can watch live, and who may: each topic carries the states of one kind of
 * running work, readable by the roles that may read that work.
 */
export const LIVE_TOPICS = {
  jobs: "jobs:read",
  datasets: "masking:read",
  retention: "retention:read",
} as const satisfies Record<string, Permission>;
export type LiveTopic = keyof typeof LIVE_TOPICS;

/** One change of one piece of running work: its state and, where it reports one, progress. */
export type LiveEvent = {
  topic: LiveTopic;
  id: string;
  status: string;
  /** 0..100 where the work reports it, else null. */
  progress: number | null;
};

type Listener = (event: LiveEvent) => void;

/** Work that finished longer ago than this no longer changes: it leaves the watch. */
const RECENT = "10 minutes";
const WATCHED = 500;

const percent = (done: number, total: number) =>
  total > 0 ? Math.max(0, Math.min(100, Math.round((done / total) * 100))) : null;

async function jobStates(deps: AppDeps): Promise<LiveEvent[]> {
  const rows = await sql<{
    id: string;
    queue: string;
    queue_job_id: string | null;
    status: string;
  }>`
    SELECT id, queue, queue_job_id, status FROM governance.job_runs
    WHERE status IN ('queued', 'running') OR finished_at > now() - ${RECENT}::interval
    ORDER BY queued_at DESC LIMIT ${WATCHED}`.execute(deps.db);
  const jobs = jobQueuesOf(deps);
  return Promise.all(
    rows.rows.map(async (row) => {
      // Running jobs report progress to BullMQ, not to the database; without Redis there is
      // still the state.
      const progress =
        row.status === "running" && row.queue_job_id
          ? await jobs.progress(row.queue as QueueName, row.queue_job_id).catch(() => null)
          : null;
      return {
        topic: "jobs" as const,
        id: row.id,
        status: row.status,
        progress: row.status === "succeeded" ? 100 : progress,
      };
    }),
  );
}

async function datasetStates(deps: AppDeps): Promise<LiveEvent[]> {
  const rows = await sql<{ id: string; status: string; progress: Record<string, TableProgress> }>`
    SELECT id, status, progress FROM governance.datasets
    WHERE finished_at IS NULL OR finished_at > now() - ${RECENT}::interval
    ORDER BY created_at DESC LIMIT ${WATCHED}`.execute(deps.db);
  return rows.rows.map((row) => ({
    topic: "datasets" as const,
    id: row.id,
    status: row.status,
    progress: datasetProgress(row.progress),
  }));
}

/** A dataset's progress from its per-table map: rows copied of rows expected, else tables done. */
function datasetProgress(progress: Record<string, TableProgress> | null): number | null {
  const tables = Object.values(progress ?? {});
  if (tables.length === 0) {
    return null;
  }
  if (tables.every((t) => typeof t.expected === "number" && t.expected > 0)) {
    const expected = tables.reduce((sum, t) => sum + (t.expected ?? 0), 0);
    const rows = tables.reduce((sum, t) => sum + Math.min(t.rows, t.expected ?? 0), 0);
    return percent(rows, expected);
  }
  return percent(tables.filter((t) => t.status === "done").length, tables.length);
}

async function retentionStates(deps: AppDeps): Promise<LiveEvent[]> {
  const rows = await sql<{ id: string; status: string; total_rows: number; done: number }>`
    SELECT r.id, r.status, r.total_rows,
      CASE WHEN r.status = 'running'
        THEN (SELECT count(*) FROM governance.retention_ledger l WHERE l.request_id = r.id)
        ELSE 0 END::int AS done
    FROM governance.retention_requests r
    WHERE r.status IN ('pending_approval', 'approved', 'running')
       OR r.finished_at > now() - ${RECENT}::interval
    ORDER BY r.created_at DESC LIMIT ${WATCHED}`.execute(deps.db);
  return rows.rows.map((row) => ({
    topic: "retention" as const,
    id: row.id,
    status: row.status,
    progress:
      row.status === "running"
        ? percent(Number(row.done), Number(row.total_rows))
        : row.status === "done"
          ? 100
          : null,
  }));
}

const SNAPSHOTS: Record<LiveTopic, (deps: AppDeps) => Promise<LiveEvent[]>> = {
  jobs: jobStates,
  datasets: datasetStates,
  retention: retentionStates,
};

/**
 * One watcher per app, however many browsers listen: while anyone listens it reads the states of
 * running and recently finished work every `intervalMs` and tells listeners what changed. A
 * topic's first read only sets its baseline: a listener loads the current state itself, then
 * follows the changes.
 */
export class ChangeFeed {
  private readonly listeners = new Map<Listener, Set<LiveTopic>>();
  private readonly last = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  /** Topics read at least once since listening began: their first read is the baseline. */
  private readonly primed = new Set<LiveTopic>();

  constructor(
    private readonly deps: AppDeps,
    private readonly intervalMs = 1_000,
  ) {}

  subscribe(topics: Set<LiveTopic>, listener: Listener): () => void {
    this.listeners.set(listener, topics);
    if (!this.timer) {
      this.primed.clear();
      this.last.clear();
      this.timer = setInterval(() => void this.read(), this.intervalMs);
      this.timer.unref();
      void this.read();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private async read(): Promise<void> {
    if (this.reading) {
      return; // a slow read is not overtaken by the next one
    }
    this.reading = true;
    try {
      const wanted = new Set([...this.listeners.values()].flatMap((topics) => [...topics]));
      const states = (
        await Promise.all(
          [...wanted].map((topic) =>
            SNAPSHOTS[topic](this.deps).catch((error: Error) => {
              this.deps.logger.warn("live feed read failed", { topic, error: error.message });
              return undefined;
            }),
          ),
        )
      ).flat();
      const seen = new Set<string>();
      for (const state of states) {
        if (!state) {
          continue;
        }
        const key = `${state.topic}:${state.id}`;
        const print = `${state.status}:${state.progress}`;
        seen.add(key);
        if (this.last.get(key) !== print) {
          this.last.set(key, print);
          if (this.primed.has(state.topic)) {
            this.emit(state);
          }
        }
      }
      for (const key of this.last.keys()) {
        if (!seen.has(key) && wanted.has(key.split(":")[0] as LiveTopic)) {
          this.last.delete(key);
        }
      }
      for (const topic of wanted) {
        this.primed.add(topic);
      }
    } finally {
      this.reading = false;
    }
  }

  private emit(event: LiveEvent): void {
    for (const [listener, topics] of this.listeners) {
      if (topics.has(event.topic)) {
        listener(event);
      }
    }
  }
}

const FEEDS = new WeakMap<AppDeps, ChangeFeed>();

/** The app's one change feed. */
export function changeFeedOf(deps: AppDeps): ChangeFeed {
  let feed = FEEDS.get(deps);
  if (!feed) {
    feed = new ChangeFeed(deps);
    FEEDS.set(deps, feed);
  }
  return feed;
}
