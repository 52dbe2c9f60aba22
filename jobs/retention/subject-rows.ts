import { type RawBuilder, sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { anyOf, type Identifier } from "./erasure-proof.ts";
import { customerExpression, type SchemaGraph } from "./graph.ts";

/**
 * Which rows of the operational store are about one data subject: the rows linked to them
 * through foreign keys (the schema graph's customer expression) and the rows anywhere in the
 * tenant whose text holds one of their identifiers. Erasure plans over these rows; an access
 * request exports them. One definition, so what is erased and what is disclosed never drift.
 */

/** The customer columns a subject's identifiers are read from. */
export type SubjectPerson = {
  email: string | null;
  phone: string | null;
  secondary_phone: string | null;
  first_name: string | null;
  last_name: string | null;
};

/** The person's identifiers: email, phones (as stored and as digits), full name. */
export function identifiersOf(customer: SubjectPerson): Identifier[] {
  const out: Identifier[] = [];
  if (customer.email?.trim()) {
    out.push({ kind: "email", value: customer.email.trim() });
  }
  for (const phone of [customer.phone, customer.secondary_phone]) {
    if (phone?.trim()) {
      out.push({ kind: "phone", value: phone.trim() });
      const digits = phone.replace(/\D/g, "");
      if (digits.length >= 7 && digits !== phone.trim()) {
        out.push({ kind: "phone", value: digits });
      }
    }
  }
  const name = [customer.first_name, customer.last_name].filter((p) => p?.trim()).join(" ");
  if (customer.first_name?.trim() && customer.last_name?.trim()) {
    out.push({ kind: "name", value: name });
  }
  return out;
}

/** The customer row of a subject (undefined: no such customer in that tenant). */
export async function loadSubjectPerson(
  db: Db,
  tenantId: string,
  customerId: string,
): Promise<SubjectPerson | undefined> {
  const result = await sql<SubjectPerson>`
    SELECT email, phone, secondary_phone, first_name, last_name FROM customers
    WHERE tenant_id = ${tenantId}::uuid AND id = ${customerId}::uuid`.execute(db);
  return result.rows[0];
}

/**
 * SQL over alias `t` for one table: `linked`, true when the row is about the customer through
 * foreign keys; `where`, true for every row about them or holding one of their identifiers.
 */
export function subjectRowPredicate(
  graph: SchemaGraph,
  table: string,
  input: { customerId: string; identifiers: Identifier[] },
): { linked: RawBuilder<boolean>; where: RawBuilder<boolean> } {
  const about = customerExpression(graph, table);
  const linked = about
    ? sql<boolean>`(${sql.raw(about)}) = ${input.customerId}::uuid`
    : sql<boolean>`false`;
  const pattern = anyOf(input.identifiers.map((i) => i.value));
  return { linked, where: sql<boolean>`(${linked} OR (t.*)::text ~* ${pattern})` };
}
