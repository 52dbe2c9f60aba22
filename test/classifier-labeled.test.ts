import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { classifySampleFile } from "../rules/classification/index.ts";
import { CATEGORIES } from "../schema/domain/classification.ts";

/**
 * The classifier's quality bar, measured through the offline contract on a labeled set with hard
 * negatives (test/fixtures/classification/labeled-columns.json, built by generate-labeled.ts):
 * precision and recall of the category over personal-data columns, both at least 0.95.
 * Precision: of the columns proposed as some personal-data category, the share proposed with the
 * right one. Recall: of the columns that hold personal data, the share proposed with the right one.
 */
const FILE = join(import.meta.dirname, "fixtures/classification/labeled-columns.json");

test("precision and recall of the category on the labeled set are at least 0.95", () => {
  const text = readFileSync(FILE, "utf8");
  const labeled = (
    JSON.parse(text) as { columns: { table: string; column: string; expected: string }[] }
  ).columns;
  expect(labeled.length).toBeGreaterThanOrEqual(250);
  const started = performance.now();
  const { columns } = classifySampleFile(text);
  const ms = performance.now() - started;

  let truePositive = 0;
  let proposedPii = 0;
  let actualPii = 0;
  const confusion = new Map<string, number>();
  const misses: string[] = [];
  columns.forEach((c, i) => {
    const expected = labeled[i]?.expected ?? "?";
    expect(CATEGORIES).toContain(c.category);
    if (c.category !== "none") {
      proposedPii++;
    }
    if (expected !== "none") {
      actualPii++;
    }
    if (c.category !== "none" && c.category === expected) {
      truePositive++;
    }
    if (c.category !== expected) {
      const key = `${expected} → ${c.category}`;
      confusion.set(key, (confusion.get(key) ?? 0) + 1);
      misses.push(
        `${c.table}.${c.column}: expected ${expected}, got ${c.category} (${c.confidence})`,
      );
    }
  });
  const precision = proposedPii ? truePositive / proposedPii : 0;
  const recall = actualPii ? truePositive / actualPii : 0;
  const summary = [
    `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} over ${columns.length} columns (${Math.round(ms)} ms)`,
    ...[...confusion.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${n} × ${k}`),
    ...misses.map((m) => `  ${m}`),
  ].join("\n");
  console.log(summary);
  expect(precision, summary).toBeGreaterThanOrEqual(0.95);
  expect(recall, summary).toBeGreaterThanOrEqual(0.95);
});
