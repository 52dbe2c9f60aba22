import { z } from "zod";
import type { Category, Evidence, Sensitivity } from "../../schema/domain/classification.ts";
import { classifyColumn } from "./classify.ts";
import { pairCoordinates, type TableColumn } from "./coordinate-pairs.ts";
import { type CompiledRecognizer, withRecognizers } from "./custom-recognizers.ts";

/**
 * The offline contract (`govern classify --sample-file FILE --json`), kept stable for evaluation:
 * reads `{"columns":[{"table","column","type","samples":[...]}]}` and answers
 * `{"columns":[{"table","column","category","sensitivity","confidence","evidence","paths"}]}` in
 * input order. Touches no database.
 */

const ZColumn = z.object({
  table: z.string().min(1),
  column: z.string().min(1),
  type: z.string().default("text"),
  comment: z.string().optional(),
  samples: z.array(z.unknown()),
});
const ZSampleFile = z.object({ columns: z.array(z.unknown()) });

export type OfflineColumn = {
  table: string;
  column: string;
  category: Category;
  sensitivity: Sensitivity;
  confidence: number;
  evidence: Evidence[];
  paths: { path: string; category: Category }[];
};

export class SampleFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SampleFileError";
  }
}

/**
 * Parses and classifies a sample file; throws `SampleFileError` naming the first bad entry.
 * Custom recognizers (from `--recognizers FILE`) run after the built-in detectors.
 */
export function classifySampleFile(
  jsonText: string,
  options: { recognizers?: CompiledRecognizer[] } = {},
): { columns: OfflineColumn[] } {
  const classify = withRecognizers(classifyColumn, options.recognizers ?? []);
  let raw: unknown;
  try {
    raw = JSON.parse(jsonText);
  } catch (error) {
    throw new SampleFileError(`sample file is not valid JSON: ${(error as Error).message}`);
  }
  const file = ZSampleFile.safeParse(raw);
  if (!file.success) {
    throw new SampleFileError('sample file must be an object {"columns": [...]}');
  }
  const columns: OfflineColumn[] = [];
  const samples: TableColumn[] = [];
  file.data.columns.forEach((entry, index) => {
    const parsed = ZColumn.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.join(".") : "entry";
      const label =
        entry && typeof entry === "object" && "column" in entry
          ? ` (${String((entry as { table?: unknown }).table)}.${String((entry as { column?: unknown }).column)})`
          : "";
      throw new SampleFileError(
        `columns[${index}]${label}: ${where}: ${issue?.message ?? "invalid"}`,
      );
    }
    const c = parsed.data;
    const proposal = classify({
      table: c.table,
      column: c.column,
      type: c.type,
      samples: c.samples,
      ...(c.comment !== undefined ? { comment: c.comment } : {}),
    });
    samples.push({ name: c.column, samples: c.samples });
    columns.push({
      table: c.table,
      column: c.column,
      category: proposal.category,
      sensitivity: proposal.sensitivity,
      confidence: Math.round(proposal.confidence * 100) / 100,
      evidence: proposal.evidence,
      paths: proposal.paths.map((p) => ({ path: p.path, category: p.category })),
    });
  });
  // Columns are judged with their table too (a longitude next to its latitude).
  const byTable = new Map<string, number[]>();
  columns.forEach((c, i) => {
    const list = byTable.get(c.table);
    if (list) {
      list.push(i);
    } else {
      byTable.set(c.table, [i]);
    }
  });
  for (const indexes of byTable.values()) {
    const table = indexes.map((i) => samples[i] as TableColumn);
    const paired = pairCoordinates(
      table,
      indexes.map((i) => columns[i] as OfflineColumn),
    );
    indexes.forEach((i, k) => {
      const p = paired[k] as OfflineColumn;
      columns[i] = { ...p, confidence: Math.round(p.confidence * 100) / 100 };
    });
  }
  return { columns };
}
