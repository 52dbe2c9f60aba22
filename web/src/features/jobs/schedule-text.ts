import { CronExpressionParser } from "cron-parser";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const pad = (n: number) => String(n).padStart(2, "0");

/** The common step of `values` when they are 0, n, 2n… covering `span`, else undefined. */
function stepOf(values: readonly number[], span: number): number | undefined {
  const step = values[1] !== undefined && values[0] === 0 ? values[1] : undefined;
  if (!step || span % step !== 0 || values.length !== span / step) {
    return undefined;
  }
  return values.every((v, i) => v === i * step) ? step : undefined;
}

/**
 * A cron expression in words, as an operator reads it ("daily at 03:30 UTC", "every 10
 * minutes", "hourly at :15"), and its next run after `from`. Schedules run in UTC. An expression
 * cron-parser refuses gives `{ text: 'invalid: …', next: null }`.
 */
export function describeCron(
  cron: string,
  from: Date = new Date(),
): { text: string; next: Date | null } {
  let parsed: ReturnType<typeof CronExpressionParser.parse>;
  try {
    parsed = CronExpressionParser.parse(cron, { tz: "UTC", currentDate: from });
  } catch (error) {
    return { text: `invalid: ${(error as Error).message}`, next: null };
  }
  const f = parsed.fields;
  const minutes = [...f.minute.values] as number[];
  const hours = [...f.hour.values] as number[];
  const everyDay = f.dayOfMonth.values.length === 31 && f.month.values.length === 12;
  const weekdays = [...new Set((f.dayOfWeek.values as number[]).map((d) => d % 7))].sort();
  const allWeek = weekdays.length === 7;
  const next = parsed.hasNext() ? parsed.next().toDate() : null;
  const times =
    minutes.length === 1 && hours.length <= 4
      ? hours.map((h) => `${pad(h)}:${pad(minutes[0] ?? 0)}`).join(", ")
      : undefined;
  let text: string | undefined;
  if (everyDay && allWeek) {
    if (minutes.length === 60 && hours.length === 24) {
      text = "every minute";
    } else if (hours.length === 24 && stepOf(minutes, 60)) {
      text = `every ${stepOf(minutes, 60)} minutes`;
    } else if (hours.length === 24 && minutes.length === 1) {
      text = `hourly at :${pad(minutes[0] ?? 0)}`;
    } else if (minutes.length === 1 && stepOf(hours, 24)) {
      text = `every ${stepOf(hours, 24)} hours at :${pad(minutes[0] ?? 0)}`;
    } else if (times) {
      text = `daily at ${times} UTC`;
    }
  } else if (f.dayOfMonth.values.length === 31 && f.month.values.length === 12 && times) {
    const names = weekdays.map((d) => DAYS[d] ?? String(d));
    text =
      weekdays.join() === "1,2,3,4,5"
        ? `weekdays at ${times} UTC`
        : `every ${names.join(", ")} at ${times} UTC`;
  } else if (allWeek && f.month.values.length === 12 && times) {
    const days = f.dayOfMonth.values as number[];
    text = `monthly on day ${days.join(", ")} at ${times} UTC`;
  }
  return { text: text ?? `cron ${cron} (UTC)`, next };
}
