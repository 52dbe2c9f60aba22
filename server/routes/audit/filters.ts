import { z } from "@hono/zod-openapi";
import type { AuditFilter } from "../../../schema/governance/audit-query.ts";
import { AppError } from "../../errors.ts";

const ZInstant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .openapi({ description: "ISO 8601 date or date-time (UTC unless an offset is given)" });

/** Printable text: a NUL or control character could never match and Postgres rejects NUL. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !/\p{Cc}/u.test(value), "must not contain control characters");

/** A whole number written in decimal ("0x10", "1e3" and " 7" are refused, not reinterpreted). */
export const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((n) => n ?? fallback)
    .openapi({ type: "integer", minimum: min, maximum: max, default: fallback });

/** The filters the audit list and export share (query string). */
export const auditFilterFields = {
  actor: text(255).optional(),
  action: text(100)
    .optional()
    .openapi({ description: "Exact action, or a prefix ending in `*` (e.g. `retention.*`)" }),
  target: text(500).optional().openapi({ description: "Substring" }),
  from: ZInstant.optional(),
  to: ZInstant.optional().openapi({ description: "Exclusive upper bound" }),
  sort: z
    .enum(["asc", "desc"])
    .default("desc")
    .openapi({ description: "Order by occurredAt (then id)" }),
};

export function toAuditFilter(query: {
  actor?: string;
  action?: string;
  target?: string;
  from?: string;
  to?: string;
}): AuditFilter {
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : undefined;
  for (const [name, date] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (date && Number.isNaN(date.getTime())) {
      throw new AppError("invalid_request", `\`${name}\` is not a real date.`, [
        { path: name, message: "not a real date" },
      ]);
    }
  }
  if (from && to && from > to) {
    throw new AppError("invalid_request", "`from` must not be after `to`.", [
      { path: "from", message: "must not be after To" },
    ]);
  }
  const prefix = query.action?.endsWith("*") ? query.action.slice(0, -1) : undefined;
  return {
    actor: query.actor,
    action: prefix === undefined ? query.action : undefined,
    // `*` alone is every action: no filter.
    actionPrefix: prefix || undefined,
    target: query.target,
    from,
    to,
  };
}

export { ZAuditEvent } from "../../../schema/contracts/audit.ts";
