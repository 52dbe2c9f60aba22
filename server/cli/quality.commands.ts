import { readFile } from "node:fs/promises";
import { z } from "zod";
import { createNotifier } from "../../jobs/notify/notify.ts";
import {
  IncidentTransitionError,
  listIncidents,
  transitionIncident,
} from "../../jobs/quality/incidents.ts";
import { listRules, saveRule } from "../../jobs/quality/rules.repository.ts";
import { runQuality } from "../../jobs/quality/run.ts";
import { checkRuleTargets, rulesOverview } from "../../jobs/quality/service.ts";
import { SqlRejected } from "../../jobs/quality/sql-guard.ts";
import { generateSuggestions, listSuggestions } from "../../jobs/quality/suggest.ts";
import { parseQualityRules, QualityRulesError } from "../../rules/quality/loader.ts";
import { SEVERITIES, SEVERITY_RANK, type Severity } from "../../rules/quality/schema.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
} from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import { createLogger } from "../../schema/logger.ts";
import {
  actorName,
  auditCommand,
  type Command,
  decidingUser,
  json,
  option,
  print,
  progressPrinter,
  UsageError,
  type Values,
  withDb,
} from "./support.ts";

/**
 * `govern quality …` (issue 17's contract): rules list|add|suggest, run, incidents
 * list|ack|assign|resolve. Adding rules and moving incidents are a console user's decisions
 * (GOVERN_TOKEN); listing and running checks are operations the local operator may run.
 */

