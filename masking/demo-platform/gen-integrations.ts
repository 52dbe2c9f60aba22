import { DAY, MINUTE } from "./clock.ts";
import type { TenantContext } from "./context.ts";
import { bytea, NULL, T, textArray } from "./copy-text.ts";
import { BASE62 } from "./prng.ts";
import { encryptCredential } from "./secrets.ts";
import { INTEGRATION_PROVIDERS, SYNC_ERRORS } from "./vocabulary.ts";

/**
 * Connected third-party services with their credentials sealed (AES-256-GCM, key from the seed)
 * and the sync log each one accumulates. Some sync errors quote the record that failed, which
 * is how customer e-mail addresses end up in operational logs in real life.
 */

function credentials(
  ctx: TenantContext,
  provider: string,
  auth: "oauth2" | "api_key",
): { creds: string; refresh: string | null } {
  const rng = ctx.rng;
  if (auth === "oauth2") {
    return {
      creds: JSON.stringify({
        client_id: `${rng.chars(20, BASE62)}.apps.${provider}.example`,
        client_secret: rng.chars(32, BASE62),
        access_token: `ya29.${rng.chars(120, BASE62)}`,
        scope: "read write",
        realm_id: rng.digits(16),
      }),
      refresh: `1//0${rng.chars(100, BASE62)}`,
    };
  }
  if (provider === "stripe") {
    return {
      creds: JSON.stringify({
        secret_key: `sk_test_51${rng.chars(96, BASE62)}`,
        publishable_key: `pk_test_51${rng.chars(96, BASE62)}`,
        webhook_secret: `whsec_${rng.chars(32, BASE62)}`,
      }),
      refresh: null,
    };
  }
  return {
    creds: JSON.stringify({
      account_sid: `AC${rng.hex(16)}`,
      auth_token: rng.hex(16),
      messaging_service_sid: `MG${rng.hex(16)}`,
    }),
    refresh: null,
  };
}

export function writeIntegrations(ctx: TenantContext, key: Buffer): void {
  const { rng, clock, out } = ctx;
  const business = ctx.businesses[0];
  if (!business) {
    return;
  }
  // Stripe and an accounting package are near-universal; the rest vary.
  const chosen = INTEGRATION_PROVIDERS.filter((p, i) =>
    p.provider === "stripe" ? rng.chance(0.9) : i === 0 ? rng.chance(0.7) : rng.chance(0.35),
  );
  for (const p of chosen) {
    const id = rng.uuid();
    const created = clock.start + rng.int(0, 200) * DAY;
    const r = rng.float();
    const status = r < 0.85 ? "active" : r < 0.95 ? "error" : "disconnected";
    const lastSync =
      status === "disconnected"
        ? clock.end - rng.int(20, 200) * DAY
        : clock.end - rng.int(1, 60) * MINUTE;
    const frequency =
      p.type === "accounting" ? "01:00:00" : p.type === "calendar" ? "00:05:00" : "00:15:00";
    const { creds, refresh } = credentials(ctx, p.provider, p.auth);
    const sealed = encryptCredential(key, creds, rng);
    const sealedRefresh = refresh ? encryptCredential(key, refresh, rng) : null;
    const error = status === "error" ? rng.pick(SYNC_ERRORS) : null;
    out.integrations.add(
      `${id}${T}${ctx.tenantId}${T}${business.id}${T}${p.provider}${T}${p.type}${T}${p.display}${T}${status}${T}${clock.ts(lastSync)}${T}` +
        `${status === "disconnected" ? NULL : clock.ts(lastSync + 15 * MINUTE)}${T}${frequency}${T}${p.auth}${T}${bytea(sealed)}${T}${sealedRefresh ? bytea(sealedRefresh) : NULL}${T}` +
        `${p.auth === "oauth2" ? clock.ts(lastSync + 60 * MINUTE) : NULL}${T}{"direction": "${p.type === "accounting" ? "two_way" : "push"}", "conflict_resolution": "platform_wins"}${T}` +
        `${p.type === "accounting" ? `{"customer.email": "PrimaryEmailAddr.Address", "customer.phone": "PrimaryPhone.FreeFormNumber", "invoice.total_amount": "TotalAmt"}` : "{}"}${T}` +
        `${textArray(p.features)}${T}${error ?? NULL}${T}${error ? rng.int(1, 40) : 0}${T}${error ? clock.ts(clock.end + rng.int(5, 60) * MINUTE) : NULL}${T}${clock.ts(created)}${T}${clock.ts(lastSync)}\n`,
    );
    writeSyncLogs(ctx, id, created, status === "disconnected" ? lastSync : clock.end);
  }
}

function writeSyncLogs(
  ctx: TenantContext,
  integrationId: string,
  from: number,
  until: number,
): void {
  const { rng, clock, out } = ctx;
  for (let at = from + rng.int(1, 3) * DAY; at < until; at += rng.int(2, 6) * DAY) {
    const full = rng.chance(0.1);
    const r = rng.float();
    const status = r < 0.9 ? "success" : r < 0.96 ? "partial" : "failed";
    const processed = status === "failed" ? 0 : rng.int(full ? 200 : 0, full ? 5000 : 120);
    const failedCount = status === "partial" ? rng.int(1, 5) : 0;
    const who = ctx.notable.length > 0 ? rng.pick(ctx.notable) : null;
    const details =
      status === "success"
        ? NULL
        : status === "partial" && who
          ? `{"errors": [{"record": "customer:${who.id}", "email": "${who.email}", "message": "Duplicate name: ${who.full} already exists in the accounting system"}]}`
          : `{"code": "provider_error", "message": "${rng.pick(SYNC_ERRORS)}"}`;
    const created = Math.floor(processed * rng.float() * 0.3);
    out.integration_sync_logs.add(
      `${rng.uuid()}${T}${ctx.tenantId}${T}${integrationId}${T}${full ? "full" : "incremental"}${T}${status}${T}${processed}${T}${created}${T}${Math.max(processed - created - failedCount, 0)}${T}${failedCount}${T}` +
        `${details}${T}${clock.ts(at)}${T}${clock.ts(at + rng.int(2, full ? 900 : 60) * 1000)}\n`,
    );
  }
}
