// Custom recognizers and suppressions (issue 21): wire shapes defined once. The routes validate
// and document with them, the console imports their inferred types, and the classifier's
// recognizer loader (rules/classification/custom-recognizers.ts) validates definitions with the
// same schema, so an offline recognizers file and the API accept exactly the same thing.
import { z } from "@hono/zod-openapi";
import { CATEGORIES } from "../domain/classification.ts";

/** Stored text must hold no control characters (NUL cannot be stored at all; the rest hide content). */
const printable = <T extends z.ZodString>(schema: T) =>
  schema.refine((value) => !/\p{Cc}/u.test(value), "must not contain control characters");

/** Categories a recognizer may speak for (`none` is what a suppression is for, not a recognizer). */
export type RecognizerCategory = Exclude<(typeof CATEGORIES)[number], "none">;
export const RECOGNIZER_CATEGORIES = CATEGORIES.filter((c) => c !== "none") as [
  RecognizerCategory,
  ...RecognizerCategory[],
];

export const ZRecognizerValidator = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("luhn") }).describe("Luhn check digit (cards, IMEI, ...)"),
    z.strictObject({ kind: z.literal("iban") }).describe("IBAN checksum and length (ibantools)"),
    z
      .strictObject({
        kind: z.literal("vat"),
        country: z
          .string()
          .regex(/^[A-Z]{2}$/, "a two-letter country code")
          .optional()
          .describe("Only this country's VAT numbers; any EU/EFTA country when absent"),
      })
      .describe("EU/EFTA VAT number (jsvat)"),
    z
      .strictObject({
        kind: z.literal("stdnum"),
        country: z.string().regex(/^[A-Z]{2}$/, "a two-letter country code"),
        type: z.string().regex(/^[a-z0-9_]{1,20}$/, "a stdnum number type such as idnr"),
      })
      .describe("A national number with its check digits (stdnum: country + type, e.g. DE idnr)"),
  ])
  .openapi("RecognizerValidator");

export const ZRecognizerName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{1,62}$/,
    "2-63 characters: lower-case letters, digits and _, starting with a letter",
  )
  .openapi({ example: "employee_number" });

export const ZRecognizerDefinition = z
  .strictObject({
    name: ZRecognizerName,
    description: printable(z.string().max(500)).optional(),
    category: z.enum(RECOGNIZER_CATEGORIES).describe("Taxonomy category"),
    pattern: printable(z.string().min(1).max(500)).describe(
      "A JavaScript regular expression, no slashes",
    ),
    ignoreCase: z.boolean().default(false),
    match: z
      .enum(["full", "contains"])
      .default("full")
      .describe("full: the whole (trimmed) value matches; contains: somewhere inside the text"),
    validator: ZRecognizerValidator.optional(),
    contextWords: z
      .array(printable(z.string().trim().min(2).max(40)))
      .max(30)
      .default([])
      .describe("Words in the column's name or comment (or, with contains, near the match)"),
    requireContext: z
      .boolean()
      .default(false)
      .describe("Apply only where a context word is present"),
    minShare: z
      .number()
      .min(0.01)
      .max(1)
      .default(0.6)
      .describe("Share of a column's non-null samples that must match (and validate)"),
  })
  .openapi("RecognizerDefinition");

export const ZRecognizer = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.number().int(),
    enabled: z.boolean(),
    definition: ZRecognizerDefinition,
    createdBy: z.string(),
    createdAt: z.string(),
    updatedBy: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Recognizer");

export const ZRecognizerVersion = z
  .object({
    version: z.number().int(),
    change: z.enum(["created", "edited", "enabled", "disabled"]),
    definition: ZRecognizerDefinition,
    enabled: z.boolean(),
    actor: z.string(),
    comment: z.string().nullable(),
    recordedAt: z.string(),
  })
  .openapi("RecognizerVersion");

export const ZRecognizerDetail = ZRecognizer.extend({
  versions: z.array(ZRecognizerVersion),
}).openapi("RecognizerDetail");

