import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";

export type QualityTenant = {
  id: string;
  business: string;
  customers: string[];
  payments: string[];
};

/**
 * A tenant with one business, `customers` customers (every `nullEvery`-th without email, every
 * `badEvery`-th with a malformed one) and one payment per customer (every `negativeEvery`-th
 * with a negative amount). Inserted as the owner (RLS does not apply to it).
 */
export async function makeQualityTenant(
  db: Db,
  name: string,
  options: { customers: number; nullEvery?: number; badEvery?: number; negativeEvery?: number },
): Promise<QualityTenant> {
  const id = randomUUID();
  const business = randomUUID();
  await sql`INSERT INTO tenants (id, business_name) VALUES (${id}, ${name})`.execute(db);
  await sql`INSERT INTO businesses (id, tenant_id, legal_name, display_name)
            VALUES (${business}, ${id}, ${name}, ${name})`.execute(db);
  const customers: string[] = [];
  const payments: string[] = [];
  for (let i = 1; i <= options.customers; i++) {
    const c = randomUUID();
    const email =
      options.nullEvery && i % options.nullEvery === 0
        ? null
        : options.badEvery && i % options.badEvery === 0
          ? `broken-at-${i}`
          : `person${i}@${name.toLowerCase().replace(/\W/g, "")}.example.com`;
    await sql`INSERT INTO customers (id, tenant_id, business_id, first_name, email)
              VALUES (${c}, ${id}, ${business}, ${`Person ${i}`}, ${email})`.execute(db);
    const p = randomUUID();
    const amount = options.negativeEvery && i % options.negativeEvery === 0 ? -5 : 10 + i;
    await sql`INSERT INTO payments (id, tenant_id, business_id, customer_id, amount, status, paid_at)
              VALUES (${p}, ${id}, ${business}, ${c}, ${amount}, 'completed', now())`.execute(db);
    customers.push(c);
    payments.push(p);
  }
  return { id, business, customers, payments };
}
