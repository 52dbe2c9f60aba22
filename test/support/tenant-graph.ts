import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";

/**
 * Inserts (as owner) one row into every tenant-scoped table for a new tenant, all FKs
 * tenant-consistent. Tenancy tests compare this list against the catalog so that a table added
 * later without a fixture fails loudly instead of going untested.
 */
export async function insertTenantGraph(
  db: Db,
  label: string,
): Promise<{ tenantId: string; ids: Record<string, string> }> {
  const id = () => randomUUID();
  const t = id();
  const ids = {
    business: id(),
    user: id(),
    customer: id(),
    job: id(),
    invoice: id(),
    transaction: id(),
    communication: id(),
    document: id(),
    integration: id(),
  };
  const at = sql`now() - interval '1 hour'`;
  await sql`
    INSERT INTO tenants (id, business_name) VALUES (${t}, ${`Tenant ${label}`});
    `.execute(db);
  const statements = [
    sql`INSERT INTO businesses (id, tenant_id, legal_name, display_name, email)
        VALUES (${ids.business}, ${t}, ${`${label} LLC`}, ${label}, ${`office@${label}.example`})`,
    sql`INSERT INTO business_website_analysis (tenant_id, business_id, website_url)
        VALUES (${t}, ${ids.business}, ${`https://${label}.example`})`,
    sql`INSERT INTO users (id, tenant_id, business_id, email, first_name, last_name, role)
        VALUES (${ids.user}, ${t}, ${ids.business}, ${`owner@${label}.example`}, 'Olive', 'Owner', 'owner')`,
    sql`INSERT INTO customers (id, tenant_id, business_id, first_name, last_name, email, phone)
        VALUES (${ids.customer}, ${t}, ${ids.business}, 'Casey', ${label}, ${`casey@${label}.example`}, '+15550100')`,
    sql`INSERT INTO customer_interactions (tenant_id, customer_id, interaction_type, content)
        VALUES (${t}, ${ids.customer}, 'call', 'Called about a quote')`,
    sql`INSERT INTO jobs (id, tenant_id, business_id, customer_id, job_number, title, status, final_amount, scheduled_start, primary_assignee)
        VALUES (${ids.job}, ${t}, ${ids.business}, ${ids.customer}, 'J-1', 'Mow lawn', 'completed', 120, ${at}, ${ids.user})`,
    sql`INSERT INTO job_materials (tenant_id, job_id, material_name, quantity) VALUES (${t}, ${ids.job}, 'Mulch', 2)`,
    sql`INSERT INTO job_status_history (tenant_id, job_id, old_status, new_status, changed_by)
        VALUES (${t}, ${ids.job}, 'scheduled', 'completed', ${ids.user})`,
    sql`INSERT INTO invoices (id, tenant_id, business_id, customer_id, job_id, invoice_number, subtotal, total_amount, issue_date)
        VALUES (${ids.invoice}, ${t}, ${ids.business}, ${ids.customer}, ${ids.job}, 'INV-1', 100, 108, current_date)`,
    sql`INSERT INTO financial_transactions (id, tenant_id, business_id, amount, transaction_date, customer_id, invoice_id)
        VALUES (${ids.transaction}, ${t}, ${ids.business}, 108, current_date, ${ids.customer}, ${ids.invoice})`,
    sql`INSERT INTO invoice_line_items (tenant_id, invoice_id, description, unit_price, total_price)
        VALUES (${t}, ${ids.invoice}, 'Mowing', 100, 100)`,
    sql`INSERT INTO payments (tenant_id, business_id, customer_id, invoice_id, financial_transaction_id, amount, status, credit_card_number)
        VALUES (${t}, ${ids.business}, ${ids.customer}, ${ids.invoice}, ${ids.transaction}, 108, 'completed', '4242424242424242')`,
    sql`INSERT INTO communications (id, tenant_id, business_id, sender_id, recipient_type, recipient_id, subject, content)
        VALUES (${ids.communication}, ${t}, ${ids.business}, ${ids.user}, 'customer', ${ids.customer}, 'Hello', 'Hi Casey')`,
    sql`INSERT INTO communication_templates (tenant_id, business_id, template_name) VALUES (${t}, ${ids.business}, 'welcome')`,
    sql`INSERT INTO calendar_events (tenant_id, business_id, title, start_time, end_time, customer_id, job_id, created_by)
        VALUES (${t}, ${ids.business}, 'Visit', now(), now() + interval '1 hour', ${ids.customer}, ${ids.job}, ${ids.user})`,
    sql`INSERT INTO calendar_availability (tenant_id, business_id, user_id, day_of_week) VALUES (${t}, ${ids.business}, ${ids.user}, 1)`,
    sql`INSERT INTO team_assignments (tenant_id, team_id, user_id) VALUES (${t}, ${id()}, ${ids.user})`,
    sql`INSERT INTO documents (id, tenant_id, business_id, filename, visibility, uploaded_by)
        VALUES (${ids.document}, ${t}, ${ids.business}, 'quote.pdf', 'team', ${ids.user})`,
    sql`INSERT INTO document_processing_jobs (tenant_id, document_id, status) VALUES (${t}, ${ids.document}, 'completed')`,
    sql`INSERT INTO business_metrics (time, tenant_id, business_id, metric_type, metric_name, value)
        VALUES (${at}, ${t}, ${ids.business}, 'revenue', 'daily_revenue', 108)`,
    sql`INSERT INTO business_events (time, tenant_id, business_id, event_type, customer_id)
        VALUES (${at}, ${t}, ${ids.business}, 'page_view', ${ids.customer})`,
    sql`INSERT INTO business_events_archive (time, tenant_id, business_id, event_type)
        VALUES (now() - interval '3 years', ${t}, ${ids.business}, 'page_view')`,
    sql`INSERT INTO ai_context_cache (tenant_id, business_id, context_type, context_data)
        VALUES (${t}, ${ids.business}, 'customer_profile', '{}')`,
    sql`INSERT INTO ai_conversations (tenant_id, business_id, user_id, content) VALUES (${t}, ${ids.business}, ${ids.user}, 'hi')`,
    sql`INSERT INTO integrations (id, tenant_id, business_id, provider) VALUES (${ids.integration}, ${t}, ${ids.business}, 'stripe')`,
    sql`INSERT INTO integration_sync_logs (tenant_id, integration_id, status) VALUES (${t}, ${ids.integration}, 'completed')`,
    sql`INSERT INTO audit_logs (tenant_id, action, table_name) VALUES (${t}, 'VIEW', 'customers')`,
  ];
  for (const statement of statements) {
    await statement.execute(db);
  }
  return { tenantId: t, ids };
}
