import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The closed set of error codes the API answers with, and the status each maps to. */
export const ERROR_STATUS = {
  /** The request body, query or path failed validation. */
  invalid_request: 400,
  /** No valid session or token. */
  unauthenticated: 401,
  /** Authenticated, but the role may not do this. */
  forbidden: 403,
  /** The addressed resource does not exist. */
  not_found: 404,
  /** The request conflicts with the current state (e.g. the store is not empty). */
  conflict: 409,
  /** The body is larger than the limit. */
  payload_too_large: 413,
  /** Mutations accept only application/json. */
  unsupported_media_type: 415,
  /** Too many attempts. */
  rate_limited: 429,
  /** A store govern depends on is down. */
  unavailable: 503,
  /** Anything unexpected; details stay in the log, never in the response. */
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

export type ErrorBody = {
  error: { code: ErrorCode; message: string; details?: unknown; requestId?: string };
};
