import { z } from "@hono/zod-openapi";
import { ZApiToken, ZCreatedToken } from "../../../schema/contracts/accounts.ts";
import type { ApiTokenView } from "../../../schema/governance/api-tokens.repository.ts";
import { noNul } from "../users/schemas.ts";

export { ZApiToken, ZCreatedToken };

export function tokenView(token: ApiTokenView): z.infer<typeof ZApiToken> {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}

export const ZCreateToken = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .refine(...noNul),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .openapi("CreateTokenRequest");

/** When a token created now for `expiresInDays` days expires (never, without it). */
export function expiryOf(expiresInDays: number | undefined): Date | undefined {
  return expiresInDays ? new Date(Date.now() + expiresInDays * 24 * 60 * 60 * 1000) : undefined;
}
