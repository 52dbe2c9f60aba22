import { type Kysely, sql } from "kysely";

/**
 * Tenancy (RLS forced, checked policies), grants, the seed's indexing strategy, the
 * customer_lifetime_value materialized view, the audit trigger, and the partition helper.
 * Frozen: later changes go into new migrations.
 */

const DDL = /* sql */ `
CREATE SCHEMA IF NOT EXISTS governance;
REVOKE ALL ON SCHEMA governance FROM PUBLIC;

-- One definition of tenant isolation, used by this migration and by every partition created later.
-- NULLIF turns an unset or empty app.tenant_id into NULL, which matches no row (fail closed);
-- there is deliberately no "IS NULL OR" escape.
CREATE FUNCTION governance.enable_tenant_rls(tbl regclass, tenant_column name DEFAULT 'tenant_id')
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', tbl);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s AS PERMISSIVE FOR ALL TO application_role '
    'USING (%2$I = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
    'WITH CHECK (%2$I = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)',
    tbl, tenant_column);
  -- govern's scanning, quality, tiering and retention reads see every tenant, read-only.
  EXECUTE format('DROP POLICY IF EXISTS governance_read ON %s', tbl);
  EXECUTE format('CREATE POLICY governance_read ON %s FOR SELECT TO govern_reader USING (true)', tbl);
END $$;

-- Creates the missing range partitions of a time-partitioned table covering [from_ts, to_ts),
-- each with tenant RLS, and returns how many it created. Step is 'day' or 'week' (UTC bounds).
CREATE FUNCTION governance.ensure_time_partitions(
  parent regclass, step text, from_ts timestamptz, to_ts timestamptz
) RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
  lower_bound timestamptz := date_trunc(step, from_ts, 'UTC');
  upper_bound timestamptz;
  part_name text;
  part regclass;
  parent_schema name := (SELECT relnamespace::regnamespace::name FROM pg_class WHERE oid = parent);
  created integer := 0;
BEGIN
  IF step NOT IN ('day', 'week') THEN
    RAISE EXCEPTION 'unsupported partition step %', step;
  END IF;
  WHILE lower_bound < to_ts LOOP
    upper_bound := lower_bound + ('1 ' || step)::interval;
    part_name := format('%s_p%s', (SELECT relname FROM pg_class WHERE oid = parent),
                        to_char(lower_bound AT TIME ZONE 'UTC', 'YYYYMMDD'));
    IF to_regclass(format('%I.%I', parent_schema, part_name)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                     parent_schema, part_name, parent, lower_bound, upper_bound);
      part := format('%I.%I', parent_schema, part_name)::regclass;
      PERFORM governance.enable_tenant_rls(part);
      EXECUTE format('GRANT SELECT ON %s TO govern_reader', part);
      created := created + 1;
    END IF;
    lower_bound := upper_bound;
  END LOOP;
  RETURN created;
END $$;

DO $$
DECLARE t regclass;
BEGIN
  FOR t IN
    SELECT c.oid::regclass FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  LOOP
    PERFORM governance.enable_tenant_rls(t);
  END LOOP;
END $$;

-- A tenant sees only its own tenant row.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants FOR ALL TO application_role
  USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY governance_read ON tenants FOR SELECT TO govern_reader USING (true);

-- The seed's user_document_access, made RESTRICTIVE so it actually narrows the tenant policy:
-- private documents are visible only to their uploader.
CREATE POLICY user_document_access ON documents AS RESTRICTIVE FOR SELECT TO application_role
  USING (visibility IS DISTINCT FROM 'private'
         OR uploaded_by = NULLIF(current_setting('app.user_id', true), '')::uuid);

-- Grants: the application works through application_role; govern_reader reads everything.
DO $$
DECLARE t regclass;
BEGIN
  FOR t IN
    SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relname NOT IN ('audit_logs', 'data_lineage', 'business_events_archive')
  LOOP
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO application_role', t);
  END LOOP;
END $$;
-- The platform's audit trail is append-only for the application.
GRANT SELECT, INSERT ON audit_logs TO application_role;
GRANT SELECT ON data_lineage, business_events_archive TO application_role;
GRANT USAGE ON SCHEMA public TO application_role, govern_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO govern_reader;

-- Indexing strategy of the seed.
CREATE INDEX idx_customers_tenant_email ON customers(tenant_id, email);
CREATE INDEX idx_customers_tenant_phone ON customers(tenant_id, phone);
CREATE INDEX idx_customers_search ON customers USING gin(to_tsvector('english', first_name || ' ' || last_name || ' ' || company_name));
CREATE INDEX idx_jobs_tenant_status ON jobs(tenant_id, status);
CREATE INDEX idx_jobs_customer_date ON jobs(customer_id, scheduled_start);
CREATE INDEX idx_jobs_assigned_users ON jobs USING gin(assigned_team_members);
CREATE INDEX idx_transactions_tenant_date ON financial_transactions(tenant_id, transaction_date);
CREATE INDEX idx_transactions_customer ON financial_transactions(customer_id, transaction_date);
CREATE INDEX idx_invoices_status_due ON invoices(tenant_id, status, due_date);
CREATE INDEX idx_communications_recipient ON communications(tenant_id, recipient_type, recipient_id);
CREATE INDEX idx_communications_thread ON communications(thread_id, created_at);
CREATE INDEX idx_communications_search ON communications USING gin(to_tsvector('english', subject || ' ' || content));
CREATE INDEX idx_calendar_events_time ON calendar_events(tenant_id, start_time, end_time);
CREATE INDEX idx_calendar_events_assigned ON calendar_events USING gin(assigned_users);

-- Child-side foreign-key indexes: retention, erasure and subsetting walk these edges.
CREATE INDEX idx_customer_interactions_customer ON customer_interactions(customer_id, created_at);
CREATE INDEX idx_invoices_customer ON invoices(customer_id);
CREATE INDEX idx_invoice_line_items_invoice ON invoice_line_items(invoice_id);
CREATE INDEX idx_job_materials_job ON job_materials(job_id);
CREATE INDEX idx_job_status_history_job ON job_status_history(job_id);
CREATE INDEX idx_payments_customer ON payments(customer_id);
CREATE INDEX idx_payments_invoice ON payments(invoice_id);
CREATE INDEX idx_payments_tenant_paid ON payments(tenant_id, paid_at);
CREATE INDEX idx_document_processing_jobs_document ON document_processing_jobs(document_id);
CREATE INDEX idx_integration_sync_logs_integration ON integration_sync_logs(integration_id);
CREATE INDEX idx_audit_logs_tenant_record ON audit_logs(tenant_id, table_name, record_id);
CREATE INDEX idx_business_metrics_tenant_time ON business_metrics(tenant_id, time);
CREATE INDEX idx_business_events_tenant_time ON business_events(tenant_id, time);

-- The seed's materialized view, verbatim, plus the unique index REFRESH CONCURRENTLY needs.
CREATE MATERIALIZED VIEW customer_lifetime_value AS
SELECT 
    c.tenant_id,
    c.id as customer_id,
    c.first_name,
    c.last_name,
    COUNT(j.id) as total_jobs,
    SUM(j.final_amount) as total_revenue,
    AVG(j.final_amount) as avg_job_value,
    MAX(j.scheduled_start) as last_job_date
FROM customers c
LEFT JOIN jobs j ON c.id = j.customer_id
WHERE c.tenant_id = j.tenant_id
GROUP BY c.tenant_id, c.id, c.first_name, c.last_name;
CREATE UNIQUE INDEX customer_lifetime_value_tenant_customer ON customer_lifetime_value(tenant_id, customer_id);
-- A materialized view cannot carry RLS, so the application gets no privilege on it; it reads
-- the same figures through a security_invoker view over the RLS-protected tables.
REVOKE ALL ON customer_lifetime_value FROM PUBLIC;
CREATE VIEW customer_lifetime_value_live WITH (security_invoker = true) AS
SELECT
    c.tenant_id,
    c.id as customer_id,
    c.first_name,
    c.last_name,
    COUNT(j.id) as total_jobs,
    SUM(j.final_amount) as total_revenue,
    AVG(j.final_amount) as avg_job_value,
    MAX(j.scheduled_start) as last_job_date
FROM customers c
LEFT JOIN jobs j ON c.id = j.customer_id
WHERE c.tenant_id = j.tenant_id
GROUP BY c.tenant_id, c.id, c.first_name, c.last_name;
GRANT SELECT ON customer_lifetime_value_live TO application_role, govern_reader;

CREATE OR REPLACE FUNCTION refresh_analytics_views()
RETURNS void AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY customer_lifetime_value;
END;
$$ LANGUAGE plpgsql;
REVOKE EXECUTE ON FUNCTION refresh_analytics_views() FROM PUBLIC;

-- The seed's audit trigger; NULLIF keeps it working when app.user_id is unset or reset to ''.
CREATE OR REPLACE FUNCTION audit_trigger()
RETURNS TRIGGER AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO audit_logs (tenant_id, action, table_name, record_id, old_values, user_id)
        VALUES (OLD.tenant_id, 'DELETE', TG_TABLE_NAME, OLD.id, to_jsonb(OLD), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN OLD;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_logs (tenant_id, action, table_name, record_id, old_values, new_values, user_id)
        VALUES (NEW.tenant_id, 'UPDATE', TG_TABLE_NAME, NEW.id, to_jsonb(OLD), to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO audit_logs (tenant_id, action, table_name, record_id, new_values, user_id)
        VALUES (NEW.tenant_id, 'INSERT', TG_TABLE_NAME, NEW.id, to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER customers_audit AFTER INSERT OR UPDATE OR DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION audit_trigger();
CREATE TRIGGER jobs_audit AFTER INSERT OR UPDATE OR DELETE ON jobs
    FOR EACH ROW EXECUTE FUNCTION audit_trigger();
CREATE TRIGGER invoices_audit AFTER INSERT OR UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION audit_trigger();
CREATE TRIGGER financial_transactions_audit AFTER INSERT OR UPDATE OR DELETE ON financial_transactions
    FOR EACH ROW EXECUTE FUNCTION audit_trigger();
CREATE TRIGGER payments_audit AFTER INSERT OR UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION audit_trigger();
CREATE TRIGGER communications_audit AFTER INSERT OR UPDATE OR DELETE ON communications
    FOR EACH ROW EXECUTE FUNCTION audit_trigger();
CREATE TRIGGER documents_audit AFTER INSERT OR UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION audit_trigger();
CREATE TRIGGER users_audit AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION audit_trigger();

-- The seed's encryption helpers (pgcrypto), with a pinned search_path as SECURITY DEFINER requires.
CREATE OR REPLACE FUNCTION encrypt_pii(data TEXT)
RETURNS BYTEA AS $$
BEGIN
    RETURN pgp_sym_encrypt(data, current_setting('app.encryption_key'));
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp;

CREATE OR REPLACE FUNCTION decrypt_pii(encrypted_data BYTEA)
RETURNS TEXT AS $$
BEGIN
    RETURN pgp_sym_decrypt(encrypted_data, current_setting('app.encryption_key'));
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE EXECUTE ON FUNCTION encrypt_pii(TEXT), decrypt_pii(BYTEA) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION encrypt_pii(TEXT), decrypt_pii(BYTEA) TO application_role;
REVOKE EXECUTE ON FUNCTION governance.enable_tenant_rls(regclass, name) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION governance.ensure_time_partitions(regclass, text, timestamptz, timestamptz) FROM PUBLIC;
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
