import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  currentPolicies,
  getPolicy,
  policyHistory,
  savePolicyVersion,
  syncPolicyFiles,
} from "../jobs/retention/policies.ts";
import {
  checkScheduleAgainstCatalog,
  loadRetentionSchedule,
  parseRetentionSchedule,
  RetentionRulesError,
  subtractPeriod,
} from "../rules/retention/index.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/** Retention schedule files: they load, validate against the real schema, and version edits. */

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase("retention_policies");
}, 120_000);

afterAll(async () => {
  await database?.drop();
});

function errorOf(work: () => unknown): RetentionRulesError {
  try {
    work();
  } catch (error) {
    if (error instanceof RetentionRulesError) {
      return error;
    }
    throw error;
  }
  throw new Error("expected a RetentionRulesError");
}

describe("schedule file", () => {
  test("the shipped schedule loads with the seed's regulations and cleanup_old_data rules", () => {
    const schedule = loadRetentionSchedule();
    expect(Object.keys(schedule.regulations).sort()).toEqual([
      "CCPA",
      "GDPR",
      "PCI_DSS",
      "SOX",
      "business",
    ]);
    const byId = new Map(schedule.policies.map((p) => [p.id, p]));
    expect(byId.get("audit-logs-7y")).toMatchObject({
      table: "audit_logs",
      period: "7 years",
      action: "delete",
    });
    expect(byId.get("business-events-2y")).toMatchObject({
      period: "2 years",
      action: "archive_then_delete",
    });
    expect(byId.get("ai-context-expired")).toMatchObject({
      dateColumn: "expires_at",
      period: "0 days",
    });
    expect(byId.get("completed-jobs-5y")).toMatchObject({ table: "jobs", period: "5 years" });
    expect(byId.get("inactive-customers-7y")?.period).toBe("7 years");
    expect(byId.get("deleted-customers-30d")).toMatchObject({
      period: "30 days",
      action: "anonymize",
    });
    for (const policy of schedule.policies) {
      expect(policy.threshold).toBeGreaterThanOrEqual(0);
    }
    expect(byId.get("audit-logs-7y")?.threshold).toBe(10_000);
  });

  test("every table and column it names exists in the real schema", async () => {
    await expect(
      checkScheduleAgainstCatalog(database.owner, loadRetentionSchedule()),
    ).resolves.toBeUndefined();
  });

  test("a malformed file names the file and each problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "govern-retention-policies-"));
    const path = join(dir, "bad.json");
    writeFileSync(path, '{"policies": [');
    const notJson = errorOf(() => loadRetentionSchedule(path));
    rmSync(dir, { recursive: true, force: true });
    expect(notJson.message).toContain(path);
    expect(notJson.message).toMatch(/not valid JSON/);

    const base = loadRetentionSchedule();
    const broken = {
      ...base,
      policies: [
        { ...base.policies[0], period: "seven years", action: "shred" },
        { ...base.policies[1], id: base.policies[0]?.id },
      ],
    };
    const invalid = errorOf(() => parseRetentionSchedule(JSON.stringify(broken), "bad.json"));
    expect(invalid.message).toMatch(/bad\.json is not a valid retention schedule/);
    expect(invalid.problems.some((p) => p.startsWith("policies.0.period:"))).toBe(true);
    expect(invalid.problems.some((p) => p.startsWith("policies.0.action:"))).toBe(true);
  });

  test("a duplicate policy id is refused", () => {
    const base = loadRetentionSchedule();
    const twice = { ...base, policies: [base.policies[0], base.policies[0]] };
    const error = errorOf(() => parseRetentionSchedule(JSON.stringify(twice)));
    expect(error.problems.join("\n")).toMatch(/duplicate policy id audit-logs-7y/);
  });

  test("tables and columns that do not exist are named against the catalog", async () => {
    const base = loadRetentionSchedule();
    const [first] = base.policies;
    if (!first) {
      throw new Error("no policy");
    }
    const schedule = {
      ...base,
      policies: [
        { ...first, id: "ghost", table: "no_such_table" },
        { ...first, id: "bad-date", dateColumn: "action" },
        { ...first, id: "bad-col", condition: [{ column: "nope", op: "is_null" as const }] },
        {
          ...first,
          id: "too-short",
          table: "invoices",
          dateColumn: "issue_date",
          period: "3 years",
        },
      ],
    };
    const error = await checkScheduleAgainstCatalog(database.owner, schedule).then(
      () => undefined,
      (e: unknown) => e as RetentionRulesError,
    );
    expect(error).toBeInstanceOf(RetentionRulesError);
    const text = error?.problems.join("\n") ?? "";
    expect(text).toMatch(/policy ghost: table no_such_table does not exist/);
    expect(text).toMatch(
      /policy bad-date: dateColumn audit_logs\.action is character varying, not a date/,
    );
    expect(text).toMatch(/policy bad-col: condition\.0: column audit_logs\.nope does not exist/);
    expect(text).toMatch(
      /policy too-short: deletes invoices after 3 years, shorter than SOX's minimum of 7 years/,
    );
  });

  test("periods subtract in calendar terms from the plan day", () => {
    const day = new Date("2026-03-31T00:00:00Z");
    expect(subtractPeriod(day, "7 years").toISOString()).toBe("2019-03-31T00:00:00.000Z");
    expect(subtractPeriod(day, "30 days").toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(subtractPeriod(day, "0 days").toISOString()).toBe(day.toISOString());
  });
});

