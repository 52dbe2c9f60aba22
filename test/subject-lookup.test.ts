import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Role } from "../schema/domain/permissions.ts";
import { type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * The data-subject lookup behind the erasure form: a compliance officer finds one person of a
 * tenant by email, phone (written any way) or name, and sees them masked; other tenants'
 * customers never appear, and roles that cannot request erasures are refused.
 */

const label = randomBytes(4).toString("hex");
let t: ConsoleApp;
const tenantA = randomUUID();
const tenantB = randomUUID();
const josé = randomUUID();
const other = randomUUID();
const twin = randomUUID();

beforeAll(async () => {
  t = await openConsoleApp("subjects");
  for (const [tenant, business] of [
    [tenantA, randomUUID()],
    [tenantB, randomUUID()],
  ] as const) {
    await sql`INSERT INTO tenants (id, business_name) VALUES (${tenant}, ${`Lookup ${label} ${tenant.slice(0, 4)}`})`.execute(
      t.db,
    );
    await sql`INSERT INTO businesses (id, tenant_id, legal_name, display_name, email)
      VALUES (${business}, ${tenant}, 'B LLC', 'B', 'office@b.example')`.execute(t.db);
    const rows =
      tenant === tenantA
        ? [
            [josé, "José", "Dupont-Éclair", "Jose.Dupont@Example.COM", "+44 20 7946 0958"],
            [other, "Ann", "Other", "ann@example.com", "(415) 555-0123"],
          ]
        : [[twin, "José", "Dupont-Éclair", "jose.dupont@example.com", "020 7946 0958"]];
    for (const [id, first, last, email, phone] of rows) {
      await sql`INSERT INTO customers (id, tenant_id, business_id, first_name, last_name, email, phone)
        VALUES (${id}, ${tenant}, ${business}, ${first}, ${last}, ${email}, ${phone})`.execute(
        t.db,
      );
    }
  }
});

afterAll(async () => {
  await t?.close();
});

const lookup = (tenant: string, q: string, role: Role = "compliance_officer") =>
  t.request(`/api/v1/tenants/${tenant}/subjects?q=${encodeURIComponent(q)}`, {
    headers: { authorization: `Bearer ${t.logins[role].token}` },
  });

type Body = {
  items: {
    id: string;
    name: string;
    email: string | null;
    phone: string | null;
    matchedOn: string;
  }[];
  truncated: boolean;
};

describe("GET /api/v1/tenants/{id}/subjects", () => {
  test("finds a person by email whatever its case and spacing, masked", async () => {
    const response = await lookup(tenantA, "  jose.dupont@example.com ");
    expect(response.status).toBe(200);
    const body = (await response.json()) as Body;
    expect(body.items.map((i) => i.id)).toEqual([josé]);
    const [hit] = body.items;
    expect(hit?.matchedOn).toBe("email");
    expect(hit?.name).toBe("J*** D***");
    expect(hit?.email).toBe("j***@e***.com");
    expect(hit?.phone).toBe("••• 0958");
    // Nothing of the real values crosses: no name, no mailbox, no full number.
    const text = JSON.stringify(body);
    for (const secret of ["José", "Dupont", "jose.dupont", "7946"]) {
      expect(text).not.toContain(secret);
    }
  });

  test("finds a person by phone written in another format (national vs international)", async () => {
    for (const written of ["020 7946 0958", "0044 20 7946 0958", "+442079460958"]) {
      const body = (await (await lookup(tenantA, written)).json()) as Body;
      expect(
        body.items.map((i) => i.id),
        written,
      ).toEqual([josé]);
      expect(body.items[0]?.matchedOn).toBe("phone");
    }
    const us = (await (await lookup(tenantA, "415.555.0123")).json()) as Body;
    expect(us.items.map((i) => i.id)).toEqual([other]);
  });

  test("finds a person by name without case, accents or extra spaces, in either order", async () => {
    for (const written of ["jose   dupont", "DUPONT-ECLAIR JOSE", "josé"]) {
      const body = (await (await lookup(tenantA, written)).json()) as Body;
      expect(
        body.items.map((i) => i.id),
        written,
      ).toEqual([josé]);
    }
  });

  test("never lists another tenant's customer, even with the same email", async () => {
    const a = (await (await lookup(tenantA, "jose.dupont@example.com")).json()) as Body;
    const b = (await (await lookup(tenantB, "jose.dupont@example.com")).json()) as Body;
    expect(a.items.map((i) => i.id)).toEqual([josé]);
    expect(b.items.map((i) => i.id)).toEqual([twin]);
  });

  test("a wildcard typed is matched literally, not as a pattern", async () => {
    const body = (await (await lookup(tenantA, "%%%")).json()) as Body;
    expect(body.items).toEqual([]);
  });

  test("roles that cannot request erasures are refused (403), bad input is 400", async () => {
    expect((await lookup(tenantA, "jose", "engineer")).status).toBe(403);
    expect((await lookup(tenantA, "jose", "steward")).status).toBe(403);
    expect((await lookup(tenantA, "jo")).status).toBe(400);
    expect((await lookup("not-a-uuid", "jose")).status).toBe(400);
  });
});
