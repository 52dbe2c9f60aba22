import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, LineCounter, parseDocument } from "yaml";
import { loadRetentionSchedule } from "../retention/loader.ts";
import { parsePeriod, type TRetentionSchedule } from "../retention/schema.ts";
import { type TTieringPolicy, ZTieringPolicy } from "./schema.ts";

/** The folder of policy files shipped with govern. */
export const DEFAULT_TIERING_DIR = import.meta.dirname;

/** A policy that does not parse or breaks a rule; each problem names its line. */
export class TieringPolicyError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}:\n  - ${problems.join("\n  - ")}`);
    this.name = "TieringPolicyError";
  }
}

/** One problem of a policy as the console shows it: next to its field, with its line. */
export type PolicyIssue = { path: string | null; line: number | null; message: string };

/**
 * A problem string (`source:line: field.path: message`, the line or the field may be absent)
 * taken apart, so the console can put the message next to the field it names.
 */
export function policyIssue(problem: string): PolicyIssue {
  const located = /^[^\n]*?:(\d+): ([\s\S]*)$/.exec(problem);
  const line = located?.[1] ? Number(located[1]) : null;
  const rest = located?.[2] ?? problem;
  const field = /^([a-z_]+(?:\.[a-z_0-9]+)*|\(root\)): ([\s\S]*)$/.exec(rest);
  if (field?.[1] && field[2] !== undefined && field[1] !== "(root)") {
    return { path: field[1], line, message: field[2] };
  }
  return { path: null, line, message: field?.[2] ?? rest };
}

/** Period in days (a year is 365, a month 30: only used to compare periods). */
export function periodDays(period: string): number {
  const p = parsePeriod(period);
  return p.years * 365 + p.months * 30 + p.days;
}

/**
 * Parses and validates one policy's YAML text. Problems name `source:line` and the field; the
 * rules checked beyond the shape: tier ages increase, and the archive does not end before any
 * retention policy of the table under the regulations the policy names (or any, when it names
 * none) — `comply_with_regulations`.
 */
export function parseTieringPolicy(
  text: string,
  source = "policy",
  schedule: TRetentionSchedule = loadRetentionSchedule(),
): TTieringPolicy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    throw new TieringPolicyError(
      `${source} is not valid YAML`,
      doc.errors.map((e) => `${source}:${lines.linePos(e.pos[0]).line}: ${e.message}`),
    );
  }
  const lineOf = (path: (string | number)[]): number => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number] } | undefined;
      if (node?.range) {
        return lines.linePos(node.range[0]).line;
      }
      // A missing key: the line of its parent map.
    }
    return isMap(doc.contents) && doc.contents.range
      ? lines.linePos(doc.contents.range[0]).line
      : 1;
  };
  const parsed = ZTieringPolicy.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new TieringPolicyError(
      `${source} is not a valid tiering policy`,
      parsed.error.issues.map((issue) => {
        const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
        const keys = issue.code === "unrecognized_keys" ? (issue.keys ?? []) : [];
        const at = keys.length ? [...path, keys[0] as string] : path;
        return `${source}:${lineOf(at)}: ${path.join(".") || "(root)"}: ${issue.message}`;
      }),
    );
  }
  const policy = parsed.data;
  const problems: string[] = [];
  const order = ["hot", "warm", "cold", "archive"] as const;
  for (let i = 1; i < order.length; i++) {
    const before = order[i - 1] as (typeof order)[number];
    const tier = order[i] as (typeof order)[number];
    if (periodDays(policy.tiers[tier]) <= periodDays(policy.tiers[before])) {
      problems.push(
        `${source}:${lineOf(["tiers", tier])}: tiers.${tier}: ${policy.tiers[tier]} must be longer than tiers.${before} (${policy.tiers[before]})`,
      );
    }
  }
  const regs = new Set(policy.business_rules.comply_with_regulations);
  for (const retention of schedule.policies) {
    if (retention.table !== policy.table) {
      continue;
    }
    if (regs.size > 0 && !regs.has(retention.regulation)) {
      continue;
    }
    if (periodDays(policy.tiers.archive) < periodDays(retention.period)) {
      problems.push(
        `${source}:${lineOf(["tiers", "archive"])}: tiers.archive: ${policy.tiers.archive} ends before retention policy ${retention.id} (${retention.regulation}, ${retention.period})`,
      );
    }
  }
  if (problems.length) {
    throw new TieringPolicyError(`${source} breaks a tiering rule`, problems);
  }
  return policy;
}

/** Every policy file in `dir` (`*.yaml`), validated; throws naming every problem of every file. */
export function loadTieringPolicies(dir = DEFAULT_TIERING_DIR): TTieringPolicy[] {
  const problems: string[] = [];
  const policies: TTieringPolicy[] = [];
  const schedule = loadRetentionSchedule();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    try {
      policies.push(parseTieringPolicy(readFileSync(join(dir, file), "utf8"), file, schedule));
    } catch (error) {
      if (error instanceof TieringPolicyError) {
        problems.push(...error.problems);
      } else {
        throw error;
      }
    }
  }
  const seen = new Set<string>();
  for (const p of policies) {
    if (seen.has(p.table)) {
      problems.push(`two policies for table ${p.table}`);
    }
    seen.add(p.table);
  }
  if (problems.length) {
    throw new TieringPolicyError("tiering policies are invalid", problems);
  }
  return policies;
}
