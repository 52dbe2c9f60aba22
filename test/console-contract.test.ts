import { describe, expect, test } from "vitest";
import { JOBS } from "../jobs/registry.ts";
import { maskEmail, maskName, maskPhone, normalizeName } from "../jobs/retention/subject-lookup.ts";
import { ZPayloadField } from "../schema/contracts/jobs.ts";
import { payloadFields } from "../server/routes/jobs/payload-fields.ts";
import { describeCron } from "../web/src/features/jobs/schedule-text.ts";

/**
 * The pieces behind the console's readable views that need no server: a job's payload as form
 * fields (from its zod schema), a cron in words with its next run, and how a data subject is
 * masked in lookup results.
 */

describe("payload fields from a job's zod payload", () => {
  test("a flat payload becomes typed fields with their bounds, a union of actions gets no form", () => {
    const partitions = JOBS.partitions;
    const classify = JOBS.classify;
    const retention = JOBS.retention;
    if (!partitions || !classify || !retention) {
      throw new Error("the registry lost a job");
    }
    const fields = payloadFields(partitions.payload);
    expect(fields).toEqual([
      {
        name: "daysAhead",
        kind: "integer",
        options: null,
        minimum: 1,
        maximum: 366,
        maxItems: null,
        required: false,
        description: null,
      },
    ]);
    for (const field of fields ?? []) {
      expect(ZPayloadField.parse(field)).toEqual(field);
    }
    const stores = payloadFields(classify.payload)?.find((f) => f.name === "stores");
    expect(stores?.kind).toBe("list");
    expect(stores?.options).toEqual(["postgres", "clickhouse"]);
    expect(payloadFields(retention.payload)).toBeNull();
  });
});

describe("a cron in words", () => {
  const from = new Date("2026-12-06T20:00:00Z");
  test.each([
    ["30 3 * * *", "daily at 03:30 UTC", "2026-12-07T03:30:00.000Z"],
    ["*/10 * * * *", "every 10 minutes", "2026-12-06T20:10:00.000Z"],
    ["15 * * * *", "hourly at :15", "2026-12-06T20:15:00.000Z"],
    ["0 */6 * * *", "every 6 hours at :00", "2026-12-07T00:00:00.000Z"],
    ["0 9 * * 1-5", "weekdays at 09:00 UTC", "2026-12-07T09:00:00.000Z"],
    ["0 4 1 * *", "monthly on day 1 at 04:00 UTC", "2027-01-01T04:00:00.000Z"],
  ])("%s reads %s, next %s", (cron, text, next) => {
    const described = describeCron(cron, from);
    expect(described.text).toBe(text);
    expect(described.next?.toISOString()).toBe(next);
  });

  test("an unusual expression is shown as cron, an invalid one says so", () => {
    expect(describeCron("5 4 1-7 * 1", from).text).toBe("cron 5 4 1-7 * 1 (UTC)");
    expect(describeCron("not a cron", from)).toMatchObject({ next: null });
    expect(describeCron("not a cron", from).text).toMatch(/^invalid/);
  });
});

describe("a data subject, masked", () => {
  test("keeps initials, the mailbox's first letters and a phone's last four digits", () => {
    expect(maskName("José", "Dupont-Éclair", null)).toBe("J*** D***");
    expect(maskName(null, null, "Acme Plumbing")).toBe("A*** P***");
    expect(maskName(null, null, null)).toBe("(no name)");
    expect(maskEmail("Jose.Dupont@Example.COM")).toBe("j***@e***.com");
    expect(maskPhone("+44 20 7946 0958")).toBe("••• 0958");
    expect(maskPhone(null)).toBeNull();
  });

  test("names compare without case, accents, ø/ł/ß or extra spaces", () => {
    expect(normalizeName("  José   DUPONT ")).toBe("jose dupont");
    expect(normalizeName("Søren Łukasz Strauß")).toBe("soren lukasz straus");
  });
});