describe("policy versions", () => {
  test("the file seeds version 1; a console edit is version 2 and becomes current; history keeps both", async () => {
    const report = await syncPolicyFiles(database.owner);
    expect(report.created).toContain("audit-logs-7y");
    const again = await syncPolicyFiles(database.owner);
    expect(again.created).toEqual([]);
    expect(again.unchanged).toContain("audit-logs-7y");

    const v1 = await getPolicy(database.owner, "audit-logs-7y");
    expect(v1).toMatchObject({ version: 1, source: "file" });
    const edited = await savePolicyVersion(database.owner, {
      definition: { ...v1?.policy, period: "8 years", threshold: 500 },
      editedBy: "alice@compliance.test",
      note: "counsel asked for 8 years",
      expectedVersion: 1,
    });
    expect(edited).toMatchObject({
      version: 2,
      source: "console",
      editedBy: "alice@compliance.test",
    });
    expect((await getPolicy(database.owner, "audit-logs-7y"))?.policy.period).toBe("8 years");
    expect((await getPolicy(database.owner, "audit-logs-7y", 1))?.policy.period).toBe("7 years");
    expect((await policyHistory(database.owner, "audit-logs-7y")).map((v) => v.version)).toEqual([
      2, 1,
    ]);
    // The file no longer rules a policy edited in the console.
    expect((await syncPolicyFiles(database.owner)).keptConsole).toContain("audit-logs-7y");
    expect(
      (await currentPolicies(database.owner)).find((p) => p.id === "audit-logs-7y")?.version,
    ).toBe(2);
  });

  test("syncs of a changed file at once add one version between them", async () => {
    const base = loadRetentionSchedule();
    await syncPolicyFiles(database.owner, base);
    // The scheduled planner and CLI runs sync at once; each round changes the file again.
    for (const threshold of [7, 8, 9, 10, 11]) {
      const changed = {
        ...base,
        policies: base.policies.map((p) =>
          p.id === "job-status-history-3y" ? { ...p, threshold } : p,
        ),
      };
      const before = await policyHistory(database.owner, "job-status-history-3y");
      const reports = await Promise.all(
        [1, 2, 3, 4, 5, 6].map(() => syncPolicyFiles(database.owner, changed)),
      );
      expect(reports.filter((r) => r.updated.includes("job-status-history-3y"))).toHaveLength(1);
      const after = await policyHistory(database.owner, "job-status-history-3y");
      expect(after).toHaveLength(before.length + 1);
      expect(after[0]?.policy.threshold).toBe(threshold);
    }
  });

  test("an edit that does not validate, or is made on a stale version, is refused with the reason", async () => {
    const current = await getPolicy(database.owner, "inactive-customers-7y");
    await expect(
      savePolicyVersion(database.owner, {
        definition: { ...current?.policy, dateColumn: "missing_column" },
        editedBy: "alice@compliance.test",
      }),
    ).rejects.toThrow(/dateColumn customers\.missing_column does not exist/);
    await expect(
      savePolicyVersion(database.owner, {
        definition: { ...current?.policy, action: "anonymize" },
        editedBy: "alice@compliance.test",
      }),
    ).rejects.toThrow(/action anonymize needs an anonymize map/);
    await expect(
      savePolicyVersion(database.owner, {
        definition: { ...current?.policy, period: "8 years" },
        editedBy: "alice@compliance.test",
        expectedVersion: 7,
      }),
    ).rejects.toThrow(/changed meanwhile/);
  });
});

describe("retention job", () => {
  test("the schedule's empty payload means plan; the handler reports what it made", async () => {
    const { JOBS } = await import("../jobs/registry.ts");
    const parsed = JOBS.retention?.payload.safeParse({});
    expect(parsed?.success && parsed.data).toEqual({ action: "plan" });
    expect(JOBS.retention?.payload.safeParse({ action: "plan", bogus: 1 }).success).toBe(false);
    const { runRetentionPlanJob } = await import("../jobs/retention/plan.handler.ts");
    const counts = await runRetentionPlanJob(database.owner, async () => {}, { action: "plan" });
    // No tenants in this database: nothing to plan, and nothing made.
    expect(counts).toMatchObject({ requests: 0, created: 0 });
  });
});
