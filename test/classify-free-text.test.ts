import { describe, expect, test } from "vitest";
import { classifyColumn } from "../rules/classification/index.ts";

/**
 * Borderline free text leans to personal data: a description column where only a small share of
 * values embed an address is `free_text_pii` in every sample drawn from it, not `none` in some.
 */

const JOBS = [
  "lawn mowing and edging",
  "sprinkler system repair",
  "sod installation",
  "core aeration and overseeding",
  "hedge and shrub trimming",
  "gutter cleaning",
  "leaf removal",
  "mulch delivery and spreading",
];
const COMPANIES = [
  "Miami Montessori School",
  "Coral Gables Family Medicine",
  "Ziemann Holdings LLC",
  "Stark, Tremblay and Crona",
  "Miami Fitness Club",
  "Rogahn LLC",
  "Shanahan - Schamberger",
  "Mills - Halvorson",
];
const STREETS = [
  "3959 Schuppe Vista Apt 36A",
  "17986 Ivy Pine",
  "3353 Howe Spring",
  "7486 Predovic Shores",
  "958 Dudley Flats",
  "16972 Gislason Groves",
  "4751 Raynor Views",
  "13589 Lorna Crescent",
];

/** Mostly estimates and contracts, and about one value in twenty a site photo with its street. */
function descriptions(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    if (i % 20 === 7) {
      return `Site photo at ${STREETS[((i / 20) % STREETS.length) | 0]}`;
    }
    if (i % 3 === 0) {
      return `Service agreement with ${COMPANIES[i % COMPANIES.length]}`;
    }
    return `Signed estimate for ${JOBS[i % JOBS.length]} #${1000 + i}`;
  });
}

describe("free text that sometimes embeds personal data", () => {
  test("a description column with a few street addresses among contracts and estimates is free_text_pii", () => {
    const proposal = classifyColumn({
      table: "documents",
      column: "description",
      type: "text",
      samples: descriptions(400),
    });
    expect(proposal.category).toBe("free_text_pii");
  });

  test("every smaller sample of the same column leans the same way", () => {
    const all = descriptions(400);
    for (let offset = 0; offset < 8; offset++) {
      const sample = all.filter((_, i) => (i * 3 + offset) % 7 !== 0).slice(0, 150 + offset * 20);
      const proposal = classifyColumn({
        table: "documents",
        column: "description",
        type: "text",
        samples: sample,
      });
      expect(proposal.category, `sample ${offset}`).toBe("free_text_pii");
    }
  });

  test("prose without any personal data stays none", () => {
    const samples = Array.from(
      { length: 200 },
      (_, i) => `Signed estimate for ${JOBS[i % JOBS.length]} #${1000 + i}`,
    );
    const proposal = classifyColumn({
      table: "documents",
      column: "description",
      type: "text",
      samples,
    });
    expect(proposal.category).toBe("none");
  });
});
