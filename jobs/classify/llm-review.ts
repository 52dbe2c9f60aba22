import type OpenAI from "openai";
import { z } from "zod";
import { findEntities, maskValue, SENSITIVITY } from "../../rules/classification/index.ts";
import type { Config } from "../../schema/config.ts";
import {
  CATEGORIES,
  type Category,
  type ColumnProposal,
  type ColumnSample,
  type Evidence,
} from "../../schema/domain/classification.ts";

/**
 * Optional LLM second opinion for low-confidence columns, against any OpenAI-compatible API.
 * Only MASKED samples leave the process (each value through the classifier's masking; free text
 * with its entities replaced by their category first). Any failure — no answer within the timeout,
 * an error status, an answer outside the taxonomy — keeps the rule-based proposal and records why
 * in its evidence (signal "llm"). With no LLM configured it does nothing.
 */

export type ReviewInput = { sample: ColumnSample; proposal: ColumnProposal };
export type ReviewOptions = { timeoutMs?: number; concurrency?: number; maxSamples?: number };

const ZAnswer = z.object({
  category: z.enum(CATEGORIES),
  confidence: z.coerce.number().min(0).max(1),
  reason: z.string().max(500).optional(),
});

/** Above this confidence a disagreeing LLM answer replaces the rule-based category. */
const ADOPT_AT = 0.7;

const SYSTEM_PROMPT = [
  "You classify database columns for a data-governance catalog.",
  `Answer with one JSON object {"category": ..., "confidence": 0..1, "reason": "..."}.`,
  `category is exactly one of: ${CATEGORIES.join(", ")}.`,
  "free_text_pii means prose in which a real share of values embeds personal data;",
  "none means no personal data (ids, amounts, statuses, timestamps, product or company names).",
  "Sample values are masked: letters and digits are replaced by *, and entities found in text",
  "are replaced by their category in brackets. Judge from the name, type and the shapes.",
].join(" ");

export function llmConfigured(config: Pick<Config, "llm">): boolean {
  return Boolean(config.llm.baseUrl || config.llm.apiKey);
}

/** A sample as the LLM may see it: keys kept, every leaf value masked. */
export function maskSample(value: unknown, category: Category, depth = 0): unknown {
  if (value === null || value === undefined || typeof value === "boolean") {
    return value ?? null;
  }
  if (typeof value === "number") {
    return maskValue(String(value), category);
  }
  if (typeof value === "string") {
    const spans = value.length > 30 ? findEntities(value.slice(0, 2000)) : [];
    if (spans.length === 0) {
      return maskValue(value, category);
    }
    let out = "";
    let pos = 0;
    for (const s of spans) {
      out += `${maskValue(value.slice(pos, s.start), "none")}[${s.category}]`;
      pos = s.end;
    }
    return `${out}${maskValue(value.slice(pos, 2000), "none")}`;
  }
  if (depth > 4) {
    return "…";
  }
  if (Array.isArray(value)) {
    return value.slice(0, 5).map((v) => maskSample(v, category, depth + 1));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 30)) {
    out[k] = maskSample(v, category, depth + 1);
  }
  return out;
}

function llmEvidence(category: Category, note: string): Evidence {
  return {
    detector: "llm.second_opinion",
    signal: "llm",
    category,
    matched: 1,
    sampled: 1,
    examples: [],
    note,
  };
}

async function askOne(
  client: OpenAI,
  config: Pick<Config, "llm">,
  input: ReviewInput,
  options: Required<ReviewOptions>,
): Promise<ColumnProposal> {
  const { sample, proposal } = input;
  const masked = sample.samples
    .slice(0, options.maxSamples)
    .map((v) => maskSample(v, proposal.category));
  const question = {
    table: sample.table,
    column: sample.column,
    type: sample.type,
    ...(sample.comment ? { comment: sample.comment } : {}),
    masked_samples: masked,
    rule_based_proposal: { category: proposal.category, confidence: proposal.confidence },
  };
  try {
    const completion = await client.chat.completions.create(
      {
        model: config.llm.model,
        temperature: 0,
        response_format: { type: "json_object" },
        messages: [
          { role: "system", content: SYSTEM_PROMPT },
          { role: "user", content: JSON.stringify(question) },
        ],
      },
      { timeout: options.timeoutMs, maxRetries: 0 },
    );
    const content = completion.choices[0]?.message?.content ?? "";
    const json = content.replace(/^```(?:json)?\s*|\s*```$/g, "");
    const answer = ZAnswer.safeParse(JSON.parse(json));
    if (!answer.success) {
      throw new Error(`answer outside the taxonomy: ${content.slice(0, 120)}`);
    }
    const { category, confidence, reason } = answer.data;
    const note = `${config.llm.model}: ${category} (${confidence.toFixed(2)})${reason ? ` — ${reason}` : ""}`;
    const evidence = [...proposal.evidence, llmEvidence(category, note)];
    if (category === proposal.category) {
      const agreed = Math.max(proposal.confidence, (proposal.confidence + confidence) / 2);
      return { ...proposal, confidence: Math.round(agreed * 100) / 100, evidence };
    }
    if (confidence >= ADOPT_AT) {
      // Still below the rule-based bar: the steward reviews it either way.
      const adopted = Math.round(confidence * 0.8 * 100) / 100;
      return {
        ...proposal,
        category,
        sensitivity: SENSITIVITY[category],
        confidence: adopted,
        evidence,
      };
    }
    return { ...proposal, evidence };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      ...proposal,
      evidence: [
        ...proposal.evidence,
        llmEvidence(proposal.category, `second opinion unavailable: ${why.slice(0, 200)}`),
      ],
    };
  }
}

/**
 * Asks the configured LLM about each column whose proposal is below `config.llm.minConfidence`
 * and returns the proposals in input order (unchanged for the others, and for all when no LLM is
 * configured). Never throws for LLM failures.
 */
export async function secondOpinion(
  config: Pick<Config, "llm">,
  columns: ReviewInput[],
  options: ReviewOptions = {},
): Promise<ColumnProposal[]> {
  const result = columns.map((c) => c.proposal);
  if (!llmConfigured(config)) {
    return result;
  }
  const opts: Required<ReviewOptions> = {
    timeoutMs: options.timeoutMs ?? 15_000,
    concurrency: options.concurrency ?? 4,
    maxSamples: options.maxSamples ?? 10,
  };
  // The SDK loads only when a second opinion is configured and asked for.
  const { default: OpenAI } = await import("openai");
  const client = new OpenAI({
    baseURL: config.llm.baseUrl,
    apiKey: config.llm.apiKey ?? "not-needed",
    timeout: opts.timeoutMs,
    maxRetries: 0,
  });
  const pending = columns
    .map((c, index) => ({ c, index }))
    // A column without samples has nothing to show: it stays not yet classifiable for a steward.
    .filter(
      ({ c }) => c.proposal.confidence < config.llm.minConfidence && c.sample.samples.length > 0,
    );
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const item = pending[next++];
      if (item) {
        result[item.index] = await askOne(client, config, item.c, opts);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, pending.length) }, worker));
  return result;
}
