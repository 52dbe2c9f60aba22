// Wire shapes of the session, user and token routes (server/routes/{auth,users,tokens}/*),
// defined once for the routes and the console.
import { z } from "@hono/zod-openapi";
import { PERMISSIONS, ROLES } from "../domain/permissions.ts";

export const ZMe = z
  .object({
    user: z.object({
      id: z.string(),
      email: z.string(),
      displayName: z.string(),
      role: z.enum(ROLES),
    }),
    permissions: z.array(z.enum(Object.keys(PERMISSIONS) as [keyof typeof PERMISSIONS])),
  })
  .openapi("Me");

export const ZUser = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(ROLES),
    disabledAt: z.string().nullable(),
    lastLoginAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("User");

export const ZApiToken = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiToken");

export const ZCreatedToken = z
  .object({
    id: z.string(),
    token: z.string().openapi({ description: "The secret; shown this once and never again" }),
  })
  .openapi("CreatedToken");

export const ZAccessEnded = z
  .object({
    sessionsEnded: z.number().int(),
    tokensRevoked: z.number().int(),
  })
  .openapi("AccessEnded");

export const ZResetPasswordResult = z
  .object({
    user: ZUser,
    password: z
      .string()
      .nullable()
      .openapi({ description: "The generated password, shown this once; null when it was set" }),
    sessionsEnded: z.number().int(),
    tokensRevoked: z.number().int(),
  })
  .openapi("ResetPasswordResult");

export type TMe = z.infer<typeof ZMe>;
export type TUser = z.infer<typeof ZUser>;
export type TApiToken = z.infer<typeof ZApiToken>;
export type TCreatedToken = z.infer<typeof ZCreatedToken>;
export type TAccessEnded = z.infer<typeof ZAccessEnded>;
export type TResetPasswordResult = z.infer<typeof ZResetPasswordResult>;
