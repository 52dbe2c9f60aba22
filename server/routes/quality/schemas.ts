import { z } from "@hono/zod-openapi";
import { SqlRejected } from "../../../jobs/quality/sql-guard.ts";
import type { RuleResult } from "../../../jobs/quality/types.ts";
import { QualityRulesError } from "../../../rules/quality/loader.ts";
import { AppError } from "../../errors.ts";

/** Shapes of the quality API; the console imports these as inferred types. */

export const ZIdParams = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
/** A rule id; its shape ([a-z0-9_]+) is checked in the handler, after access (an unknown id is 404). */
export const ZRuleIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "id", in: "path" }, description: "[a-z0-9_]+" }),
});

/** A rule as the contract writes it (validated by rules/quality's schema, with line-free messages). */
export const ZRuleBody = z.record(z.string(), z.unknown()).openapi("QualityRuleInput");

export {
  ZIncident,
  ZIncidentDetail,
  ZResultRow,
  ZRuleDetail,
  ZRuleOverview,
  ZRuleResult,
  ZRunResponse,
  ZSamples,
  ZSuggestion,
  ZSummary,
} from "../../../schema/contracts/quality.ts";

import { type TRuleResult, ZRuleResult } from "../../../schema/contracts/quality.ts";

/** Runs `fn`, turning a refused rule or SQL text into a 400 that names the problem. */
export async function asRuleErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof QualityRulesError) {
      throw new AppError(
        "invalid_request",
        error.message.split(":\n")[0] ?? "invalid rule",
        error.problems.map((p) => ({ path: p.split(":")[0] ?? "", message: p })),
      );
    }
    if (error instanceof SqlRejected) {
      throw new AppError("invalid_request", `sql: ${error.message}`, [
        { path: "sql", message: error.message, token: error.token },
      ]);
    }
    throw error;
  }
}

/** The wire shape of an engine result (snake_case, like the CLI contract; unknown keys dropped). */
export function toWireResult(r: RuleResult & { id: string | null }): TRuleResult {
  const { tenantId, sampleKeys, ...rest } = r;
  return ZRuleResult.parse({ ...rest, tenant_id: tenantId, sample_keys: sampleKeys });
}
