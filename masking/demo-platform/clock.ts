import { PAD2 } from "./copy-text.ts";

/**
 * Time for the demo platform: every timestamp is an explicit offset from `asOf` (never now()), so
 * the same options produce the same rows on any day. Formatting goes through a per-day string
 * cache because Date#toISOString costs more than the rest of a row's fields together.
 */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** How far back the platform's history reaches. */
export const HISTORY_DAYS = 730;

export class Clock {
  /** End of history (exclusive): the `asOf` instant. */
  readonly end: number;
  /** Start of history: HISTORY_DAYS before `asOf`. */
  readonly start: number;
  private readonly dayCache = new Map<number, string>();

  constructor(asOf: Date) {
    this.end = asOf.getTime();
    this.start = this.end - HISTORY_DAYS * DAY;
  }

  /** Day number (days since the epoch, UTC) of an instant. */
  dayOf(ms: number): number {
    return Math.floor(ms / DAY);
  }

  /** "YYYY-MM-DD" of an instant (UTC). */
  date(ms: number): string {
    const day = Math.floor(ms / DAY);
    let text = this.dayCache.get(day);
    if (text === undefined) {
      text = new Date(day * DAY).toISOString().slice(0, 10);
      this.dayCache.set(day, text);
    }
    return text;
  }

  /** timestamptz literal at second precision, "YYYY-MM-DD HH:MM:SS+00". */
  ts(ms: number): string {
    const day = Math.floor(ms / DAY);
    let rest = Math.floor((ms - day * DAY) / 1000);
    const h = Math.floor(rest / 3600);
    rest -= h * 3600;
    const m = Math.floor(rest / 60);
    return `${this.date(ms)} ${PAD2[h]}:${PAD2[m]}:${PAD2[rest - m * 60]}+00`;
  }

  /** Month (1-12, UTC) of an instant; seasonality keys on it. */
  month(ms: number): number {
    return new Date(ms).getUTCMonth() + 1;
  }

  /** ISO day of week (0 = Sunday) of an instant. */
  weekday(ms: number): number {
    return (Math.floor(ms / DAY) + 4) % 7;
  }
}

/** Today at 00:00 UTC: the default `asOf`. */
export function startOfTodayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
