import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import {
  type CompiledRecognizer,
  compileRecognizer,
  RecognizerDefinitionError,
} from "./custom-recognizers.ts";

/**
 * The offline contract's recognizers file (`govern classify --sample-file F --recognizers R`):
 * YAML or JSON (YAML parses both), either a list of definitions or `{recognizers: [...]}`, each
 * definition shaped as the API's. Every problem names `source:line` and the field, so a file
 * edited by hand can be fixed without guessing.
 */
export class RecognizersFileError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}:\n  - ${problems.join("\n  - ")}`);
    this.name = "RecognizersFileError";
  }
}

export function parseRecognizersFile(text: string, source = "recognizers"): CompiledRecognizer[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    throw new RecognizersFileError(
      `${source} is not valid YAML or JSON`,
      doc.errors.map((e) => `${source}:${lines.linePos(e.pos[0]).line}: ${e.message}`),
    );
  }
  const rootIsList = isSeq(doc.contents);
  const single = isMap(doc.contents) && doc.has("name") && !doc.has("recognizers");
  if (!rootIsList && !single && !(isMap(doc.contents) && isSeq(doc.get("recognizers", true)))) {
    throw new RecognizersFileError(`${source} is not a recognizers file`, [
      `${source}:1: expected a recognizer, a list of recognizers or {recognizers: [...]}`,
    ]);
  }
  const base: (string | number)[] = rootIsList || single ? [] : ["recognizers"];
  const lineOf = (path: (string | number)[]): number => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number] } | undefined;
      if (node?.range) {
        return lines.linePos(node.range[0]).line;
      }
    }
    return 1;
  };
  const js = doc.toJS() as unknown;
  const entries = (
    single ? [js] : rootIsList ? js : (js as { recognizers: unknown[] }).recognizers
  ) as unknown[];
  const problems: string[] = [];
  const out: CompiledRecognizer[] = [];
  const names = new Set<string>();
  entries.forEach((entry, index) => {
    const at = single ? [] : [...base, index];
    const label = single ? "recognizer" : `${base.length ? "recognizers" : ""}[${index}]`;
    try {
      const compiled = compileRecognizer(entry);
      if (names.has(compiled.name)) {
        problems.push(
          `${source}:${lineOf([...at, "name"])}: ${label}.name: ${compiled.name} is defined twice`,
        );
      }
      names.add(compiled.name);
      out.push(compiled);
    } catch (error) {
      if (!(error instanceof RecognizerDefinitionError)) {
        throw error;
      }
      for (const p of error.problems) {
        const field = p.path === "(definition)" ? [] : p.path.split(".");
        problems.push(
          `${source}:${lineOf([...at, ...field])}: ${label}${field.length ? `.${p.path}` : ""}: ${p.message}`,
        );
      }
    }
  });
  if (problems.length) {
    throw new RecognizersFileError(`${source} has invalid recognizers`, problems);
  }
  return out;
}
