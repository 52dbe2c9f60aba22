import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runEtl } from "../jobs/etl/etl.ts";
import { deadlineState, dueAt } from "../jobs/retention/access-deadline.ts";
import { runAccessExport } from "../jobs/retention/access-export.ts";
import { fileAccessRequest, listAccessRequests } from "../jobs/retention/access-request.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { migrateAnalytics } from "../schema/analytics/analytics-store.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { hashPassword } from "../server/auth/passwords.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * The right of access end to end, over the real app, both stores and the export job: a seeded
 * customer's request, approved by a second officer, yields a package holding every row an
 * independent trace of their identifiers finds in either store, and nothing naming anyone else.
 */

type Json = Record<string, unknown>;
type Person = {
  tenant_id: string;
  id: string;
  business_id: string;
  email: string;
  phone: string;
  first_name: string;
  last_name: string;
};

let t: ConsoleApp;
let pool: pg.Pool;
let archiveDir: string;
let second: { email: string; token: string };
let person: Person;
let other: Person;

async function call(token: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await t.request(path, {
    method: init.method ?? "GET",
    headers: asToken(token),
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
}

const officer = () => t.logins.compliance_officer.token;

beforeAll(async () => {
  t = await openConsoleApp("access", { demoPartitionsFor: startOfTodayUtc() });
  archiveDir = mkdtempSync(join(tmpdir(), "govern-access-"));
  pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
  await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 12, seed: 41 });
  const people = await sql<Person & { n: number }>`
    SELECT c.tenant_id::text, c.id::text, c.business_id::text, c.email, c.phone, c.first_name,
           c.last_name, (SELECT count(*)::int FROM invoices i WHERE i.customer_id = c.id) AS n
    FROM customers c
    WHERE c.email IS NOT NULL AND c.phone IS NOT NULL AND c.first_name IS NOT NULL
      AND c.last_name IS NOT NULL
    ORDER BY n DESC, c.id`.execute(t.db);
  const picked = people.rows[0];
  const neighbour = people.rows.find(
    (p) => p.tenant_id === picked?.tenant_id && p.id !== picked?.id,
  );
  if (!picked || !neighbour) {
    throw new Error("no customers seeded");
  }
  person = picked;
  other = neighbour;
  // A message about the person that names someone else: their identifiers must not leave.
  await sql`INSERT INTO communications (tenant_id, business_id, recipient_type, recipient_id,
      recipient_info, communication_type, direction, subject, content, status)
    VALUES (${person.tenant_id}, ${person.business_id}, 'customer', ${person.id},
      ${JSON.stringify({ email: person.email })}::jsonb, 'email', 'inbound', 'Referral',
      ${`Hi, this is ${person.first_name}. My neighbour ${other.first_name} ${other.last_name} (${other.email}, ${other.phone}) wants a quote too.`},
      'delivered')`.execute(t.db);
  // Someone else's message that mentions the person: only the part naming them is theirs.
  await sql`INSERT INTO communications (tenant_id, business_id, recipient_type, recipient_id,
      recipient_info, communication_type, direction, subject, content, status)
    VALUES (${other.tenant_id}, ${other.business_id}, 'customer', ${other.id},
      ${JSON.stringify({ email: other.email, name: other.first_name })}::jsonb, 'email',
      'inbound', 'Recommendation', ${`Your customer ${person.email} recommended you.`},
      'delivered')`.execute(t.db);
  // An event about them carrying their contact details, so the analytics store holds them too.
  await sql`INSERT INTO business_events (time, tenant_id, business_id, event_type, event_name,
      customer_id, properties)
    VALUES (now() - interval '1 hour', ${person.tenant_id}, ${person.business_id}, 'form_submit',
      'contact_form', ${person.id}, ${JSON.stringify({ email: person.email, phone: person.phone })}::jsonb)`.execute(
    t.db,
  );
  await migrateAnalytics(t.analytics);
  await runEtl({ db: t.db, pool, store: t.analytics });
  const user = await insertUser(t.db, {
    email: "second-officer@access.test",
    displayName: "Second officer",
    role: "compliance_officer",
    passwordHash: await hashPassword("second officer password"),
  });
  second = { email: user.email, token: (await createApiToken(t.db, user.id, "second")).token };
}, 240_000);

