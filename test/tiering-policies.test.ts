import { expect, test } from "vitest";
import {
  loadTieringPolicies,
  parseTieringPolicy,
  TieringPolicyError,
} from "../rules/tiering/index.ts";

/** The shipped tiering policies validate, and a broken one is refused naming the line. */

const VALID = `table: payments
date_column: created_at
tiers:
  hot: 90 days
  warm: 1 year
  cold: 7 years
  archive: 10 years
business_rules:
  retain_active_customers: true
  comply_with_regulations: [SOX, PCI_DSS]
  preserve_audit_trail: true
`;

function problems(text: string): string[] {
  try {
    parseTieringPolicy(text, "p.yaml");
  } catch (error) {
    if (error instanceof TieringPolicyError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

test("the seeded policies cover the issue's six tables and validate", () => {
  expect(loadTieringPolicies().map((p) => p.table)).toEqual([
    "audit_logs",
    "business_events",
    "business_metrics",
    "communications",
    "customer_interactions",
    "payments",
  ]);
  expect(problems(VALID)).toEqual([]);
});

test("an unknown field is refused with its line number", () => {
  expect(problems(`${VALID}  bogus: 1\n`)).toEqual([
    expect.stringMatching(/^p\.yaml:12: business_rules: .*bogus/),
  ]);
});

test("tiers must lengthen, and the line of the offending tier is named", () => {
  expect(problems(VALID.replace("warm: 1 year", "warm: 30 days"))).toEqual([
    expect.stringMatching(/^p\.yaml:5: tiers\.warm: 30 days must be longer than tiers\.hot/),
  ]);
});

test("comply_with_regulations: the archive may not end before the retention schedule", () => {
  // audit_logs are kept 7 years under SOX (rules/retention/schedules.json).
  const audit = VALID.replace("table: payments", "table: audit_logs")
    .replace("cold: 7 years", "cold: 2 years")
    .replace("archive: 10 years", "archive: 5 years");
  expect(problems(audit)).toEqual([
    expect.stringMatching(
      /^p\.yaml:7: tiers\.archive: 5 years ends before retention policy audit-logs-7y/,
    ),
  ]);
});

test("YAML syntax errors are refused with their line", () => {
  expect(problems("table: payments\ntiers: [unclosed\n")[0]).toMatch(/^p\.yaml:\d+: /);
});
