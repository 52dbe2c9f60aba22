// Wire types of the account routes, inferred from their zod schemas (schema/contracts/accounts.ts).
export type {
  TAccessEnded as AccessEnded,
  TApiToken as ApiToken,
  TCreatedToken as CreatedToken,
  TResetPasswordResult as ResetPasswordResult,
} from "../../../../schema/contracts/accounts.ts";
