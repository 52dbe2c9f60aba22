import { describe, expect, test } from "vitest";
import {
  backtrackingRisk,
  compileRecognizer,
  evaluateRecognizer,
  RecognizerDefinitionError,
} from "../rules/classification/custom-recognizers.ts";

/**
 * The recognizer compiler on its own: patterns that could hang a scan are refused (by structure,
 * and by a time budget on adversarial inputs), and library validators decide which matches count.
 */

const column = (samples: unknown[], name = "ref") => ({
  table: "t",
  column: name,
  type: "text",
  samples,
});

const problems = (definition: unknown): string[] => {
  try {
    compileRecognizer(definition);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(RecognizerDefinitionError);
    return (error as RecognizerDefinitionError).problems.map((p) => `${p.path}: ${p.message}`);
  }
};

describe("pattern safety", () => {
  test.each([
    "(a+)+",
    "(\\d*)*",
    "(\\w|\\d)+",
    "(?:[A-Z]\\d+){2,}",
    "((ab)+c)*",
    "(x+x+)+y",
    "(a)\\1",
  ])("refuses %s", (pattern) => {
    expect(backtrackingRisk(pattern)).not.toBeNull();
    expect(problems({ name: "p1", category: "credential", pattern }).join()).toMatch(/pattern:/);
  });

  test.each(["EMP-\\d{6}", "(\\d{3}-?)+\\d{4}", "[(]a+[)]+", "[A-Z]{2}\\d{2}(?: ?\\d{4}){4}"])(
    "accepts %s",
    (pattern) => {
      expect(backtrackingRisk(pattern)).toBeNull();
      expect(problems({ name: "p1", category: "credential", pattern })).toEqual([]);
    },
  );

  test("a pattern that compiles, is not nested, but is slow is refused by the time budget", () => {
    // Overlapping adjacent repetitions: polynomial blow-up the structural check lets through.
    const slow = "\\d+\\d+\\d+y";
    expect(backtrackingRisk(slow)).toBeNull();
    expect(problems({ name: "p1", category: "credential", pattern: slow }).join()).toMatch(
      /ms on a/,
    );
  });

  test("bounded: long patterns, empty matches and unknown keys are refused", () => {
    expect(problems({ name: "p1", category: "email", pattern: "a".repeat(501) })).toHaveLength(1);
    expect(problems({ name: "p1", category: "email", pattern: "a?" })).toEqual([
      "pattern: matches the empty string",
    ]);
    expect(problems({ name: "p1", category: "email", pattern: "a", flags: "g" })[0]).toMatch(
      /flags|Unrecognized/i,
    );
  });
});

describe("validators from libraries", () => {
  test("luhn keeps valid card numbers only", () => {
    const r = compileRecognizer({
      name: "cards",
      category: "payment_card",
      pattern: "\\d{4}(?: ?\\d{4}){3}",
      validator: { kind: "luhn" },
    });
    const hit = evaluateRecognizer(r, column(["4111 1111 1111 1111", "4111 1111 1111 1112"]));
    expect([hit.matched, hit.sampled]).toEqual([1, 2]);
  });

  test("iban (ibantools), vat (jsvat) and stdnum national numbers", () => {
    const iban = compileRecognizer({
      name: "ibans",
      category: "bank_account",
      pattern: "[A-Z]{2}\\d{2}[A-Z0-9 ]{10,30}",
      validator: { kind: "iban" },
    });
    expect(
      evaluateRecognizer(
        iban,
        column(["DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 01"]),
      ).matched,
    ).toBe(1);
    const vat = compileRecognizer({
      name: "vats",
      category: "government_id",
      pattern: "[A-Z]{2}[0-9A-Z]{8,12}",
      validator: { kind: "vat", country: "DE" },
    });
    expect(evaluateRecognizer(vat, column(["DE136695976", "DE136695977"])).matched).toBe(1);
    const idnr = compileRecognizer({
      name: "de_idnr",
      category: "government_id",
      pattern: "\\d{11}",
      validator: { kind: "stdnum", country: "DE", type: "idnr" },
    });
    expect(evaluateRecognizer(idnr, column(["36574261809", "36574261808"])).matched).toBe(1);
    expect(
      problems({
        name: "x1",
        category: "government_id",
        pattern: "\\d+",
        validator: { kind: "stdnum", country: "ZZ", type: "idnr" },
      }),
    ).toEqual(["validator: stdnum has no validators for ZZ"]);
  });

  test("context words raise confidence and can be required", () => {
    const r = compileRecognizer({
      name: "badges",
      category: "government_id",
      pattern: "B-\\d{5}",
      contextWords: ["badge"],
      requireContext: true,
    });
    const inName = evaluateRecognizer(r, column(["B-12345", "B-54321"], "staffBadgeNo"));
    const elsewhere = evaluateRecognizer(r, column(["B-12345", "B-54321"], "code"));
    expect(inName).toMatchObject({ applies: true, contextWord: "badge" });
    expect(elsewhere).toMatchObject({ applies: false, contextWord: null });
    expect(inName.confidence).toBeGreaterThan(elsewhere.confidence);
  });
});
