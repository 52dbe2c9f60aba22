/**
 * The deadline of a data-subject access request. GDPR (art. 12(3)) gives one month, taken here as
 * 30 days; CCPA (§1798.130) gives 45 days. The day of receipt is day 0, so a request received on
 * 1 January under GDPR may be answered through 31 January and is overdue from 1 February, 00:00
 * UTC. Every function takes `now`, so a test (or a replay) fixes the clock.
 */

export const REGULATIONS = ["gdpr", "ccpa"] as const;
export type Regulation = (typeof REGULATIONS)[number];

export const DEADLINE_DAYS: Record<Regulation, number> = { gdpr: 30, ccpa: 45 };

const DAY_MS = 86_400_000;

/** The regulation a tenant's hosting region implies: EU regions GDPR, every other one CCPA. */
export function regulationForRegion(region: string | null | undefined): Regulation {
  return region?.toLowerCase().startsWith("eu-") ? "gdpr" : "ccpa";
}

/** The first instant the request is overdue: midnight UTC after the last day to answer. */
export function dueAt(receivedAt: Date, regulation: Regulation): Date {
  const day0 = Date.UTC(
    receivedAt.getUTCFullYear(),
    receivedAt.getUTCMonth(),
    receivedAt.getUTCDate(),
  );
  return new Date(day0 + (DEADLINE_DAYS[regulation] + 1) * DAY_MS);
}

/** The last day to answer (YYYY-MM-DD, UTC): the day before `dueAt`. */
export function lastDay(due: Date): string {
  return new Date(due.getTime() - 1).toISOString().slice(0, 10);
}

export type DeadlineState = {
  regulation: Regulation;
  /** The last day to answer (YYYY-MM-DD, UTC). */
  lastDay: string;
  dueAt: string;
  /** Whole days left including today (0 once overdue); null once answered. */
  daysLeft: number | null;
  /** open: time left; due_today: the last day; overdue: past it; answered / answered_late. */
  state: "open" | "due_today" | "overdue" | "answered" | "answered_late";
};

/** Where a request stands against its deadline at `now` (answeredAt: when its package was made). */
export function deadlineState(input: {
  regulation: Regulation;
  dueAt: Date;
  answeredAt: Date | null;
  now: Date;
}): DeadlineState {
  const base = {
    regulation: input.regulation,
    lastDay: lastDay(input.dueAt),
    dueAt: input.dueAt.toISOString(),
  };
  if (input.answeredAt) {
    return {
      ...base,
      daysLeft: null,
      state: input.answeredAt < input.dueAt ? "answered" : "answered_late",
    };
  }
  if (input.now >= input.dueAt) {
    return { ...base, daysLeft: 0, state: "overdue" };
  }
  const today = Date.UTC(
    input.now.getUTCFullYear(),
    input.now.getUTCMonth(),
    input.now.getUTCDate(),
  );
  const daysLeft = Math.round((input.dueAt.getTime() - today) / DAY_MS);
  return { ...base, daysLeft, state: daysLeft <= 1 ? "due_today" : "open" };
}
