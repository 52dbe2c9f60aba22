import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { JOBS } from "../jobs/registry.ts";
import type { Category, Evidence, Sensitivity } from "../schema/domain/classification.ts";
import type { Role } from "../schema/domain/permissions.ts";
import type {
  CatalogColumn,
  CatalogColumnDetail,
  CatalogSummary,
  DriftEvent,
} from "../schema/governance/catalog-query.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * The catalog API over HTTP: the list with every filter and sort, paging, a column's detail,
 * single and bulk review with history, roles, the streamed export, drift, scans and the
 * overview's catalog figures. The catalog rows are inserted directly (the scanner has its own
 * tests), so every expectation below is exact.
 */

let t: ConsoleApp;

type Fixture = {
  table: string;
  column: string;
  schema?: string;
  store?: "postgres" | "clickhouse";
  path?: string;
  type?: string;
  category: Category | null;
  sensitivity?: Sensitivity;
  confidence?: number;
  status?: "pending" | "accepted" | "rejected" | "overridden";
  decided?: Category;
  rereview?: boolean;
  dropped?: boolean;
  ordinal?: number;
  classifiedAt?: string;
};

const ids = new Map<string, string>();
const key = (f: {
  store?: string;
  schema?: string;
  table: string;
  column: string;
  path?: string;
}) =>
  `${f.store ?? "postgres"}:${f.schema ?? "public"}.${f.table}.${f.column}${f.path ? `.${f.path}` : ""}`;
const idOf = (name: string) => {
  const id = ids.get(name);
  if (!id) {
    throw new Error(`no fixture ${name}`);
  }
  return id;
};

const evidence = (category: Category, matched: number): Evidence[] => [
  { detector: `${category}-name`, signal: "name", category, matched: 1, sampled: 1, examples: [] },
  {
    detector: `${category}-value`,
    signal: "value",
    category,
    matched,
    sampled: 50,
    examples: ["j***@e***.com"],
  },
];

const FIXTURES: Fixture[] = [
  {
    table: "customers",
    column: "id",
    category: "none",
    sensitivity: "internal",
    confidence: 0.99,
    ordinal: 1,
  },
  {
    table: "customers",
    column: "email",
    category: "email",
    sensitivity: "confidential",
    confidence: 0.97,
    ordinal: 2,
  },
  {
    table: "customers",
    column: "phone",
    category: "phone",
    sensitivity: "confidential",
    confidence: 0.93,
    ordinal: 3,
  },
  {
    table: "customers",
    column: "full_name",
    category: "person_name",
    sensitivity: "confidential",
    confidence: 0.85,
    ordinal: 4,
  },
  {
    table: "customers",
    column: "metadata",
    type: "jsonb",
    category: "none",
    sensitivity: "internal",
    confidence: 0.5,
    ordinal: 5,
  },
  {
    table: "customers",
    column: "metadata",
    path: "address.street",
    type: "string",
    category: "postal_address",
    sensitivity: "confidential",
    confidence: 0.8,
    ordinal: 5,
  },
  {
    table: "customers",
    column: "metadata",
    path: "contact.email",
    type: "string",
    category: "email",
    sensitivity: "confidential",
    confidence: 0.95,
    ordinal: 5,
  },
  {
    table: "customers",
    column: "legacy_email",
    category: "email",
    sensitivity: "confidential",
    confidence: 0.96,
    ordinal: 6,
    dropped: true,
  },
  {
    table: "invoices",
    column: "id",
    category: "none",
    sensitivity: "internal",
    confidence: 0.99,
    ordinal: 1,
    status: "accepted",
    decided: "none",
  },
  {
    table: "invoices",
    column: "amount",
    category: "none",
    sensitivity: "internal",
    confidence: 0.98,
    ordinal: 2,
  },
  {
    table: "invoices",
    column: "notes",
    category: "free_text_pii",
    sensitivity: "confidential",
    confidence: 0.6,
    ordinal: 3,
    status: "accepted",
    decided: "free_text_pii",
    rereview: true,
  },
  {
    table: "invoices",
    column: "billing_email",
    category: "email",
    sensitivity: "confidential",
    confidence: 0.7,
    ordinal: 4,
    status: "overridden",
    decided: "none",
  },
  {
    schema: "crm",
    table: "accounts",
    column: "password_hash",
    category: "credential",
    sensitivity: "restricted",
    confidence: 0.99,
    ordinal: 1,
  },
  {
    schema: "crm",
    table: "accounts",
    column: "card_number",
    category: "payment_card",
    sensitivity: "restricted",
    confidence: 0.96,
    ordinal: 2,
  },
  {
    schema: "crm",
    table: "accounts",
    column: "col_17",
    category: "email",
    sensitivity: "confidential",
    confidence: 0.91,
    ordinal: 3,
  },
  { schema: "crm", table: "accounts", column: "signup_note", category: null, ordinal: 4 },
  {
    store: "clickhouse",
    schema: "analytics",
    table: "events",
    column: "user_ip",
    category: "ip_address",
    sensitivity: "confidential",
    confidence: 0.9,
    ordinal: 1,
  },
];
const LIVE = FIXTURES.filter((f) => !f.dropped);

