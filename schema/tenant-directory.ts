import { sql } from "kysely";
import type { Db } from "./postgres.ts";

/** A tenant as people recognise it: its business name and where it lives. */
export type TenantSummary = {
  id: string;
  businessName: string;
  region: string | null;
  industry: string | null;
  planTier: string | null;
};

export type TenantSearch = {
  /** Case-insensitive text in the business name, the region, or the start of the id. */
  q?: string;
  /** Exactly these tenants (to show names for ids already known). */
  ids?: string[];
  page: number;
  pageSize: number;
};

/**
 * Tenants matching a search, by business name, with the number of matches. Read as the owner:
 * the directory lists every tenant (names and regions only), which the tenants table's RLS
 * would otherwise narrow to one.
 */
export async function searchTenants(
  db: Db,
  search: TenantSearch,
): Promise<{ items: TenantSummary[]; total: number }> {
  let query = db.selectFrom("tenants");
  const q = search.q?.trim();
  if (q) {
    // strpos, not LIKE: a % or _ typed by a person is matched literally.
    query = query.where(
      sql<boolean>`(strpos(lower(business_name), lower(${q})) > 0
        OR strpos(lower(coalesce(region, '')), lower(${q})) > 0
        OR starts_with(id::text, lower(${q})))`,
    );
  }
  if (search.ids) {
    query = query.where(
      "id",
      "in",
      search.ids.length ? search.ids : ["00000000-0000-0000-0000-000000000000"],
    );
  }
  const [rows, total] = await Promise.all([
    query
      .select(["id", "business_name", "region", "industry_vertical", "plan_tier"])
      .orderBy(sql`lower(business_name)`)
      .orderBy("id")
      .limit(search.pageSize)
      .offset((search.page - 1) * search.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((row) => ({
      id: row.id,
      businessName: row.business_name,
      region: row.region,
      industry: row.industry_vertical,
      planTier: row.plan_tier,
    })),
    total: Number(total.n),
  };
}
