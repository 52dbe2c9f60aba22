import type { Refusal } from "../../../jobs/retention/approvals.ts";
import { AppError, type ErrorCode } from "../../errors.ts";

/** How each refusal of the approval gate answers: the code travels in error.details.reason. */
const STATUS_OF: Record<Refusal["code"], ErrorCode> = {
  not_found: "not_found",
  reason_required: "invalid_request",
  not_permitted: "forbidden",
  self_approval: "conflict",
  separation_of_duties: "conflict",
  expired: "conflict",
  fingerprint_mismatch: "conflict",
  held: "conflict",
  wrong_status: "conflict",
};

/** The AppError for a refused decision; the message leads with the reason code. */
export function refusalError(refusal: Refusal): AppError {
  const { ok: _ok, code, message, ...rest } = refusal;
  return new AppError(STATUS_OF[code], `Refused (${code}): ${message}`, { reason: code, ...rest });
}