export const ZRecognizerList = z.object({ recognizers: z.array(ZRecognizer) });

/** Create: the definition; edit: the definition again (a new version), with an optional note. */
export const ZRecognizerWrite = z
  .strictObject({
    definition: ZRecognizerDefinition,
    comment: printable(z.string().max(2000)).optional(),
  })
  .openapi("RecognizerWrite");

export const ZRecognizerToggle = z
  .strictObject({ enabled: z.boolean(), comment: printable(z.string().max(2000)).optional() })
  .openapi("RecognizerToggle");

/** One column the recognizer matched on live samples, and what the next scan would make of it. */
export const ZPreviewColumn = z
  .object({
    store: z.string(),
    schema: z.string(),
    table: z.string(),
    column: z.string(),
    jsonPath: z
      .string()
      .describe("The JSON path inside the column (`contact.phone`), empty for the column itself"),
    matched: z.number().int(),
    sampled: z.number().int(),
    contextWord: z.string().nullable(),
    examples: z.array(z.string()).describe("Masked matching samples"),
    currentCategory: z.string().nullable().describe("The catalog's effective category now"),
    currentStatus: z.string().nullable(),
    newCategory: z.string().describe("The category the next scan would propose"),
    effect: z
      .enum(["changes", "flags_decision", "no_change", "below_threshold"])
      .describe(
        "changes: the proposal changes; flags_decision: a steward's decision would be flagged for re-review; no_change; below_threshold: matched, too few to apply",
      ),
  })
  .openapi("RecognizerPreviewColumn");

export const ZRecognizerPreview = z
  .object({
    definition: ZRecognizerDefinition,
    tables: z.number().int(),
    columns: z.number().int().describe("Columns sampled"),
    rowsPerTable: z.number().int(),
    matches: z.array(ZPreviewColumn),
    changes: z.number().int().describe("Columns whose label the recognizer would change"),
  })
  .openapi("RecognizerPreview");

export const ZRecognizerPreviewRequest = z
  .strictObject({
    definition: ZRecognizerDefinition,
    rows: z.number().int().min(10).max(2000).default(300).describe("Rows sampled per table"),
  })
  .openapi("RecognizerPreviewRequest");

export const ZSuppression = z
  .object({
    id: z.number().int(),
    scope: z.enum(["column", "all_tables"]),
    store: z.string().nullable(),
    schema: z.string().nullable(),
    table: z.string().nullable(),
    column: z.string().nullable(),
    jsonPath: z.string().nullable(),
    category: z.string().describe("The category no longer proposed"),
    detector: z.string().nullable().describe("all_tables: the detector whose call is ignored"),
    replacementCategory: z.string(),
    decision: z.string().describe("rejected or overridden"),
    reviewEventId: z.number().int().nullable(),
    columnId: z.string().nullable(),
    comment: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    removedBy: z.string().nullable(),
    removedAt: z.string().nullable(),
  })
  .openapi("Suppression");

export const ZSuppressionList = z.object({ suppressions: z.array(ZSuppression) });

export const ZSuppressionQuery = z.strictObject({
  column: z.string().uuid().optional().describe("Only those made from decisions on this column"),
  removed: z.enum(["true", "false"]).optional().describe("Include removed ones"),
});

export type TRecognizerDefinition = z.infer<typeof ZRecognizerDefinition>;
export type TRecognizerDefinitionInput = z.input<typeof ZRecognizerDefinition>;
export type TRecognizerValidator = z.infer<typeof ZRecognizerValidator>;
export type TRecognizer = z.infer<typeof ZRecognizer>;
export type TRecognizerVersion = z.infer<typeof ZRecognizerVersion>;
export type TRecognizerDetail = z.infer<typeof ZRecognizerDetail>;
export type TRecognizerPreview = z.infer<typeof ZRecognizerPreview>;
export type TPreviewColumn = z.infer<typeof ZPreviewColumn>;
export type TSuppression = z.infer<typeof ZSuppression>;
