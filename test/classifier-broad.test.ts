import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { classifySampleFile } from "../rules/classification/index.ts";
import { CATEGORIES } from "../schema/domain/classification.ts";

/**
 * The classifier on the broad labeled set (test/fixtures/classification-broad, built by its
 * seeded generate.ts from issuers' check-digit rules, public test vectors and faker's locales,
 * with a hard negative for each kind): precision and recall per category, each at least 0.98.
 * Precision of a category: of the columns proposed as it, the share that are it. Recall: of the
 * columns that are it, the share proposed as it.
 */
const FILE = join(import.meta.dirname, "fixtures/classification-broad/broad-columns.json");
const FLOOR = 0.98;

test("per-category precision and recall on the broad labeled set are at least 0.98", () => {
  const text = readFileSync(FILE, "utf8");
  const labeled = (JSON.parse(text) as { columns: { expected: string }[] }).columns;
  expect(labeled.length).toBeGreaterThanOrEqual(250);
  const { columns } = classifySampleFile(text);
  const proposed = new Map<string, number>();
  const actual = new Map<string, number>();
  const right = new Map<string, number>();
  const misses: string[] = [];
  columns.forEach((c, i) => {
    const expected = labeled[i]?.expected ?? "?";
    expect(CATEGORIES).toContain(c.category);
    proposed.set(c.category, (proposed.get(c.category) ?? 0) + 1);
    actual.set(expected, (actual.get(expected) ?? 0) + 1);
    if (c.category === expected) {
      right.set(expected, (right.get(expected) ?? 0) + 1);
    } else {
      misses.push(
        `  ${c.table}.${c.column}: expected ${expected}, got ${c.category} (${c.confidence})`,
      );
    }
  });
  const lines: string[] = [];
  const failing: string[] = [];
  for (const category of CATEGORIES) {
    const n = actual.get(category) ?? 0;
    const p = proposed.get(category) ?? 0;
    if (!n && !p) {
      continue;
    }
    const ok = right.get(category) ?? 0;
    const precision = p ? ok / p : 0;
    const recall = n ? ok / n : 0;
    lines.push(
      `${category.padEnd(14)} precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} (${n} columns)`,
    );
    if (category !== "none" && (precision < FLOOR || recall < FLOOR)) {
      failing.push(category);
    }
  }
  const summary = [...lines, ...misses].join("\n");
  console.log(summary);
  expect(failing, summary).toEqual([]);
});