async function insertFixtures(): Promise<void> {
  const tables = new Map<string, string>();
  for (const f of FIXTURES) {
    const store = f.store ?? "postgres";
    const schema = f.schema ?? "public";
    const tableKey = `${store}:${schema}.${f.table}`;
    let tableId = tables.get(tableKey);
    if (!tableId) {
      const row = await t.db
        .insertInto("governance.catalog_tables")
        .values({
          store,
          schema_name: schema,
          table_name: f.table,
          kind: store === "postgres" ? "table" : "MergeTree",
          row_estimate: 1234,
          comment: `the ${f.table}`,
          constraints: JSON.stringify([
            { name: `${f.table}_pkey`, type: "primary key", columns: ["id"] },
          ]),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      tableId = row.id;
      tables.set(tableKey, tableId);
    }
    const decided = f.status && f.status !== "pending";
    const row = await t.db
      .insertInto("governance.catalog_columns")
      .values({
        table_id: tableId,
        store,
        schema_name: schema,
        table_name: f.table,
        column_name: f.column,
        json_path: f.path ?? "",
        data_type: f.type ?? "text",
        ordinal: f.ordinal ?? 0,
        is_primary_key: f.column === "id" && !f.path,
        foreign_key:
          f.column === "customer_id" ? JSON.stringify({ table: "customers", column: "id" }) : null,
        proposed_category: f.category,
        proposed_sensitivity: f.category ? (f.sensitivity ?? "internal") : null,
        confidence: f.confidence ?? null,
        evidence: JSON.stringify(f.category ? evidence(f.category, 45) : []),
        masked_samples: JSON.stringify(
          f.category === "email" ? ["j***@e***.com", "m***@x***.org"] : [],
        ),
        stats: JSON.stringify({ nullFraction: 0.1, distinct: 40 }),
        classified_at: f.category ? new Date(f.classifiedAt ?? "2026-11-20T10:00:00Z") : null,
        review_status: f.status ?? "pending",
        decided_category: decided ? (f.decided ?? f.category) : null,
        decided_sensitivity: decided ? (f.sensitivity ?? "internal") : null,
        decided_by: decided ? "earlier@steward.test" : null,
        decided_at: decided ? new Date("2026-11-21T10:00:00Z") : null,
        needs_rereview: f.rereview ?? false,
        rereview_evidence: f.rereview ? JSON.stringify(evidence("free_text_pii", 30)) : null,
        dropped_at: f.dropped ? new Date("2026-11-22T10:00:00Z") : null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    ids.set(key(f), row.id);
  }
  const email = idOf("postgres:public.customers.email");
  await t.db
    .insertInto("governance.catalog_column_versions")
    .values([
      { column_id: email, version: 1, definition: JSON.stringify({ type: "varchar(100)" }) },
      { column_id: email, version: 2, definition: JSON.stringify({ type: "text" }) },
    ])
    .execute();
  await t.db
    .updateTable("governance.catalog_columns")
    .set({ version: 2 })
    .where("id", "=", email)
    .execute();
  await t.db
    .insertInto("governance.catalog_review_events")
    .values({
      column_id: email,
      actor: "scanner",
      action: "proposed",
      category: "email",
      sensitivity: "confidential",
      confidence: 0.97,
      evidence: JSON.stringify(evidence("email", 45)),
    })
    .execute();
  await t.db
    .insertInto("governance.catalog_drift_events")
    .values([
      {
        kind: "column_changed",
        store: "postgres",
        schema_name: "public",
        table_name: "customers",
        column_name: "email",
        before: JSON.stringify({ type: "varchar(100)" }),
        after: JSON.stringify({ type: "text" }),
        occurred_at: new Date("2026-11-22T09:00:00Z"),
      },
      {
        kind: "column_dropped",
        store: "postgres",
        schema_name: "public",
        table_name: "customers",
        column_name: "legacy_email",
        before: JSON.stringify({ type: "text" }),
        occurred_at: new Date("2026-11-22T10:00:00Z"),
      },
      {
        kind: "table_added",
        store: "clickhouse",
        schema_name: "analytics",
        table_name: "events",
        occurred_at: new Date("2026-11-22T11:00:00Z"),
      },
    ])
    .execute();
}

beforeAll(async () => {
  t = await openConsoleApp("catalogapi");
  await insertFixtures();
});

afterAll(async () => {
  await t?.close();
});

function get(path: string, role: Role = "steward") {
  return t.request(path, { headers: asToken(t.logins[role].token) });
}

function post(path: string, body: unknown, role: Role = "steward") {
  return t.request(path, {
    method: "POST",
    headers: asToken(t.logins[role].token),
    body: JSON.stringify(body),
  });
}

type Page = { items: CatalogColumn[]; total: number };

async function list(query: string, role: Role = "steward"): Promise<Page> {
  const response = await get(`/api/v1/catalog/columns?${query}`, role);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Page;
}

const names = (page: Page) =>
  page.items.map((c) => `${c.schema}.${c.table}.${c.column}${c.jsonPath ? `.${c.jsonPath}` : ""}`);

describe("listing", () => {
  test("lists live columns and JSONB paths in table order, every role may read", async () => {
    const page = await list("pageSize=200");
    expect(page.total).toBe(LIVE.length);
    expect(names(page).slice(0, 3)).toEqual([
      "analytics.events.user_ip",
      "crm.accounts.password_hash",
      "crm.accounts.card_number",
    ]);
    const metadata = names(page).filter((n) => n.startsWith("public.customers.metadata"));
    expect(metadata).toEqual([
      "public.customers.metadata",
      "public.customers.metadata.address.street",
      "public.customers.metadata.contact.email",
    ]);
    for (const role of ["engineer", "compliance_officer", "admin"] as const) {
      expect((await list("pageSize=1", role)).total).toBe(LIVE.length);
    }
    expect((await t.request("/api/v1/catalog/columns")).status).toBe(401);
  });

  test("includeDropped adds dropped columns", async () => {
    const page = await list("includeDropped=true&q=legacy");
    expect(names(page)).toEqual(["public.customers.legacy_email"]);
    expect(page.items[0]?.droppedAt).not.toBeNull();
    expect((await list("q=legacy")).total).toBe(0);
  });

  test.each([
    ["store=clickhouse", ["analytics.events.user_ip"]],
    [
      "schema=crm&sort=column:asc",
      [
        "crm.accounts.card_number",
        "crm.accounts.col_17",
        "crm.accounts.password_hash",
        "crm.accounts.signup_note",
      ],
    ],
    [
      "table=invoices&category=none",
      ["public.invoices.id", "public.invoices.amount", "public.invoices.billing_email"],
    ],
    [
      "category=email",
      ["crm.accounts.col_17", "public.customers.email", "public.customers.metadata.contact.email"],
    ],
    ["sensitivity=restricted", ["crm.accounts.password_hash", "crm.accounts.card_number"]],
    ["status=needs_rereview", ["public.invoices.notes"]],
    ["status=overridden", ["public.invoices.billing_email"]],
    ["status=accepted", ["public.invoices.id", "public.invoices.notes"]],
    [
      "minConfidence=0.95&maxConfidence=0.97&schema=public",
      ["public.customers.email", "public.customers.metadata.contact.email"],
    ],
    ["maxConfidence=.6", ["public.customers.metadata", "public.invoices.notes"]],
    ["q=ACCOUNTS.C", ["crm.accounts.card_number", "crm.accounts.col_17"]],
    ["q=contact.email", ["public.customers.metadata.contact.email"]],
    ["q=%25", []],
    [
      "pii=true&table=customers",
      [
        "public.customers.email",
        "public.customers.phone",
        "public.customers.full_name",
        "public.customers.metadata.address.street",
        "public.customers.metadata.contact.email",
      ],
    ],
    [
      "level=path",
      ["public.customers.metadata.address.street", "public.customers.metadata.contact.email"],
    ],
    [
      "level=column&table=customers&pii=false",
      [
        "public.customers.id",
        "public.customers.email",
        "public.customers.phone",
        "public.customers.full_name",
        "public.customers.metadata",
      ],
    ],
  ])("filter %s", async (query, expected) => {
    expect(names(await list(`${query}&pageSize=200`))).toEqual(expected);
  });

  test("status=open is what waits for a steward: pending proposals and flagged decisions", async () => {
    const open = await list("status=open&pageSize=200&sort=queue:asc");
    // The flagged decision first, then pending proposals, surest first.
    expect(names(open)[0]).toBe("public.invoices.notes");
    const confidences = open.items.slice(1).map((c) => c.confidence ?? 0);
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    // Never-classified entries have nothing to decide.
    expect(names(open)).not.toContain("crm.accounts.signup_note");
    expect(open.total).toBe(
      LIVE.filter((f) => f.rereview || ((f.status ?? "pending") === "pending" && f.category))
        .length,
    );
  });

  test.each<[string, (c: CatalogColumn) => string | number]>([
    ["confidence", (c) => c.confidence ?? -1],
    ["category", (c) => c.effectiveCategory ?? "~"],
    ["classifiedAt", (c) => c.classifiedAt ?? "~"],
    ["column", (c) => c.column],
  ])("sorts by %s both ways on the server, nulls last", async (field, value) => {
    const asc = (await list(`sort=${field}:asc&pageSize=200`)).items;
    const desc = (await list(`sort=${field}:desc&pageSize=200`)).items;
    expect(asc).toHaveLength(LIVE.length);
    const ascValues = asc.map(value).filter((v) => v !== -1 && v !== "~");
    const descValues = desc.map(value).filter((v) => v !== -1 && v !== "~");
    const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
    expect(ascValues).toEqual([...ascValues].sort(cmp));
    expect(descValues).toEqual([...descValues].sort(cmp).reverse());
    if (field !== "column") {
      // Entries without a value come last both ways.
      expect(value(asc.at(-1) as CatalogColumn)).toSatisfy((v) => v === -1 || v === "~");
      expect(value(desc.at(-1) as CatalogColumn)).toSatisfy((v) => v === -1 || v === "~");
    }
  });

  test("sorts by sensitivity by rank and by status with flagged decisions first", async () => {
    const rank = { public: 1, internal: 2, confidential: 3, restricted: 4 } as const;
    const bySensitivity = (await list("sort=sensitivity:desc&pageSize=200")).items;
    const ranks = bySensitivity
      .map((c) => (c.effectiveSensitivity ? rank[c.effectiveSensitivity] : 0))
      .filter((r) => r > 0);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    const byStatus = (await list("sort=status:asc&pageSize=200")).items;
    expect(byStatus[0]?.needsRereview).toBe(true);
    const table = (await list("sort=table:desc&pageSize=1")).items;
    expect(table[0]?.table).toBe("invoices");
  });

  test("pages on the server with a stable total", async () => {
    const first = await list("pageSize=5&page=1");
    const second = await list("pageSize=5&page=2");
    const last = await list(`pageSize=5&page=${Math.ceil(LIVE.length / 5)}`);
    expect(first.total).toBe(LIVE.length);
    expect(second.total).toBe(LIVE.length);
    expect(first.items).toHaveLength(5);
    expect(last.items).toHaveLength(LIVE.length % 5 || 5);
    const seen = new Set([...first.items, ...second.items].map((c) => c.id));
    expect(seen.size).toBe(10);
    expect((await list("pageSize=5&page=999")).items).toEqual([]);
  });

  test.each([
    "minConfidence=1.5",
    "minConfidence=abc",
    "minConfidence=0.9&maxConfidence=0.5",
    "category=ssn",
    "status=maybe",
    "sort=secret:asc",
    "pageSize=1000",
    "pii=yes",
    "store=mysql",
    "unknown=1",
  ])("refuses %s with 400", async (query) => {
    const response = await get(`/api/v1/catalog/columns?${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "invalid_request",
    );
  });
});

describe("detail", () => {
  test("a column's detail has its table, evidence, samples, versions, history and drift", async () => {
    const response = await get(
      `/api/v1/catalog/columns/${idOf("postgres:public.customers.email")}`,
    );
    expect(response.status).toBe(200);
    const detail = (await response.json()) as CatalogColumnDetail;
    expect(detail).toMatchObject({
      schema: "public",
      table: "customers",
      column: "email",
      proposedCategory: "email",
      effectiveCategory: "email",
      isPii: true,
      reviewStatus: "pending",
      version: 2,
      maskedSamples: ["j***@e***.com", "m***@x***.org"],
      stats: { nullFraction: 0.1, distinct: 40 },
      paths: [],
    });
    expect(detail.confidence).toBe(0.97);
    expect(detail.tableInfo).toMatchObject({ kind: "table", rowEstimate: 1234 });
    expect(detail.evidence.map((e) => e.detector)).toEqual(["email-name", "email-value"]);
    expect(detail.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(detail.history.map((h) => h.action)).toEqual(["proposed"]);
    expect(detail.drift.map((d) => d.kind)).toEqual(["column_changed"]);
  });

  test("a JSONB column lists its key paths", async () => {
    const detail = (await (
      await get(`/api/v1/catalog/columns/${idOf("postgres:public.customers.metadata")}`)
    ).json()) as CatalogColumnDetail;
    expect(detail.paths.map((p) => [p.jsonPath, p.proposedCategory])).toEqual([
      ["address.street", "postal_address"],
      ["contact.email", "email"],
    ]);
  });

  test("an unknown id is 404, a malformed one 400", async () => {
    expect((await get("/api/v1/catalog/columns/00000000-0000-4000-8000-000000000000")).status).toBe(
      404,
    );
    expect((await get("/api/v1/catalog/columns/not-a-uuid")).status).toBe(400);
  });
});

describe("summary and overview", () => {
  test("counts columns classified, reviewed, pending, flagged and PII by category and table", async () => {
    const response = await get("/api/v1/catalog/summary", "engineer");
    expect(response.status).toBe(200);
    const summary = (await response.json()) as CatalogSummary;
    const columns = LIVE.filter((f) => !f.path);
    expect(summary.columns).toBe(columns.length);
    expect(summary.paths).toBe(LIVE.length - columns.length);
    expect(summary.classified).toBe(columns.filter((f) => f.category).length);
    expect(summary.reviewed).toBe(columns.filter((f) => f.status && f.status !== "pending").length);
    expect(summary.needsRereview).toBe(1);
    expect(summary.pending).toBe(LIVE.filter((f) => !f.status && f.category).length);
    // metadata counts as an email column once (its contact.email path), like customers.email.
    const email = summary.piiByCategory.find((c) => c.category === "email");
    expect(email?.columns).toBe(3);
    // customers, invoices (notes), crm.accounts and the ClickHouse events table.
    expect(summary.piiTables).toBe(4);
    expect(summary.piiByCategory.find((c) => c.category === "none")).toBeUndefined();
    expect(summary.piiByTable[0]).toMatchObject({
      schema: "public",
      table: "customers",
      columns: 4,
      categories: ["email", "person_name", "phone", "postal_address"],
    });
  });

  test("the overview carries the catalog's classification figures", async () => {
    const response = await get("/api/v1/overview");
    expect(response.status).toBe(200);
    const overview = (await response.json()) as { classification: CatalogSummary | null };
    expect(overview.classification?.columns).toBe(LIVE.filter((f) => !f.path).length);
    expect(overview.classification?.piiByCategory.length).toBeGreaterThan(3);
  });
});

describe("drift", () => {
  test("lists drift newest first, filters unacknowledged, and a steward acknowledges", async () => {
    const all = (await (await get("/api/v1/catalog/drift", "engineer")).json()) as {
      items: DriftEvent[];
      total: number;
    };
    expect(all.items.map((d) => d.kind)).toEqual([
      "table_added",
      "column_dropped",
      "column_changed",
    ]);
    const target = all.items[1] as DriftEvent;
    expect(
      (await post("/api/v1/catalog/drift/acknowledge", { ids: [target.id] }, "engineer")).status,
    ).toBe(403);
    const ack = await post("/api/v1/catalog/drift/acknowledge", { ids: [target.id, target.id] });
    expect(ack.status).toBe(200);
    expect(await ack.json()).toEqual({ acknowledged: 1 });
    const open = (await (await get("/api/v1/catalog/drift?acknowledged=false")).json()) as {
      items: DriftEvent[];
    };
    expect(open.items.map((d) => d.id)).not.toContain(target.id);
    const done = (await (await get("/api/v1/catalog/drift?acknowledged=true")).json()) as {
      items: DriftEvent[];
    };
    expect(done.items).toHaveLength(1);
    expect(done.items[0]?.acknowledgedBy).toBe(t.logins.steward.user.email);
    const kind = (await (await get("/api/v1/catalog/drift?kind=table_added")).json()) as {
      total: number;
    };
    expect(kind.total).toBe(1);
  });
});

describe("export", () => {
  test("exports the catalog with decisions as JSON that parses back", async () => {
    const response = await get("/api/v1/catalog/export?format=json", "compliance_officer");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(
      /attachment; filename="catalog-.*\.json"/,
    );
    const body = (await response.json()) as {
      exportedAt: string;
      columns: Array<Record<string, unknown>>;
    };
    expect(body.columns).toHaveLength(FIXTURES.length);
    const overridden = body.columns.find((c) => c.column === "billing_email");
    expect(overridden).toMatchObject({
      reviewStatus: "overridden",
      decidedCategory: "none",
      proposedCategory: "email",
      effectiveCategory: "none",
      decidedBy: "earlier@steward.test",
    });
    const exports = await t.db
      .selectFrom("governance.audit_events")
      .select(["actor", "summary"])
      .where("action", "=", "catalog.export")
      .execute();
    expect(exports.map((e) => e.actor)).toContain(t.logins.compliance_officer.user.email);
  });

  test("exports CSV with a header and one parseable line per entry", async () => {
    const response = await get("/api/v1/catalog/export?format=csv");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/csv");
    const lines = (await response.text()).trimEnd().split("\r\n");
    const header = lines[0]?.split(",") ?? [];
    expect(header.slice(0, 5)).toEqual(["id", "store", "schema", "table", "column"]);
    expect(lines).toHaveLength(FIXTURES.length + 1);
    const email = lines.find((l) => l.includes(",customers,email,"))?.split(",") ?? [];
    const field = (name: string) => email[header.indexOf(name)];
    expect(field("proposedCategory")).toBe("email");
    expect(field("confidence")).toBe("0.97");
    expect(field("detectors")).toBe("email-name:1/1 email-value:45/50");
  });

  test("an engineer may not export", async () => {
    expect((await get("/api/v1/catalog/export", "engineer")).status).toBe(403);
  });
});

describe("scan", () => {
  test("only scanners may start a scan", async () => {
    expect((await post("/api/v1/catalog/scan", {}, "engineer")).status).toBe(403);
    expect((await post("/api/v1/catalog/scan", {}, "compliance_officer")).status).toBe(403);
    expect((await post("/api/v1/catalog/scan", { stores: ["x"] })).status).toBe(400);
  });

  test.skipIf(!JOBS.classify)("a steward's scan is queued as a classify job run", async () => {
    const response = await post("/api/v1/catalog/scan", {});
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as { jobId: string };
    const run = await t.db
      .selectFrom("governance.job_runs")
      .select(["queue", "status", "triggered_by"])
      .where("queue_job_id", "=", jobId)
      .executeTakeFirstOrThrow();
    expect(run).toEqual({
      queue: "classify",
      status: "queued",
      triggered_by: t.logins.steward.user.email,
    });
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select("target")
      .where("action", "=", "catalog.scan")
      .executeTakeFirstOrThrow();
    expect(audit.target).toBe(`job:classify/${jobId}`);
  });

  test.skipIf(Boolean(JOBS.classify))("without a classify job the scan says so (503)", async () => {
    const response = await post("/api/v1/catalog/scan", {});
    expect(response.status).toBe(503);
  });
});

type Detail = CatalogColumnDetail;

async function review(id: string, body: unknown, role: Role = "steward") {
  return post(`/api/v1/catalog/columns/${id}/review`, body, role);
}

describe("review", () => {
  test("a steward accepts a proposal: the decision freezes it, with history and audit", async () => {
    const id = idOf("postgres:public.customers.phone");
    const response = await review(id, { action: "accept", comment: "checked 20 values" });
    expect(response.status).toBe(200);
    const detail = (await response.json()) as Detail;
    expect(detail).toMatchObject({
      reviewStatus: "accepted",
      decidedCategory: "phone",
      decidedSensitivity: "confidential",
      effectiveCategory: "phone",
      decidedBy: t.logins.steward.user.email,
      decisionComment: "checked 20 values",
    });
    expect(detail.history[0]).toMatchObject({
      action: "accepted",
      actor: t.logins.steward.user.email,
      category: "phone",
      comment: "checked 20 values",
    });
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select(["actor", "target", "summary"])
      .where("action", "=", "catalog.review.accept")
      .executeTakeFirstOrThrow();
    expect(audit.target).toBe(`catalog_column:${id}`);
    expect(audit.actor).toBe(t.logins.steward.user.email);
  });

  test("a later override replaces the decision and the history keeps both, newest first", async () => {
    const id = idOf("postgres:public.customers.phone");
    const response = await review(id, {
      action: "override",
      category: "person_name",
      sensitivity: "restricted",
      comment: "holds contact names, not numbers",
    });
    expect(response.status).toBe(200);
    const detail = (await response.json()) as Detail;
    expect(detail).toMatchObject({
      reviewStatus: "overridden",
      proposedCategory: "phone",
      decidedCategory: "person_name",
      effectiveCategory: "person_name",
      effectiveSensitivity: "restricted",
    });
    expect(detail.history.map((h) => h.action)).toEqual(["overridden", "accepted"]);
    const listed = await list("category=person_name&table=customers");
    expect(names(listed)).toContain("public.customers.phone");
  });

  test("reject decides `none`: the column no longer counts as personal data", async () => {
    const id = idOf("postgres:public.customers.full_name");
    const detail = (await (
      await review(id, { action: "reject", comment: "a company contact, not a person" })
    ).json()) as Detail;
    expect(detail).toMatchObject({
      reviewStatus: "rejected",
      effectiveCategory: "none",
      isPii: false,
    });
  });

  test("overriding a flagged decision clears the re-review flag", async () => {
    const id = idOf("postgres:public.invoices.notes");
    const detail = (await (
      await review(id, { action: "override", category: "free_text_pii", sensitivity: "restricted" })
    ).json()) as Detail;
    expect(detail).toMatchObject({ needsRereview: false, reviewStatus: "overridden" });
    expect((await list("status=needs_rereview")).total).toBe(0);
  });

  test.each([
    [{ action: "override" }, 400],
    [{ action: "override", category: "ssn" }, 400],
    [{ action: "override", category: "email", sensitivity: "secret" }, 400],
    [{ action: "accept", category: "email" }, 400],
    [{ action: "reject", sensitivity: "public" }, 400],
    [{ action: "approve" }, 400],
    [{ action: "accept", comment: "x".repeat(2_001) }, 400],
    [{ action: "accept", comment: "nul \u0000 here" }, 400],
    [{ action: "accept", extra: true }, 400],
  ])("refuses %j", async (body, status) => {
    const id = idOf("postgres:public.invoices.amount");
    const response = await review(id, body);
    expect(response.status).toBe(status);
    const row = await t.db
      .selectFrom("governance.catalog_columns")
      .select("review_status")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.review_status).toBe("pending");
  });

  test("an unknown column is 404", async () => {
    const response = await review("00000000-0000-4000-8000-000000000000", { action: "accept" });
    expect(response.status).toBe(404);
  });

  test.each(["engineer", "compliance_officer"] as const)(
    "a %s may read but not review (403), and nothing changes",
    async (role) => {
      const id = idOf("postgres:public.invoices.amount");
      expect((await review(id, { action: "accept" }, role)).status).toBe(403);
      expect(
        (await post("/api/v1/catalog/review", { filter: {}, action: "accept" }, role)).status,
      ).toBe(403);
      expect((await list(`q=invoices.amount`, role)).items[0]?.reviewStatus).toBe("pending");
    },
  );

  test("bulk accept by filter touches exactly the matching proposals waiting for review", async () => {
    const before = await list("status=open&proposed=email&minConfidence=0.9");
    expect(names(before).sort()).toEqual([
      "crm.accounts.col_17",
      "public.customers.email",
      "public.customers.metadata.contact.email",
    ]);
    const untouched = await t.db
      .selectFrom("governance.catalog_columns")
      .select(["id", "review_status", "decided_category"])
      .where(
        "id",
        "not in",
        before.items.map((c) => c.id),
      )
      .orderBy("id")
      .execute();
    const response = await post("/api/v1/catalog/review", {
      filter: { category: "email", minConfidence: 0.9 },
      action: "accept",
      comment: "bulk: confident emails",
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { changed: number; ids: string[] };
    expect(result.changed).toBe(before.total);
    expect(result.ids.sort()).toEqual(before.items.map((c) => c.id).sort());
    // Dropped (legacy_email), already decided (billing_email) and less sure rows are left alone.
    const after = await t.db
      .selectFrom("governance.catalog_columns")
      .select(["id", "review_status", "decided_category"])
      .where(
        "id",
        "not in",
        before.items.map((c) => c.id),
      )
      .orderBy("id")
      .execute();
    expect(after).toEqual(untouched);
    const accepted = await list("status=accepted&proposed=email");
    expect(accepted.total).toBe(3);
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select("summary")
      .where("action", "=", "catalog.review.bulk_accept")
      .executeTakeFirstOrThrow();
    expect(audit.summary).toMatchObject({ changed: 3, filter: { category: "email" } });
  });

  test("bulk accept by ids, and bulk reject by filter", async () => {
    const ids = [
      idOf("postgres:crm.accounts.password_hash"),
      idOf("postgres:crm.accounts.card_number"),
    ];
    const byIds = await post("/api/v1/catalog/review", { ids, action: "accept" });
    expect(byIds.status).toBe(200);
    expect(((await byIds.json()) as { changed: number }).changed).toBe(2);
    const byFilter = await post("/api/v1/catalog/review", {
      filter: { store: "clickhouse", table: "events" },
      action: "reject",
      comment: "internal probe addresses",
    });
    expect(((await byFilter.json()) as { changed: number }).changed).toBe(1);
    const ip = await list("store=clickhouse");
    expect(ip.items[0]).toMatchObject({ reviewStatus: "rejected", effectiveCategory: "none" });
  });

  test.each([
    [{ action: "accept" }, 400],
    [{ ids: [], action: "accept" }, 400],
    [{ ids: ["nope"], action: "accept" }, 400],
    [{ filter: {}, ids: ["00000000-0000-4000-8000-000000000000"], action: "accept" }, 400],
    [{ filter: {}, action: "override" }, 400],
    [{ filter: { minConfidence: 2 }, action: "accept" }, 400],
    [{ filter: { owner: "x" }, action: "accept" }, 400],
    [
      {
        ids: Array.from({ length: 5_001 }, () => "00000000-0000-4000-8000-000000000000"),
        action: "accept",
      },
      400,
    ],
    [{ ids: ["00000000-0000-4000-8000-000000000000"], action: "accept" }, 404],
  ])("bulk refuses %#", async (body, status) => {
    expect((await post("/api/v1/catalog/review", body)).status).toBe(status);
  });

  test("the summary follows the decisions", async () => {
    const summary = (await (await get("/api/v1/catalog/summary")).json()) as CatalogSummary;
    expect(summary.reviewed).toBeGreaterThan(4);
    expect(summary.needsRereview).toBe(0);
    expect(summary.piiByCategory.find((c) => c.category === "ip_address")).toBeUndefined();
  });
});