afterAll(async () => {
  await pool?.end();
  await t?.close();
  rmSync(archiveDir, { recursive: true, force: true });
});

/** Independent trace: rows of every public table whose text holds one of the needles. */
async function postgresTrace(needles: string[]): Promise<Map<string, Set<string>>> {
  const tables = await sql<{ name: string; has_id: boolean }>`
    SELECT c.relname AS name, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
      AND a.attname = 'id' AND NOT a.attisdropped) AS has_id
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition`.execute(t.db);
  const out = new Map<string, Set<string>>();
  for (const { name, has_id } of tables.rows) {
    const key = has_id ? sql`t.id::text` : sql`md5((t.*)::text)`;
    const rows = await sql<{ k: string }>`SELECT ${key} AS k FROM ${sql.table(name)} t
      WHERE ${sql.join(
        needles.map((n) => sql`strpos(lower((t.*)::text), lower(${n})) > 0`),
        sql` OR `,
      )}`.execute(t.db);
    if (rows.rows.length) {
      out.set(name, new Set(rows.rows.map((r) => r.k)));
    }
  }
  return out;
}

async function analyticsTrace(needles: string[]): Promise<Map<string, number>> {
  const columns = await t.analytics.query<{ table: string; name: string }>(
    `SELECT c.table AS table, c.name AS name FROM system.columns c
     JOIN system.tables s ON s.database = c.database AND s.name = c.table
     WHERE c.database = currentDatabase() AND s.engine NOT IN ('View', 'MaterializedView')`,
  );
  const byTable = new Map<string, string[]>();
  for (const c of columns) {
    byTable.set(c.table, [...(byTable.get(c.table) ?? []), c.name]);
  }
  const out = new Map<string, number>();
  for (const [table, names] of byTable) {
    const where = names
      .flatMap((n) =>
        needles.map((_, i) => `positionCaseInsensitive(toString(\`${n}\`), {n${i}:String}) > 0`),
      )
      .join(" OR ");
    const params = Object.fromEntries(needles.map((n, i) => [`n${i}`, n]));
    const rows = await t.analytics.query<{ n: string }>(
      `SELECT count() AS n FROM \`${table}\` WHERE ${where}`,
      params,
    );
    if (Number(rows[0]?.n ?? 0) > 0) {
      out.set(table, Number(rows[0]?.n));
    }
  }
  return out;
}

