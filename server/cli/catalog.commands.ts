import { readFile } from "node:fs/promises";
import type { Store } from "../../jobs/classify/catalog-types.ts";
import { forEachProposal, type ProposalEntry } from "../../jobs/classify/proposals.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
} from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import {
  CATEGORIES,
  type Category,
  SENSITIVITIES,
  type Sensitivity,
} from "../../schema/domain/classification.ts";
import {
  CatalogReviewError,
  catalogTableExists,
  findCatalogColumns,
  type ReviewAction,
  type ReviewInput,
  reviewColumns,
} from "../../schema/governance/catalog-review.repository.ts";
import { createOwnerDb, type Db } from "../../schema/postgres.ts";
import {
  type Actor,
  auditCommand,
  type Command,
  json,
  LOCAL_OPERATOR,
  progressPrinter,
  UsageError,
  type Values,
  withDb,
} from "./support.ts";

function actorName(actor: Actor): string {
  return actor.kind === "user" ? actor.principal.email : LOCAL_OPERATOR;
}

function text(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

function category(value: string | undefined, name = "category"): Category | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!(CATEGORIES as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${CATEGORIES.join(", ")}, got ${value}`);
  }
  return value as Category;
}

function sensitivity(value: string | undefined): Sensitivity | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!(SENSITIVITIES as readonly string[]).includes(value)) {
    throw new UsageError(`--sensitivity must be one of ${SENSITIVITIES.join(", ")}, got ${value}`);
  }
  return value as Sensitivity;
}

function comment(values: Values): string | undefined {
  const c = text(values, "comment");
  if (c !== undefined && c.length > 2000) {
    throw new UsageError("--comment must be at most 2000 characters");
  }
  return c;
}

/** The analytics store when it can be opened; otherwise why not (the scan goes on without it). */
async function openAnalytics(
  config: Config,
): Promise<{ store: AnalyticsStore | null; warning?: string }> {
  try {
    return { store: await createAnalyticsStore(config) };
  } catch (error) {
    return { store: null, warning: (error as Error).message };
  }
}

function humanLine(entry: ProposalEntry): string {
  const decided = entry.decision ? ` → ${entry.decision.category}` : "";
  const flag =
    (entry.needs_rereview ? "  [re-review]" : "") +
    (entry.not_classifiable ? `  [not yet classifiable: ${entry.not_classifiable}]` : "");
  const lines = [
    `${entry.table}.${entry.column}  ${entry.category ?? "-"} (${entry.confidence ?? "-"})  ${entry.status}${decided}${flag}`,
  ];
  for (const p of entry.paths) {
    if (p.category && p.category !== "none") {
      lines.push(`    ${p.path}  ${p.category} (${p.confidence ?? "-"})  ${p.status}`);
    }
  }
  return lines.join("\n");
}

async function printProposals(db: Db, asJson: boolean): Promise<number> {
  let first = true;
  if (asJson) {
    process.stdout.write('{"columns":[');
  }
  const count = await forEachProposal(db, (entry) => {
    if (asJson) {
      process.stdout.write(`${first ? "\n" : ",\n"}${JSON.stringify(entry)}`);
    } else {
      process.stdout.write(`${humanLine(entry)}\n`);
    }
    first = false;
  });
  if (asJson) {
    process.stdout.write("\n]}\n");
  }
  return count;
}

const classify: Command = {
  summary:
    "scan the databases now and print every column's proposal and review status (or classify a sample file offline)",
  usage:
    "govern classify [--json] [--store postgres|clickhouse]... | --offline --sample-file FILE [--recognizers FILE] [--json]",
  options: {
    ...json,
    "sample-file": { type: "string" },
    // Offline contract (issue 21): custom recognizers from a YAML/JSON file; --offline says so.
    recognizers: { type: "string" },
    offline: { type: "boolean", default: false },
    store: { type: "string", multiple: true },
  },
  access: { bootstrap: true, permission: "catalog:scan" },
  run: async (values, config, actor) => {
    const asJson = values.json === true;
    const file = text(values, "sample-file");
    if (
      file === undefined &&
      (values.offline === true || text(values, "recognizers") !== undefined)
    ) {
      throw new UsageError("--offline and --recognizers classify a --sample-file FILE");
    }
    if (file !== undefined) {
      // Offline: no database, no token needed, works with every store down.
      let raw: string;
      try {
        raw = await readFile(file, "utf8");
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
      }
      // Loaded here, not at the top: the classifier's name lists slow every other command's start.
      const { classifySampleFile, SampleFileError } = await import(
        "../../rules/classification/offline.ts"
      );
      const recognizersFile = text(values, "recognizers");
      let recognizers: import("../../rules/classification/custom-recognizers.ts").CompiledRecognizer[] =
        [];
      if (recognizersFile !== undefined) {
        const { parseRecognizersFile, RecognizersFileError } = await import(
          "../../rules/classification/recognizers-file.ts"
        );
        let source: string;
        try {
          source = await readFile(recognizersFile, "utf8");
        } catch (error) {
          throw new UsageError(`cannot read ${recognizersFile}: ${(error as Error).message}`);
        }
        try {
          recognizers = parseRecognizersFile(source, recognizersFile);
        } catch (error) {
          if (error instanceof RecognizersFileError) {
            throw new UsageError(error.message);
          }
          throw error;
        }
      }
      let result: ReturnType<typeof classifySampleFile>;
      try {
        result = classifySampleFile(raw, { recognizers });
      } catch (error) {
        if (error instanceof SampleFileError) {
          throw new UsageError(error.message);
        }
        throw error;
      }
      process.stdout.write(
        asJson
          ? `${JSON.stringify(result, null, 2)}\n`
          : `${result.columns
              .map(
                (c) =>
                  `${c.table}.${c.column}  ${c.category} (${c.confidence}, ${c.sensitivity})${c.paths
                    .filter((p) => p.category !== "none")
                    .map((p) => `\n    ${p.path}  ${p.category}`)
                    .join("")}`,
              )
              .join("\n")}\n`,
      );
      return 0;
    }
    const requested = (values.store as unknown as string[] | undefined) ?? [];
    for (const s of requested) {
      if (s !== "postgres" && s !== "clickhouse") {
        throw new UsageError(`--store must be postgres or clickhouse, got ${s}`);
      }
    }
    const wantClickhouse = requested.length === 0 || requested.includes("clickhouse");
    const analytics = wantClickhouse ? await openAnalytics(config) : { store: null };
    if (analytics.warning) {
      process.stderr.write(
        `govern classify: analytics store not scanned (${analytics.warning}); its catalog is left as it was\n`,
      );
    }
    const stores: Store[] = requested.length
      ? (requested as Store[]).filter((s) => s === "postgres" || analytics.store)
      : analytics.store
        ? ["postgres", "clickhouse"]
        : ["postgres"];
    const { runCatalogScan } = await import("../../jobs/classify/scan.ts");
    const { llmConfigured, secondOpinion } = await import("../../jobs/classify/llm-review.ts");
    const { db } = createOwnerDb(config, { max: 4 });
    try {
      const show = progressPrinter();
      const report =
        stores.length > 0
          ? await runCatalogScan(
              { db, analytics: analytics.store },
              {
                stores,
                triggeredBy: `cli:${actorName(actor)}`,
                secondOpinion: llmConfigured(config)
                  ? (items) => secondOpinion(config, items)
                  : undefined,
                onProgress: (p) => show(`scanning ${p.done}/${p.total} ${p.table}`),
              },
            )
          : undefined;
      if (process.stderr.isTTY) {
        process.stderr.write("\n");
      }
      if (report) {
        await auditCommand(db, actor, {
          action: "catalog.scan",
          target: `scan:${report.scanId}`,
          summary: {
            stores,
            tables: report.tables,
            columns: report.columns,
            flagged: report.flagged,
            drift: report.drift,
          },
        });
        process.stderr.write(
          `scanned ${report.tables} tables, ${report.columns} columns, ${report.paths} JSON paths ` +
            `(${report.valuesClassified.toLocaleString("en-US")} values) in ${(report.durationMs / 1000).toFixed(1)} s; ` +
            `${report.drift} drift event(s), ${report.flagged} flagged for re-review\n`,
        );
      }
      await printProposals(db, asJson);
      return 0;
    } finally {
      await db.destroy();
      await analytics.store?.close();
    }
  },
};

const target = {
  table: { type: "string" },
  column: { type: "string" },
  path: { type: "string" },
  comment: { type: "string" },
} as const;

/** Resolves --table/--column/--path to exactly one live catalog row, or a clear usage error. */
async function oneColumn(db: Db, values: Values): Promise<{ id: string; label: string }> {
  const table = text(values, "table");
  const column = text(values, "column");
  if (!table || !column) {
    throw new UsageError("name the column with --table T --column C (or use --all)");
  }
  const path = text(values, "path");
  const matches = await findCatalogColumns(db, { table, column, path });
  if (matches.length === 0) {
    if (!(await catalogTableExists(db, table))) {
      throw new UsageError(
        `no table ${table} in the catalog (run govern classify to scan the databases)`,
      );
    }
    throw new UsageError(
      path
        ? `no JSON path ${path} under ${table}.${column} in the catalog`
        : `no column ${column} in table ${table}`,
    );
  }
  if (matches.length > 1) {
    throw new UsageError(
      `${table}.${column} is ambiguous: ${matches
        .map((m) => `${m.schema_name}.${m.table_name} (${m.store})`)
        .join(", ")}; qualify the table`,
    );
  }
  const m = matches[0] as (typeof matches)[number];
  return {
    id: m.id,
    label: `${m.schema_name}.${m.table_name}.${m.column_name}${m.json_path ? `:${m.json_path}` : ""}`,
  };
}

function reviewCommand(action: ReviewAction): Command {
  const options =
    action === "accept"
      ? {
          ...json,
          ...target,
          all: { type: "boolean", default: false },
          category: { type: "string" },
          "min-confidence": { type: "string" },
        }
      : action === "override"
        ? {
            ...json,
            ...target,
            category: { type: "string" },
            sensitivity: { type: "string" },
            "suppress-across-tables": { type: "boolean", default: false },
          }
        : {
            ...json,
            ...target,
            sensitivity: { type: "string" },
            "suppress-across-tables": { type: "boolean", default: false },
          };
  const usage = {
    accept:
      "govern review accept --table T --column C [--path P] [--comment X] | --all [--category K] [--min-confidence X] [--table T] [--json]",
    reject:
      "govern review reject --table T --column C [--path P] [--comment X] [--suppress-across-tables] [--json]",
    override:
      "govern review override --table T --column C [--path P] --category K [--sensitivity S] [--comment X] [--suppress-across-tables] [--json]",
  }[action];
  return {
    summary: {
      accept: "accept classification proposals (one column, or all pending by filter)",
      reject: "reject a proposal: the column holds no personal data",
      override: "set a column's category and sensitivity yourself",
    }[action],
    usage,
    options: options as Command["options"],
    access: { bootstrap: true, permission: "catalog:review" },
    run: async (values, config, actor) => {
      const asJson = values.json === true;
      const base = {
        action,
        comment: comment(values),
        actor: actorName(actor),
        category: action === "override" ? category(text(values, "category")) : undefined,
        sensitivity: action === "accept" ? undefined : sensitivity(text(values, "sensitivity")),
        suppressAcrossTables: values["suppress-across-tables"] === true,
      };
      if (action === "override" && base.category === undefined) {
        throw new UsageError("--category is required for override");
      }
      const bulk = action === "accept" && values.all === true;
      let minConfidence: number | undefined;
      const rawMin = text(values, "min-confidence");
      if (rawMin !== undefined) {
        minConfidence = Number(rawMin);
        if (!bulk || !Number.isFinite(minConfidence) || minConfidence < 0 || minConfidence > 1) {
          throw new UsageError(
            bulk
              ? `--min-confidence must be a number between 0 and 1, got ${rawMin}`
              : "--min-confidence goes with --all",
          );
        }
      }
      const filterCategory = bulk ? category(text(values, "category")) : undefined;
      if (action === "accept" && !bulk && text(values, "category") !== undefined) {
        throw new UsageError("--category goes with --all (to set a category, use review override)");
      }
      return withDb(config, async (db) => {
        let input: ReviewInput;
        let label: string;
        if (bulk) {
          const table = text(values, "table");
          const dot = table?.indexOf(".") ?? -1;
          if (table !== undefined && !(await catalogTableExists(db, table))) {
            throw new UsageError(`no table ${table} in the catalog`);
          }
          input = {
            ...base,
            target: {
              filter: {
                category: filterCategory,
                minConfidence,
                ...(table === undefined
                  ? {}
                  : dot > 0
                    ? { schema: table.slice(0, dot), table: table.slice(dot + 1) }
                    : { table }),
              },
            },
          };
          label = `all pending${filterCategory ? ` ${filterCategory}` : ""}${minConfidence !== undefined ? ` ≥ ${minConfidence}` : ""}${table ? ` in ${table}` : ""}`;
        } else {
          const one = await oneColumn(db, values);
          input = { ...base, target: { ids: [one.id] } };
          label = one.label;
        }
        let result: Awaited<ReturnType<typeof reviewColumns>>;
        try {
          result = await reviewColumns(db, input);
        } catch (error) {
          if (error instanceof CatalogReviewError) {
            throw new UsageError(error.message);
          }
          throw error;
        }
        await auditCommand(db, actor, {
          action: `catalog.review.${action}`,
          target: bulk ? "catalog:columns" : `column:${label}`,
          summary: {
            changed: result.changed,
            ...(bulk ? { filter: "filter" in input.target ? input.target.filter : {} } : {}),
            category: base.category ?? null,
            sensitivity: base.sensitivity ?? null,
            comment: base.comment ?? null,
            ids: result.ids.slice(0, 100),
            suppressions: result.suppressions,
          },
        });
        const verb = { accept: "accepted", reject: "rejected", override: "overrode" }[action];
        process.stdout.write(
          asJson
            ? `${JSON.stringify(result, null, 2)}\n`
            : `${verb} ${result.changed} column(s): ${label}\n`,
        );
        return 0;
      });
    },
  };
}

/** The CLI commands for catalog (`classify`, `review`). */
export const CATALOG_COMMANDS: Record<string, Command> = {
  classify,
  "review accept": reviewCommand("accept"),
  "review reject": reviewCommand("reject"),
  "review override": reviewCommand("override"),
};
