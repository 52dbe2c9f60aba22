import { expect } from "vitest";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";

/**
 * Both drivers must bind values server-side and return the same shapes; each driver's suite
 * runs this one check.
 */
export async function expectBoundValuesRoundTrip(store: AnalyticsStore): Promise<void> {
  const tricky = "O'Brien \\ \"x\"\t\n'; DROP TABLE revenue_daily; --";
  const [row] = await store.query<Record<string, unknown>>(
    `SELECT {s:String} AS s, {a:Array(String)} AS a, {d:Date} AS d,
            {t:DateTime64(3, 'UTC')} AS t, {big:UInt64} AS big, {n:Nullable(String)} AS n,
            toDecimal64(12.34, 2) AS dec`,
    {
      s: tricky,
      a: ["x", "y'z"],
      d: "2026-02-03",
      t: new Date("2026-02-03T04:05:06.789Z"),
      big: 18446744073709551615n,
      n: null,
    },
  );
  expect(row).toEqual({
    s: tricky,
    a: ["x", "y'z"],
    d: "2026-02-03",
    t: "2026-02-03 04:05:06.789",
    big: "18446744073709551615",
    n: null,
    dec: 12.34,
  });
}