test("an approved access request yields every row about the person in both stores, nothing about anyone else, and an audited download", async () => {
  const filed = await call(officer(), "/api/v1/access-requests", {
    method: "POST",
    body: { tenantId: person.tenant_id, customerId: person.id, note: "asked by phone" },
  });
  expect(filed.status, JSON.stringify(filed.body)).toBe(201);
  const id = String(filed.body.id);
  expect(filed.body.status).toBe("pending_approval");
  const deadline = filed.body.deadline as Json;
  expect(["gdpr", "ccpa"]).toContain(deadline.regulation);
  expect(deadline.state).toBe("open");

  // Four eyes: the requester may not approve their own request; a steward may not at all.
  const self = await call(officer(), `/api/v1/access-requests/${id}/approve`, {
    method: "POST",
    body: { reason: "looks right" },
  });
  expect(self.status).toBe(409);
  expect((self.body.error as Json).details).toMatchObject({ reason: "self_approval" });
  const steward = await call(t.logins.steward.token, `/api/v1/access-requests/${id}/approve`, {
    method: "POST",
    body: { reason: "looks right" },
  });
  expect(steward.status).toBe(403);
  const notYet = await t.request(`/api/v1/access-requests/${id}/package`, {
    headers: asToken(officer()),
  });
  expect(notYet.status).toBe(404);

  const approved = await call(second.token, `/api/v1/access-requests/${id}/approve`, {
    method: "POST",
    body: { reason: "identity verified" },
  });
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  expect(approved.body.approvedBy).toBe(second.email);

  // The job the approval enqueued, run as the worker runs it.
  const outcome = await runAccessExport(
    { db: t.db, pool, config: { ...t.config, archiveDir }, analytics: t.analytics },
    { action: "access", requestId: id, actor: second.email },
  );
  expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");

  const detail = await call(officer(), `/api/v1/access-requests/${id}`);
  expect(detail.body.status).toBe("done");
  expect((detail.body.deadline as Json).state).toBe("answered");
  expect((detail.body.notes as Json[]).map((n) => n.body)).toEqual(["asked by phone"]);

  // Only a compliance officer downloads; the download is audited with the package's sha256.
  const engineer = await t.request(`/api/v1/access-requests/${id}/package`, {
    headers: asToken(t.logins.engineer.token),
  });
  expect(engineer.status).toBe(403);
  const download = await t.request(`/api/v1/access-requests/${id}/package`, {
    headers: asToken(officer()),
  });
  expect(download.status).toBe(200);
  const bytes = Buffer.from(await download.arrayBuffer());
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  expect((detail.body.package as Json).sha256).toBe(sha256);
  const audit = await t.db
    .selectFrom("governance.audit_events")
    .selectAll()
    .where("action", "=", "retention.access.download")
    .where("target", "=", `retention-request:${id}`)
    .executeTakeFirst();
  expect(audit?.actor).toBe(t.logins.compliance_officer.user.email);
  expect((audit?.summary as Json | undefined)?.sha256).toBe(sha256);

  // Opened with the system's tar, independently of the writer.
  const dir = mkdtempSync(join(tmpdir(), "govern-access-open-"));
  writeFileSync(join(dir, "package.tar.gz"), bytes);
  execFileSync("tar", ["-xzf", "package.tar.gz"], { cwd: dir });
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
    tables: {
      store: string;
      table: string;
      rows: number;
      files: { path: string; sha256: string }[];
    }[];
  };
  const text: string[] = [];
  for (const table of manifest.tables) {
    for (const file of table.files) {
      const content = readFileSync(join(dir, file.path));
      expect(createHash("sha256").update(content).digest("hex")).toBe(file.sha256);
      text.push(content.toString("utf8"));
    }
  }
  const all = text.join("\n").toLowerCase();

  // Every row the trace finds in the operational store is in the package (by id, or counted).
  const needles = [person.id, person.email, person.phone];
  const trace = await postgresTrace(needles);
  expect(trace.size).toBeGreaterThan(3);
  for (const [table, keys] of trace) {
    const entry = manifest.tables.find((m) => m.store === "postgres" && m.table === table);
    expect(entry, `table ${table} missing from the package`).toBeDefined();
    const json = JSON.parse(readFileSync(join(dir, `postgres/${table}.json`), "utf8")) as Json[];
    if (json[0] && "id" in json[0]) {
      const ids = new Set(json.map((r) => String(r.id)));
      for (const key of keys) {
        expect(ids.has(key), `${table} row ${key}`).toBe(true);
      }
    } else {
      expect(json.length).toBeGreaterThanOrEqual(keys.size);
    }
  }
  const chTrace = await analyticsTrace(needles);
  expect(chTrace.size).toBeGreaterThan(0);
  for (const [table, n] of chTrace) {
    const entry = manifest.tables.find((m) => m.store === "clickhouse" && m.table === table);
    expect(entry?.rows ?? 0, `clickhouse ${table}`).toBeGreaterThanOrEqual(n);
  }

  // The person's own identifiers are there; nobody else's email, phone or name is.
  expect(all).toContain(person.email.toLowerCase());
  expect(all).toContain("[redacted email]");
  const others = await sql<Person>`SELECT id::text, email, phone, first_name, last_name
    FROM customers WHERE id <> ${person.id}`.execute(t.db);
  for (const o of others.rows) {
    for (const value of [o.email, o.phone, o.id]) {
      if (value) {
        expect(all.includes(value.toLowerCase()), `${value} of another customer`).toBe(false);
      }
    }
    if (o.first_name && o.last_name) {
      const name = `${o.first_name} ${o.last_name}`.toLowerCase();
      expect(all.includes(name), `${name} of another customer`).toBe(false);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}, 240_000);

test("bad input is refused with 4xx, never 500", async () => {
  const cases: [string, unknown][] = [
    ["unknown field", { tenantId: person.tenant_id, customerId: person.id, extra: 1 }],
    ["not a uuid", { tenantId: "x", customerId: person.id }],
    [
      "unknown person",
      { tenantId: person.tenant_id, customerId: "00000000-0000-4000-8000-000000000000" },
    ],
    [
      "unknown regulation",
      { tenantId: person.tenant_id, customerId: other.id, regulation: "lgpd" },
    ],
  ];
  for (const [label, body] of cases) {
    const r = await call(officer(), "/api/v1/access-requests", { method: "POST", body });
    expect(r.status, label).toBe(400);
  }
  const list = await call(officer(), "/api/v1/access-requests?bogus=1");
  expect(list.status).toBe(400);
  const missing = await call(
    officer(),
    "/api/v1/access-requests/00000000-0000-4000-8000-000000000000",
  );
  expect(missing.status).toBe(404);
  const filed = await call(officer(), "/api/v1/access-requests", {
    method: "POST",
    body: { tenantId: other.tenant_id, customerId: other.id, regulation: "ccpa" },
  });
  expect(filed.status).toBe(201);
  const empty = await call(officer(), `/api/v1/access-requests/${filed.body.id}/notes`, {
    method: "POST",
    body: { body: "   " },
  });
  expect(empty.status).toBe(400);
  const note = await call(officer(), `/api/v1/access-requests/${filed.body.id}/notes`, {
    method: "POST",
    body: { body: "called back, identity checked" },
  });
  expect(note.status).toBe(201);
  const audited = await t.db
    .selectFrom("governance.audit_events")
    .select("action")
    .where("action", "=", "retention.access.note")
    .executeTakeFirst();
  expect(audited).toBeDefined();
  const noReason = await call(second.token, `/api/v1/access-requests/${filed.body.id}/approve`, {
    method: "POST",
    body: { reason: "" },
  });
  expect(noReason.status).toBe(400);
});

test("the deadline counts from receipt: GDPR overdue on day 31, CCPA on day 46 (fixed clock)", async () => {
  const received = new Date("2026-01-01T15:00:00Z");
  expect(dueAt(received, "gdpr").toISOString()).toBe("2026-02-01T00:00:00.000Z");
  expect(dueAt(received, "ccpa").toISOString()).toBe("2026-02-16T00:00:00.000Z");
  const customers = await sql<{ id: string; tenant_id: string }>`
    SELECT id::text, tenant_id::text FROM customers WHERE id NOT IN (${person.id}, ${other.id})
    ORDER BY id LIMIT 2`.execute(t.db);
  const [a, b] = customers.rows;
  if (!a || !b) {
    throw new Error("customers missing");
  }
  const gdpr = await fileAccessRequest(t.db, {
    tenantId: a.tenant_id,
    customerId: a.id,
    requestedBy: "officer@access.test",
    regulation: "gdpr",
    now: received,
  });
  const ccpa = await fileAccessRequest(t.db, {
    tenantId: b.tenant_id,
    customerId: b.id,
    requestedBy: "officer@access.test",
    regulation: "ccpa",
    now: received,
  });
  const at = async (iso: string) => {
    const list = await listAccessRequests(t.db, {}, { now: new Date(iso) });
    const find = (id: string) => list.items.find((i) => i.id === id)?.deadline;
    return { gdpr: find(gdpr), ccpa: find(ccpa) };
  };
  const day30 = await at("2026-01-31T23:59:59Z");
  expect(day30.gdpr).toMatchObject({ state: "due_today", daysLeft: 1, lastDay: "2026-01-31" });
  expect(day30.ccpa).toMatchObject({ state: "open", daysLeft: 16, lastDay: "2026-02-15" });
  const day31 = await at("2026-02-01T00:00:00Z");
  expect(day31.gdpr).toMatchObject({ state: "overdue", daysLeft: 0 });
  expect(day31.ccpa?.state).toBe("open");
  const day46 = await at("2026-02-16T00:00:01Z");
  expect(day46.ccpa?.state).toBe("overdue");
  const overdue = await listAccessRequests(
    t.db,
    { overdue: true },
    { now: new Date("2026-02-01T00:00:00Z") },
  );
  expect(overdue.items.map((i) => i.id)).toContain(gdpr);
  expect(overdue.items.map((i) => i.id)).not.toContain(ccpa);
  // Answered in time is answered, whatever the clock says afterwards.
  expect(
    deadlineState({
      regulation: "gdpr",
      dueAt: dueAt(received, "gdpr"),
      answeredAt: new Date("2026-01-20T00:00:00Z"),
      now: new Date("2026-06-01T00:00:00Z"),
    }).state,
  ).toBe("answered");
});