const ZTable = z
  .string()
  .regex(
    /^(public\.)?[a-z_][a-z0-9_]{0,62}$|^clickhouse:[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/,
    "must be a table like payments or public.payments",
  );
const ZRuleId = z.string().regex(/^[a-z0-9_]{1,100}$/, "must match [a-z0-9_]+");

function text(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

async function openAnalytics(config: Config): Promise<AnalyticsStore | undefined> {
  try {
    return await createAnalyticsStore(config);
  } catch (error) {
    process.stderr.write(
      `quality history not written to ClickHouse: ${(error as Error).message}\n`,
    );
    return undefined;
  }
}

const rulesList: Command = {
  summary: "List data-quality rules with their last score",
  usage: "govern quality rules list [--json]",
  options: { ...json },
  access: { bootstrap: true, permission: "quality:read" },
  run: async (values, config) =>
    withDb(config, async (db) => {
      const rules = await rulesOverview(db, await listRules(db));
      const human = rules
        .map(
          (r) =>
            `${r.id.padEnd(32)} ${r.kind.padEnd(13)} ${r.table.padEnd(28)} ${r.severity.padEnd(8)} ` +
            `threshold ${r.threshold}  last ${r.lastScore === null ? "—" : r.lastScore.toFixed(4)}` +
            (r.enabled ? "" : "  (disabled)"),
        )
        .join("\n");
      print(Boolean(values.json), { rules }, human || "no rules");
      return 0;
    }),
};

const rulesAdd: Command = {
  summary: "Validate and store quality rules from a YAML file (one rule or a list)",
  usage: "govern quality rules add --file RULE.yaml [--json]",
  options: { ...json, file: { type: "string" } },
  access: { bootstrap: false, permission: "quality:rules" },
  run: async (values, config, actor) => {
    const file = text(values, "file");
    if (!file) {
      throw new UsageError("--file is required");
    }
    let content: string;
    try {
      content = await readFile(file, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const who = decidingUser(actor);
    return withDb(config, async (db) => {
      let rules: ReturnType<typeof parseQualityRules>;
      try {
        rules = parseQualityRules(content, file);
        // Every rule is checked before any is stored: a file with one bad rule stores nothing.
        for (const rule of rules) {
          await checkRuleTargets(db, rule);
        }
      } catch (error) {
        if (error instanceof QualityRulesError) {
          throw new UsageError(error.message);
        }
        if (error instanceof SqlRejected) {
          throw new UsageError(`sql rejected at "${error.token}": ${error.message}`);
        }
        throw error;
      }
      const stored: { id: string; version: number }[] = [];
      for (const rule of rules) {
        stored.push({ id: rule.id, version: await saveRule(db, rule, who.email, "cli") });
      }
      await auditCommand(db, actor, {
        action: "quality.rules.save",
        target: `quality_rules:${stored.map((s) => s.id).join(",")}`,
        summary: { rules: stored, definitions: rules, file },
      });
      print(
        Boolean(values.json),
        { rules: stored },
        stored.map((s) => `stored ${s.id} (version ${s.version})`).join("\n"),
      );
      return 0;
    });
  },
};

const rulesSuggest: Command = {
  summary:
    "Propose rules from the catalog (PII formats) and from profiling, and list the proposals",
  usage: "govern quality rules suggest [--table T] [--json]",
  options: { ...json, table: { type: "string", multiple: true } },
  access: { bootstrap: true, permission: "quality:rules" },
  run: async (values, config, actor) =>
    withDb(config, async (db) => {
      const raw = (values as Record<string, unknown>).table as string[] | undefined;
      const tables = raw?.map((t) => option(ZTable, t, "table").replace(/^public\./, ""));
      const added = await generateSuggestions(db, { tables });
      await auditCommand(db, actor, { action: "quality.suggestions.generate", summary: { added } });
      const suggestions = await listSuggestions(db, "proposed");
      print(
        Boolean(values.json),
        { added, suggestions },
        [
          `${added} new suggestion(s); ${suggestions.length} proposed (accept them in the console):`,
          ...suggestions.map((s) => `  ${s.ruleId.padEnd(48)} ${s.reason}`),
        ].join("\n"),
      );
      return 0;
    }),
};

const run: Command = {
  summary: "Evaluate quality rules now and print the verdicts",
  usage: "govern quality run [--table T] [--rule ID] [--fail-on critical|error|warning] [--json]",
  options: {
    ...json,
    table: { type: "string" },
    rule: { type: "string" },
    "fail-on": { type: "string" },
  },
  access: { bootstrap: true, permission: "quality:rules" },
  run: async (values, config, actor) => {
    const table = values.table === undefined ? undefined : option(ZTable, values.table, "table");
    const rule = values.rule === undefined ? undefined : option(ZRuleId, values.rule, "rule");
    const failOnRaw = text(values, "fail-on");
    if (failOnRaw !== undefined && !(SEVERITIES as readonly string[]).includes(failOnRaw)) {
      throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(", ")}, got ${failOnRaw}`);
    }
    const failOn = failOnRaw as Severity | undefined;
    const analytics = await openAnalytics(config);
    try {
      return await withDb(config, async (db) => {
        if (rule && !(await listRules(db)).some((r) => r.rule.id === rule)) {
          throw new UsageError(`no quality rule has the id ${rule}`);
        }
        const progress = progressPrinter();
        const report = await runQuality(
          // Incidents this run opens alert through the channels (sent now; no worker needed).
          {
            db,
            analytics,
            notify: createNotifier({ db, config, logger: createLogger(config.logLevel) }),
          },
          {
            table,
            rule,
            triggeredBy: actorName(actor),
            onTable: (done, of, name) => progress(`quality: ${done}/${of} tables (${name})`),
          },
        );
        await auditCommand(db, actor, {
          action: "quality.run",
          target: rule ? `quality_rules:${rule}` : table ? `table:${table}` : "quality_rules",
          summary: { runId: report.runId, results: report.results.length },
        });
        const results = report.results.map((r) => ({
          rule: r.rule,
          table: r.table,
          tenant_id: r.tenantId,
          score: r.score,
          threshold: r.threshold,
          passed: r.passed === true,
          severity: r.severity,
          failing: r.failing,
        }));
        const errors = report.results.filter((r) => r.error);
        for (const e of errors) {
          process.stderr.write(`quality: ${e.rule} could not be evaluated: ${e.error}\n`);
        }
        const human = report.results
          .map(
            (r) =>
              `${r.passed ? "pass" : r.error ? "ERR " : "FAIL"}  ${r.rule.padEnd(32)} ${r.table.padEnd(24)} ` +
              `${(r.tenantId ?? "all tenants").padEnd(36)} ${r.score === null ? "—" : r.score.toFixed(4)} / ${r.threshold}` +
              `  ${r.severity}  failing ${r.failing}`,
          )
          .join("\n");
        print(Boolean(values.json), { results }, human || "no rules to evaluate");
        if (errors.length) {
          return 1;
        }
        if (
          failOn &&
          report.results.some(
            (r) => r.passed === false && SEVERITY_RANK[r.severity] >= SEVERITY_RANK[failOn],
          )
        ) {
          return 3;
        }
        return 0;
      });
    } finally {
      await analytics?.close();
    }
  },
};

const incidentsList: Command = {
  summary: "List quality incidents",
  usage:
    "govern quality incidents list [--status open|new|acknowledged|assigned|resolved] [--json]",
  options: { ...json, status: { type: "string" } },
  access: { bootstrap: true, permission: "quality:read" },
  run: async (values, config) => {
    const status =
      values.status === undefined
        ? undefined
        : option(
            z.enum(["open", "new", "acknowledged", "assigned", "resolved"]),
            values.status,
            "status",
          );
    return withDb(config, async (db) => {
      const incidents = await listIncidents(db, { status });
      print(
        Boolean(values.json),
        {
          incidents: incidents.map((i) => ({
            id: i.id,
            rule: i.rule,
            status: i.status,
            opened_at: i.opened_at,
            resolved_at: i.resolved_at,
          })),
        },
        incidents
          .map(
            (i) =>
              `${i.id}  ${i.status.padEnd(12)} ${i.severity.padEnd(8)} ${i.title}${i.assignee ? `  → ${i.assignee}` : ""}`,
          )
          .join("\n") || "no incidents",
      );
      return 0;
    });
  },
};

function incidentStep(action: "ack" | "assign" | "resolve"): Command {
  return {
    summary: `${{ ack: "Acknowledge", assign: "Assign", resolve: "Resolve" }[action]} a quality incident`,
    usage: `govern quality incidents ${action} ID${action === "assign" ? " --assignee EMAIL" : ""} [--comment TEXT] [--json]`,
    options: { ...json, assignee: { type: "string" }, comment: { type: "string" } },
    positionals: ["id"],
    access: { bootstrap: false, permission: "quality:incidents" },
    run: async (values, config, actor, [id = ""]) => {
      option(z.uuid(), id, "id");
      const assignee = text(values, "assignee");
      if (action === "assign" && !assignee) {
        throw new UsageError("--assignee is required");
      }
      const comment = text(values, "comment");
      if (comment !== undefined && comment.length > 4000) {
        throw new UsageError("--comment must be at most 4000 characters");
      }
      const who = decidingUser(actor);
      return withDb(config, async (db) => {
        try {
          const incident = await transitionIncident(db, id, {
            action,
            actor: who.email,
            assignee,
            comment,
          });
          await auditCommand(db, actor, {
            action: `quality.incident.${action}`,
            target: `quality_incident:${id}`,
            summary: { rule: incident.rule, status: incident.status, assignee, comment },
          });
          print(Boolean(values.json), { incident }, `${incident.id} is ${incident.status}`);
          return 0;
        } catch (error) {
          if (error instanceof IncidentTransitionError) {
            throw new UsageError(error.message);
          }
          throw error;
        }
      });
    },
  };
}

export const QUALITY_COMMANDS: Record<string, Command> = {
  "quality rules list": rulesList,
  "quality rules add": rulesAdd,
  "quality rules suggest": rulesSuggest,
  "quality run": run,
  "quality incidents list": incidentsList,
  "quality incidents ack": incidentStep("ack"),
  "quality incidents assign": incidentStep("assign"),
  "quality incidents resolve": incidentStep("resolve"),
};
