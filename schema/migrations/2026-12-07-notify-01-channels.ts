import { type Kysely, sql } from "kysely";

/**
 * Alert channels and their delivery log. Frozen: later changes go into new migrations.
 *
 * A channel is a webhook (Slack-compatible JSON, HMAC-signed) or an e-mail route over SMTP. What
 * may be shown about it lives in `settings`; what must not (the webhook URL, which for Slack is
 * itself the credential, the signing secret, the SMTP password) is sealed in `secrets_sealed`
 * (AES-256-GCM under a key derived from GOVERN_SECRET) and never leaves the server.
 *
 * A delivery is one event for one channel: unique on (channel, kind, dedupe key), so the same
 * alert is never sent twice to a channel, whoever raises it and however often. The row is the
 * ledger of its sending: status, attempts, the next attempt's time and the last error survive a
 * worker crash (a row left `sending` is claimed again once its claim is stale).
 */

const DDL = /* sql */ `
CREATE TABLE governance.notification_channels (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(100) NOT NULL UNIQUE,
    type VARCHAR(20) NOT NULL CHECK (type IN ('webhook', 'email')),
    enabled BOOLEAN NOT NULL DEFAULT true,
    owner VARCHAR(255) NOT NULL,
    -- The least severity the channel takes.
    min_severity VARCHAR(20) NOT NULL DEFAULT 'warning'
        CHECK (min_severity IN ('warning', 'error', 'critical')),
    -- Event kinds taken: exact ("quality.incident.opened") or a prefix ("quality.*"); [] = all.
    kinds JSONB NOT NULL DEFAULT '[]',
    -- Warnings wait for the channel's daily digest instead of being sent one by one.
    digest_warnings BOOLEAN NOT NULL DEFAULT true,
    -- Shown settings: webhook {urlHint}; e-mail {to, from, smtpHost, smtpPort, smtpSecure, smtpUser}.
    settings JSONB NOT NULL DEFAULT '{}',
    -- Sealed JSON: webhook {url, secret?}; e-mail {password?}.
    secrets_sealed TEXT NOT NULL,
    created_by VARCHAR(255) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by VARCHAR(255) NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE governance.notification_deliveries (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Kept when the channel is removed (the log outlives it); its name is copied for that.
    channel_id UUID REFERENCES governance.notification_channels (id) ON DELETE SET NULL,
    channel_name VARCHAR(100) NOT NULL,
    kind VARCHAR(100) NOT NULL,
    dedupe_key VARCHAR(500) NOT NULL,
    severity VARCHAR(20) NOT NULL CHECK (severity IN ('warning', 'error', 'critical')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    -- held: waits for the digest; digested: sent inside the digest delivery digest_id.
    status VARCHAR(20) NOT NULL CHECK (status IN (
        'pending', 'sending', 'sent', 'failed', 'held', 'digested')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_at TIMESTAMPTZ,
    last_attempt_at TIMESTAMPTZ,
    last_error TEXT,
    sent_at TIMESTAMPTZ,
    digest_id UUID REFERENCES governance.notification_deliveries (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX notification_deliveries_once
    ON governance.notification_deliveries (channel_id, kind, dedupe_key);
CREATE INDEX notification_deliveries_due
    ON governance.notification_deliveries (next_attempt_at)
    WHERE status IN ('pending', 'sending');
CREATE INDEX notification_deliveries_held
    ON governance.notification_deliveries (channel_id, created_at)
    WHERE status = 'held';
CREATE INDEX notification_deliveries_recent
    ON governance.notification_deliveries (created_at DESC);
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
