// Wire shapes of /api/v1/notifications/* (server/routes/notifications/schemas.ts is the source of
// truth; these mirror it for the console, which imports no server code).

export const SEVERITIES = ["warning", "error", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const DELIVERY_STATUSES = [
  "pending",
  "sending",
  "sent",
  "failed",
  "held",
  "digested",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export type AlertChannel = {
  id: string;
  name: string;
  type: "webhook" | "email";
  enabled: boolean;
  owner: string;
  minSeverity: Severity;
  kinds: string[];
  digestWarnings: boolean;
  webhook: { urlHint: string; hasSecret: boolean } | null;
  email: {
    to: string[];
    from?: string;
    smtpHost?: string;
    smtpPort?: number;
    smtpSecure?: boolean;
    smtpUser?: string;
    hasPassword: boolean;
  } | null;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
};

export type AlertDelivery = {
  id: string;
  channelId: string | null;
  channelName: string;
  kind: string;
  dedupeKey: string;
  severity: Severity;
  title: string;
  body: string;
  link: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
  digestId: string | null;
  createdAt: string;
};
