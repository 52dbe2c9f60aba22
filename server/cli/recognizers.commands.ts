import { readFile } from "node:fs/promises";
import { RecognizerDefinitionError } from "../../rules/classification/custom-recognizers.ts";
import type { TRecognizer, TRecognizerPreview } from "../../schema/contracts/recognizers.ts";
import { RecognizerStoreError } from "../../schema/governance/recognizers.repository.ts";
import {
  getSuppression,
  listSuppressions,
  removeSuppression,
  toSuppression,
} from "../../schema/governance/suppressions.repository.ts";
import {
  auditCommand,
  type Command,
  decidingUser,
  json,
  positiveInt,
  print,
  UsageError,
  type Values,
  withDb,
} from "./support.ts";

/**
 * `govern recognizers ...` and `govern suppressions ...` (issue 21): custom recognizers as
 * audited versions, tried on live samples before they are enabled, and the suppressions stewards'
 * decisions created. Thin: parse, authorize, call jobs/classify/recognizers.ts, print.
 */

/** The engine's refusals (invalid definition, taken name, nothing to change) as usage errors. */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RecognizerDefinitionError) {
      throw new UsageError(`the recognizer is not valid: ${error.message}`);
    }
    if (error instanceof RecognizerStoreError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

const str = (values: Values, name: string) =>
  typeof values[name] === "string" ? (values[name] as string) : undefined;

/** Reads and validates a recognizers file (YAML or JSON), problems with line numbers. */
async function readDefinitions(file: string | undefined): Promise<unknown[]> {
  if (!file) {
    throw new UsageError("name the recognizer file with --file FILE (YAML or JSON)");
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const { parseRecognizersFile, RecognizersFileError } = await import(
    "../../rules/classification/recognizers-file.ts"
  );
  try {
    return parseRecognizersFile(text, file).map((r) => r.definition);
  } catch (error) {
    if (error instanceof RecognizersFileError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

function line(r: TRecognizer): string {
  const d = r.definition;
  const v = d.validator
    ? ` +${d.validator.kind}${"country" in d.validator && d.validator.country ? `:${d.validator.country}` : ""}${"type" in d.validator ? `:${d.validator.type}` : ""}`
    : "";
  return `${r.name}  v${r.version}  ${r.enabled ? "enabled " : "disabled"}  ${d.category}  /${d.pattern}/${v}  ≥${Math.round(d.minShare * 100)}%  (${r.updatedBy}, ${r.updatedAt.slice(0, 16).replace("T", " ")})`;
}

function previewText(p: TRecognizerPreview): string {
  const rows = p.matches.map(
    (m) =>
      `${m.effect.padEnd(15)} ${m.store}:${m.schema}.${m.table}.${m.column}${m.jsonPath ? ` → ${m.jsonPath}` : ""}  ${m.currentCategory ?? "-"} → ${m.newCategory}  (${m.matched}/${m.sampled}${m.contextWord ? `, context "${m.contextWord}"` : ""})  ${m.examples.join(" ")}`,
  );
  return [
    `${p.definition.name}: ${p.changes} column(s) would change; ${p.matches.length} matched of ${p.columns} sampled in ${p.tables} tables (${p.rowsPerTable} rows each)`,
    ...rows,
  ].join("\n");
}

const recognizerArg = (positionals: string[]): string => {
  const name = positionals[0];
  if (!name) {
    throw new UsageError("name the recognizer (its name or id)");
  }
  return name;
};

const engine = () => import("../../jobs/classify/recognizers.ts");

export const RECOGNIZER_COMMANDS: Record<string, Command> = {
  "recognizers list": {
    summary: "list custom recognizers (current version, enabled or not)",
    usage: "govern recognizers list [--json]",
    options: { ...json },
    access: { bootstrap: true, permission: "catalog:read" },
    run: async (values, config) => {
      const { allRecognizers } = await engine();
      const list = await withDb(config, (db) => allRecognizers(db));
      print(
        values.json === true,
        { recognizers: list },
        list.length ? list.map(line).join("\n") : "no custom recognizers",
      );
      return 0;
    },
  },
  "recognizers show": {
    summary: "a recognizer with every version: who changed what, when",
    usage: "govern recognizers show NAME [--json]",
    options: { ...json },
    positionals: ["NAME"],
    access: { bootstrap: true, permission: "catalog:read" },
    run: async (values, config, _actor, positionals) => {
      const { recognizerDetail } = await engine();
      const detail = await withDb(config, (db) => recognizerDetail(db, recognizerArg(positionals)));
      if (!detail) {
        throw new UsageError(`no recognizer ${positionals[0]}`);
      }
      print(
        values.json === true,
        detail,
        [
          line(detail),
          ...detail.versions.map(
            (v) =>
              `  v${v.version}  ${v.change.padEnd(8)}  ${v.actor}  ${v.recordedAt.slice(0, 19).replace("T", " ")}  /${v.definition.pattern}/${v.comment ? `  "${v.comment}"` : ""}`,
          ),
        ].join("\n"),
      );
      return 0;
    },
  },
  "recognizers add": {
    summary: "add custom recognizers from a YAML/JSON file (disabled until enabled)",
    usage: "govern recognizers add --file FILE [--comment X] [--json]",
    options: { ...json, file: { type: "string" }, comment: { type: "string" } },
    access: { bootstrap: false, permission: "catalog:recognizers" },
    run: async (values, config, actor) => {
      const user = decidingUser(actor);
      const definitions = await readDefinitions(str(values, "file"));
      const { createRecognizer } = await engine();
      const created = await withDb(config, async (db) => {
        const out: TRecognizer[] = [];
        for (const definition of definitions) {
          const r = await guard(() =>
            createRecognizer(db, {
              definition,
              actor: user.email,
              comment: str(values, "comment"),
            }),
          );
          await auditCommand(db, actor, {
            action: "catalog.recognizer.create",
            target: `recognizer:${r.name}`,
            summary: { id: r.id, version: r.version, definition: r.definition },
          });
          out.push(r);
        }
        return out;
      });
      print(values.json === true, { recognizers: created }, created.map(line).join("\n"));
      return 0;
    },
  },
  "recognizers edit": {
    summary: "edit a recognizer from a file holding its new definition: a new version",
    usage: "govern recognizers edit NAME --file FILE [--comment X] [--json]",
    options: { ...json, file: { type: "string" }, comment: { type: "string" } },
    positionals: ["NAME"],
    access: { bootstrap: false, permission: "catalog:recognizers" },
    run: async (values, config, actor, positionals) => {
      const user = decidingUser(actor);
      const name = recognizerArg(positionals);
      const definitions = await readDefinitions(str(values, "file"));
      if (definitions.length !== 1) {
        throw new UsageError(`the file must hold one recognizer, it holds ${definitions.length}`);
      }
      const { editRecognizer } = await engine();
      const edited = await withDb(config, async (db) => {
        const r = await guard(() =>
          editRecognizer(db, name, {
            definition: definitions[0],
            actor: user.email,
            comment: str(values, "comment"),
          }),
        );
        await auditCommand(db, actor, {
          action: "catalog.recognizer.edit",
          target: `recognizer:${r.name}`,
          summary: { id: r.id, version: r.version, definition: r.definition },
        });
        return r;
      });
      print(values.json === true, edited, line(edited));
      return 0;
    },
  },
  ...Object.fromEntries(
    (["enable", "disable"] as const).map((verb): [string, Command] => [
      `recognizers ${verb}`,
      {
        summary:
          verb === "enable"
            ? "enable a recognizer: the next scan uses it (a new version)"
            : "disable a recognizer: scans stop using it (a new version)",
        usage: `govern recognizers ${verb} NAME [--comment X] [--json]`,
        options: { ...json, comment: { type: "string" } },
        positionals: ["NAME"],
        access: { bootstrap: false, permission: "catalog:recognizers" },
        run: async (values, config, actor, positionals) => {
          const user = decidingUser(actor);
          const { setRecognizerEnabled } = await engine();
          const changed = await withDb(config, async (db) => {
            const r = await guard(() =>
              setRecognizerEnabled(db, recognizerArg(positionals), {
                enabled: verb === "enable",
                actor: user.email,
                comment: str(values, "comment"),
              }),
            );
            await auditCommand(db, actor, {
              action: `catalog.recognizer.${verb}`,
              target: `recognizer:${r.name}`,
              summary: { id: r.id, version: r.version, comment: str(values, "comment") ?? null },
            });
            return r;
          });
          print(values.json === true, changed, line(changed));
          return 0;
        },
      },
    ]),
  ),
  "recognizers preview": {
    summary:
      "try a recognizer (a file, or a stored one by name) on live samples: which columns would change",
    usage: "govern recognizers preview (--file FILE | NAME) [--rows N] [--json]",
    options: { ...json, file: { type: "string" }, rows: { type: "string" } },
    positionals: ["NAME"],
    access: { bootstrap: true, permission: "catalog:recognizers" },
    run: async (values, config, _actor, positionals) => {
      const rows = values.rows === undefined ? 300 : positiveInt(values.rows, "rows", 2000);
      const { previewRecognizer, recognizerDetail } = await engine();
      const preview = await withDb(config, async (db) => {
        let definition: unknown;
        if (str(values, "file")) {
          const definitions = await readDefinitions(str(values, "file"));
          if (definitions.length !== 1) {
            throw new UsageError(
              `the file must hold one recognizer, it holds ${definitions.length}`,
            );
          }
          definition = definitions[0];
        } else {
          const detail = await recognizerDetail(db, recognizerArg(positionals));
          if (!detail) {
            throw new UsageError(`no recognizer ${positionals[0]}`);
          }
          definition = detail.definition;
        }
        return guard(() => previewRecognizer({ db }, { definition, rows }));
      });
      print(values.json === true, preview, previewText(preview));
      return 0;
    },
  },
  "suppressions list": {
    summary:
      "suppressions learned from rejections and overrides (what the scanner no longer proposes)",
    usage: "govern suppressions list [--all] [--json]",
    options: { ...json, all: { type: "boolean", default: false } },
    access: { bootstrap: true, permission: "catalog:read" },
    run: async (values, config) => {
      const rows = (
        await withDb(config, (db) => listSuppressions(db, { includeRemoved: values.all === true }))
      ).map(toSuppression);
      print(
        values.json === true,
        { suppressions: rows },
        rows.length
          ? rows
              .map(
                (s) =>
                  `#${s.id}  ${s.scope === "column" ? `${s.store}:${s.schema}.${s.table}.${s.column}${s.jsonPath ? `.${s.jsonPath}` : ""}` : `every table, detector ${s.detector}`}  ${s.category} → ${s.replacementCategory}  (${s.decision} by ${s.createdBy}${s.reviewEventId ? `, event #${s.reviewEventId}` : ""})${s.removedAt ? `  removed by ${s.removedBy}` : ""}`,
              )
              .join("\n")
          : "no suppressions",
      );
      return 0;
    },
  },
  "suppressions remove": {
    summary: "remove a suppression: the next scan may propose that category there again",
    usage: "govern suppressions remove ID [--json]",
    options: { ...json },
    positionals: ["ID"],
    access: { bootstrap: false, permission: "catalog:recognizers" },
    run: async (values, config, actor, positionals) => {
      const user = decidingUser(actor);
      const id = positiveInt(positionals[0], "ID", Number.MAX_SAFE_INTEGER);
      const removed = await withDb(config, async (db) => {
        const row = await removeSuppression(db, id, user.email);
        if (!row) {
          throw new UsageError(
            (await getSuppression(db, id))
              ? `suppression #${id} was already removed`
              : `no suppression #${id}`,
          );
        }
        await auditCommand(db, actor, {
          action: "catalog.suppression.remove",
          target: `suppression:${id}`,
          summary: { scope: row.scope, category: row.category, detector: row.detector },
        });
        return row;
      });
      print(values.json === true, toSuppression(removed), `removed suppression #${removed.id}`);
      return 0;
    },
  },
};
