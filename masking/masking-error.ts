/**
 * What the masking engine throws for a caller's mistake. Routes map `invalid` → 400,
 * `not_found` → 404, `conflict` → 409; the CLI exits 2 with the message.
 */
export class MaskingError extends Error {
  constructor(
    public readonly code: "invalid" | "not_found" | "conflict",
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = "MaskingError";
  }
}
