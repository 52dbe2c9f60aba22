import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Document, isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { ruleShapeProblems, type TQualityRule, ZQualityRule } from "./schema.ts";

/** The folder of rule files shipped with govern (the seed's three rules are in `builtin.yaml`). */
export const DEFAULT_RULES_DIR = import.meta.dirname;

/** Rule text that does not parse or does not validate; every problem names its line. */
export class QualityRulesError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}:\n  - ${problems.join("\n  - ")}`);
    this.name = "QualityRulesError";
  }
}

type Path = (string | number)[];

/** The 1-based line of the node at `path` (or of its nearest existing ancestor). */
function lineOf(doc: Document, counter: LineCounter, path: Path): number {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | null;
    if (node && typeof node === "object" && node.range) {
      return counter.linePos(node.range[0]).line;
    }
  }
  return 1;
}

/**
 * Parses rule text (YAML: one rule or a list of rules) and validates every rule; throws
 * QualityRulesError with `source:line: field: problem` for each problem. Ids must be unique.
 */
export function parseQualityRules(text: string, source = "rules"): TQualityRule[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new QualityRulesError(
      `${source} is not valid YAML`,
      doc.errors.map((e) => `${source}:${e.linePos?.[0]?.line ?? 1}: ${e.message.split("\n")[0]}`),
    );
  }
  const contents = doc.contents;
  const list = isSeq(contents);
  if (!list && !isMap(contents)) {
    throw new QualityRulesError(`${source} holds no rule`, [
      `${source}:1: expected a rule (a mapping) or a list of rules`,
    ]);
  }
  const raw = doc.toJS() as unknown;
  const items = (list ? raw : [raw]) as unknown[];
  const problems: string[] = [];
  const rules: TQualityRule[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const base: Path = list ? [i] : [];
    const parsed = ZQualityRule.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [...base, ...(issue.path as Path)];
        const field = issue.path.length ? issue.path.join(".") : "(rule)";
        problems.push(`${source}:${lineOf(doc, counter, path)}: ${field}: ${issue.message}`);
      }
      return;
    }
    const line = lineOf(doc, counter, base);
    for (const problem of ruleShapeProblems(parsed.data)) {
      const field = problem.split(":")[0] ?? "";
      const at = lineOf(doc, counter, [...base, ...field.split(".")]);
      problems.push(`${source}:${at}: ${problem}`);
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) {
      problems.push(`${source}:${line}: id: duplicate rule id ${parsed.data.id} (line ${first})`);
    }
    seen.set(parsed.data.id, line);
    rules.push(parsed.data);
  });
  if (problems.length) {
    throw new QualityRulesError(`${source} is not a valid quality rule file`, problems);
  }
  return rules;
}

/** Validates one rule given as an object (API, console editor); throws QualityRulesError. */
export function parseQualityRule(raw: unknown, source = "rule"): TQualityRule {
  const parsed = ZQualityRule.safeParse(raw);
  const problems = parsed.success
    ? ruleShapeProblems(parsed.data)
    : parsed.error.issues.map(
        (i) => `${i.path.length ? i.path.join(".") : "(rule)"}: ${i.message}`,
      );
  if (!parsed.success || problems.length) {
    throw new QualityRulesError(`${source} is not a valid quality rule`, problems);
  }
  return parsed.data;
}

/** Reads every `*.yaml`/`*.yml` in a folder (default: rules/quality), ids unique across files. */
export function loadQualityRules(dir = DEFAULT_RULES_DIR): TQualityRule[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort();
  } catch (error) {
    throw new QualityRulesError(`cannot read ${dir}`, [(error as Error).message]);
  }
  const all: TQualityRule[] = [];
  const from = new Map<string, string>();
  const problems: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    for (const rule of parseQualityRules(readFileSync(path, "utf8"), path)) {
      const other = from.get(rule.id);
      if (other) {
        problems.push(`${path}: id: duplicate rule id ${rule.id} (also in ${other})`);
      }
      from.set(rule.id, path);
      all.push(rule);
    }
  }
  if (problems.length) {
    throw new QualityRulesError("quality rules are not unique", problems);
  }
  return all;
}
