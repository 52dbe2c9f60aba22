// Wire shapes of the account routes (server/routes/tokens/schemas.ts, server/routes/auth/password.ts,
// server/routes/users/password.ts), as the console reads them.
import type { ConsoleUser } from "../../api/types.ts";

export type ApiToken = {
  id: string;
  name: string;
  /** The first characters of the secret, to recognise it; never the secret. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
};

/** The only answer that carries a token's secret. */
export type CreatedToken = { id: string; token: string };

export type AccessEnded = { sessionsEnded: number; tokensRevoked: number };

export type ResetPasswordResult = AccessEnded & {
  user: ConsoleUser;
  /** The generated password, shown once; null when the admin chose it. */
  password: string | null;
};
