import type { Queue } from "bullmq";
import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import type { ScheduleState } from "../schema/domain/schedules.ts";
import type { Db } from "../schema/postgres.ts";
import type { JobDefinition } from "./job-definition.ts";
import type { JobQueues, QueueName, SchedulerState } from "./queues.ts";

/** A queue's schedule as admins edit it; stored in governance.settings under `schedule.<queue>`. */
export type Schedule = { cron: string; enabled: boolean };

export const ZSchedule = z.strictObject({
  cron: z.string().trim().min(9).max(100),
  enabled: z.boolean(),
});

/** The one BullMQ job scheduler a queue has: upserted under this id, so it is never duplicated. */
export function schedulerId(queue: QueueName): string {
  return `${queue}-default`;
}

export function settingKey(queue: QueueName): string {
  return `schedule.${queue}`;
}

/**
 * Checks a cron expression: five fields (minute granularity: a schedule firing every second
 * would flood the queue), parsed by cron-parser as BullMQ will. Returns the reason when invalid.
 */
export function cronProblem(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  }
  try {
    CronExpressionParser.parse(cron, { tz: "UTC" });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The stored schedule, or the job's default cron (enabled), or null when it has neither. */
export async function readSchedule(
  db: Db,
  queue: QueueName,
  defaultCron: string | undefined,
): Promise<Schedule | null> {
  const row = await db
    .selectFrom("governance.settings")
    .select("value")
    .where("key", "=", settingKey(queue))
    .executeTakeFirst();
  const stored = ZSchedule.safeParse(row?.value);
  if (stored.success && !cronProblem(stored.data.cron)) {
    return stored.data;
  }
  return defaultCron ? { cron: defaultCron, enabled: true } : null;
}

export async function saveSchedule(
  db: Db,
  queue: QueueName,
  schedule: Schedule,
  updatedBy: string,
): Promise<void> {
  const value = JSON.stringify({ cron: schedule.cron, enabled: schedule.enabled });
  await db
    .insertInto("governance.settings")
    .values({ key: settingKey(queue), value, updated_by: updatedBy })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({ value, updated_by: updatedBy, updated_at: new Date() }),
    )
    .execute();
}

/** Makes BullMQ match a schedule: upserts the queue's one scheduler, or removes it. */
export async function applySchedule(
  queue: Queue,
  name: QueueName,
  schedule: Schedule | null,
): Promise<void> {
  if (!schedule?.enabled) {
    await queue.removeJobScheduler(schedulerId(name));
    return;
  }
  await queue.upsertJobScheduler(
    schedulerId(name),
    { pattern: schedule.cron, tz: "UTC" },
    { name, data: { triggeredBy: "schedule" } },
  );
}

/** The state of a queue's schedule (schema/domain/schedules.ts says what each means). */
export function scheduleState(
  configured: Schedule | null,
  actual: SchedulerState | null,
): ScheduleState {
  if (!configured?.enabled) {
    return actual ? "unexpected" : "off";
  }
  if (!actual) {
    return "missing";
  }
  return actual.pattern === configured.cron ? "scheduled" : "outdated";
}

/**
 * Makes BullMQ's schedulers match the configured schedules: re-creates the missing (after Redis
 * restarted empty), fixes the outdated, removes the unexpected. Run at worker start, on every
 * reconnect and periodically. Returns the queues it changed.
 */
export async function syncSchedules(
  db: Db,
  queues: JobQueues,
  jobs: Partial<Record<QueueName, JobDefinition>>,
): Promise<{ queue: QueueName; was: ScheduleState }[]> {
  const changed: { queue: QueueName; was: ScheduleState }[] = [];
  for (const definition of Object.values(jobs)) {
    const configured = await readSchedule(db, definition.queue, definition.defaultCron);
    const was = scheduleState(configured, await queues.scheduler(definition.queue));
    if (was !== "scheduled" && was !== "off") {
      await queues.applySchedule(definition.queue, configured);
      changed.push({ queue: definition.queue, was });
    }
  }
  return changed;
}
