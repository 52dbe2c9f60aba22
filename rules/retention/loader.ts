import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import type { z } from "zod";
import type { Db } from "../../schema/postgres.ts";
import {
  parsePeriod,
  type TRetentionPolicy,
  type TRetentionSchedule,
  ZRetentionPolicy,
  ZRetentionSchedule,
} from "./schema.ts";

/** The schedule file shipped with govern. */
export const DEFAULT_SCHEDULE_PATH = join(import.meta.dirname, "schedules.json");

/** A schedule or policy that does not parse, or does not fit the real schema. */
export class RetentionRulesError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}:\n  - ${problems.join("\n  - ")}`);
    this.name = "RetentionRulesError";
  }
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join(".") : "(root)";
    return `${where}: ${issue.message}`;
  });
}

/** Parses and validates schedule text (JSON); throws RetentionRulesError naming every problem. */
export function parseRetentionSchedule(text: string, source = "schedule"): TRetentionSchedule {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RetentionRulesError(`${source} is not valid JSON`, [(error as Error).message]);
  }
  const parsed = ZRetentionSchedule.safeParse(raw);
  if (!parsed.success) {
    throw new RetentionRulesError(
      `${source} is not a valid retention schedule`,
      describeIssues(parsed.error),
    );
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  parsed.data.policies.forEach((policy, i) => {
    if (seen.has(policy.id)) {
      problems.push(`policies.${i}.id: duplicate policy id ${policy.id}`);
    }
    seen.add(policy.id);
  });
  if (problems.length) {
    throw new RetentionRulesError(`${source} is not a valid retention schedule`, problems);
  }
  return parsed.data;
}

/** Reads and validates a schedule file (default: rules/retention/schedules.json). */
export function loadRetentionSchedule(path = DEFAULT_SCHEDULE_PATH): TRetentionSchedule {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new RetentionRulesError(`cannot read ${path}`, [(error as Error).message]);
  }
  return parseRetentionSchedule(text, path);
}

/** Validates one policy (e.g. a console edit); throws RetentionRulesError. */
export function parseRetentionPolicy(raw: unknown, source = "policy"): TRetentionPolicy {
  const parsed = ZRetentionPolicy.safeParse(raw);
  if (!parsed.success) {
    throw new RetentionRulesError(
      `${source} is not a valid retention policy`,
      describeIssues(parsed.error),
    );
  }
  return parsed.data;
}

type ColumnInfo = { type: string; nullable: boolean; isArray: boolean };
export type TableColumns = Map<string, Map<string, ColumnInfo>>;

/** Columns of the operational schema (public), from the database catalog. */
export async function operationalColumns(db: Db): Promise<TableColumns> {
  const rows = await sql<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>`
    SELECT c.table_name, c.column_name, c.data_type, c.is_nullable
    FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
  `.execute(db);
  const tables: TableColumns = new Map();
  for (const row of rows.rows) {
    let columns = tables.get(row.table_name);
    if (!columns) {
      columns = new Map();
      tables.set(row.table_name, columns);
    }
    columns.set(row.column_name, {
      type: row.data_type,
      nullable: row.is_nullable === "YES",
      isArray: row.data_type === "ARRAY",
    });
  }
  return tables;
}

const DATE_TYPES = new Set(["date", "timestamp with time zone", "timestamp without time zone"]);

function periodDays(period: string): number {
  const p = parsePeriod(period);
  return p.years * 365 + p.months * 30 + p.days;
}

/** Problems of one policy against the real schema (empty when it fits). */
export function policyProblems(
  policy: TRetentionPolicy,
  tables: TableColumns,
  schedule?: Pick<TRetentionSchedule, "minimumRetention">,
): string[] {
  const problems: string[] = [];
  const at = `policy ${policy.id}`;
  const columns = tables.get(policy.table);
  if (!columns) {
    return [`${at}: table ${policy.table} does not exist in the operational schema`];
  }
  if (!columns.has("tenant_id")) {
    problems.push(`${at}: table ${policy.table} has no tenant_id column`);
  }
  const dateColumns = Array.isArray(policy.dateColumn) ? policy.dateColumn : [policy.dateColumn];
  for (const name of dateColumns) {
    const column = columns.get(name);
    if (!column) {
      problems.push(`${at}: dateColumn ${policy.table}.${name} does not exist`);
    } else if (!DATE_TYPES.has(column.type)) {
      problems.push(
        `${at}: dateColumn ${policy.table}.${name} is ${column.type}, not a date or timestamp`,
      );
    }
  }
  policy.condition.forEach((clause, i) => {
    const column = columns.get(clause.column);
    if (!column) {
      problems.push(
        `${at}: condition.${i}: column ${policy.table}.${clause.column} does not exist`,
      );
      return;
    }
    if (clause.path && column.type !== "jsonb") {
      problems.push(
        `${at}: condition.${i}: path needs a jsonb column, ${clause.column} is ${column.type}`,
      );
    }
    if ((clause.op === "contains" || clause.op === "not_contains") && !column.isArray) {
      problems.push(
        `${at}: condition.${i}: ${clause.op} needs an array column, ${clause.column} is ${column.type}`,
      );
    }
  });
  for (const [name, strategy] of Object.entries(policy.anonymize ?? {})) {
    const column = columns.get(name);
    if (!column) {
      problems.push(`${at}: anonymize: column ${policy.table}.${name} does not exist`);
    } else if (strategy === "null" && !column.nullable) {
      problems.push(`${at}: anonymize: ${policy.table}.${name} is NOT NULL, cannot become null`);
    } else if (strategy === "empty_json" && column.type !== "jsonb") {
      problems.push(`${at}: anonymize: empty_json needs a jsonb column, ${name} is ${column.type}`);
    } else if ((strategy === "redact" || strategy === "hash") && !/char|text/.test(column.type)) {
      problems.push(`${at}: anonymize: ${strategy} needs a text column, ${name} is ${column.type}`);
    }
  }
  if (policy.action !== "anonymize") {
    for (const guard of schedule?.minimumRetention ?? []) {
      if (guard.table === policy.table && periodDays(policy.period) < periodDays(guard.period)) {
        problems.push(
          `${at}: deletes ${policy.table} after ${policy.period}, shorter than ${guard.regulation}'s minimum of ${guard.period}`,
        );
      }
    }
  }
  return problems;
}

/**
 * Checks every table and column a schedule names against the database catalog; throws
 * RetentionRulesError listing every problem.
 */
export async function checkScheduleAgainstCatalog(
  db: Db,
  schedule: TRetentionSchedule,
): Promise<void> {
  const tables = await operationalColumns(db);
  const problems: string[] = [];
  for (const policy of schedule.policies) {
    problems.push(...policyProblems(policy, tables, schedule));
  }
  for (const name of [...schedule.financialTables, ...schedule.soxTables]) {
    if (!tables.has(name)) {
      problems.push(`table ${name} (financialTables/soxTables) does not exist`);
    }
  }
  for (const guard of schedule.minimumRetention) {
    const columns = tables.get(guard.table);
    if (!columns) {
      problems.push(`minimumRetention: table ${guard.table} does not exist`);
    } else if (!DATE_TYPES.has(columns.get(guard.dateColumn)?.type ?? "")) {
      problems.push(`minimumRetention: ${guard.table}.${guard.dateColumn} is not a date column`);
    }
  }
  if (problems.length) {
    throw new RetentionRulesError("the retention schedule does not fit the database", problems);
  }
}
