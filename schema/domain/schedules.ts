/**
 * How a queue's configured schedule compares with the scheduler BullMQ actually holds, shared by
 * the jobs API (jobs/schedules.ts) and the console:
 * - `scheduled`: in force as configured;
 * - `missing`: configured but absent from the queue (Redis lost it; the worker re-creates it on
 *   reconnect and every minute, or an admin re-applies it);
 * - `outdated`: present with another cron than configured;
 * - `unexpected`: present though the schedule is disabled;
 * - `off`: disabled (or no schedule) and absent.
 */
export const SCHEDULE_STATES = ["scheduled", "missing", "outdated", "unexpected", "off"] as const;
export type ScheduleState = (typeof SCHEDULE_STATES)[number];
