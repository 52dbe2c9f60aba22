import { type Kysely, sql } from "kysely";

/**
 * The platform's operational tables, column for column as the seed document gives them, with
 * the deviations written down in schema/README.md (tenant-scoped uniqueness, tenant-consistent
 * foreign keys, forward references ordered, real[] embeddings, native partitioning, and the
 * tables the seed's own code uses without defining: payments, business_events_archive).
 * Frozen: later changes go into new migrations.
 */

const TIER = `storage_tier VARCHAR(20) NOT NULL DEFAULT 'hot'
      CHECK (storage_tier IN ('hot', 'warm', 'cold', 'archive'))`;

const DDL = /* sql */ `
CREATE EXTENSION IF NOT EXISTS pgcrypto;

DO $$ BEGIN CREATE ROLE application_role NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE govern_reader NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

CREATE TABLE tenants (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    business_name VARCHAR(255) NOT NULL,
    industry_vertical VARCHAR(100),
    plan_tier VARCHAR(50) DEFAULT 'starter',
    region VARCHAR(10) DEFAULT 'us-east',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    settings JSONB DEFAULT '{}',
    subscription_status VARCHAR(50) DEFAULT 'active'
);

CREATE TABLE businesses (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    legal_name VARCHAR(255) NOT NULL,
    display_name VARCHAR(255) NOT NULL,
    industry_type VARCHAR(100),
    business_type VARCHAR(100),
    phone VARCHAR(20),
    email VARCHAR(255),
    website VARCHAR(255),
    timezone VARCHAR(50) DEFAULT 'America/New_York',
    address JSONB,
    business_hours JSONB,
    settings JSONB DEFAULT '{}',
    branding JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    CONSTRAINT businesses_tenant_id_id_key UNIQUE (tenant_id, id)
);

CREATE TABLE business_website_analysis (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    website_url VARCHAR(500),
    analysis_data JSONB,
    confidence_score DECIMAL(3,2),
    analyzed_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id)
);

CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    email VARCHAR(255) NOT NULL,
    phone VARCHAR(20),
    password_hash VARCHAR(255),
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    display_name VARCHAR(255),
    title VARCHAR(100),
    department VARCHAR(100),
    avatar_url VARCHAR(500),
    profile_color VARCHAR(7),
    role VARCHAR(50) DEFAULT 'employee',
    permissions JSONB DEFAULT '{}',
    active BOOLEAN DEFAULT true,
    emergency_contact JSONB,
    work_schedule JSONB,
    hourly_rate DECIMAL(8,2),
    skills TEXT[],
    certifications JSONB DEFAULT '[]',
    service_areas TEXT[],
    job_completion_rate DECIMAL(5,2),
    customer_satisfaction_score DECIMAL(3,2),
    average_job_duration INTERVAL,
    performance_insights JSONB DEFAULT '{}',
    training_recommendations JSONB DEFAULT '[]',
    last_login_at TIMESTAMP WITH TIME ZONE,
    email_verified_at TIMESTAMP WITH TIME ZONE,
    phone_verified_at TIMESTAMP WITH TIME ZONE,
    two_factor_enabled BOOLEAN DEFAULT false,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    CONSTRAINT users_tenant_email_unique UNIQUE (tenant_id, email),
    CONSTRAINT users_tenant_id_id_key UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id)
);

CREATE TABLE customers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    customer_type VARCHAR(50) DEFAULT 'individual',
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    company_name VARCHAR(255),
    email VARCHAR(255),
    phone VARCHAR(20),
    secondary_phone VARCHAR(20),
    addresses JSONB DEFAULT '[]',
    preferred_address_id VARCHAR(50),
    customer_since DATE,
    last_interaction_at TIMESTAMP WITH TIME ZONE,
    lifetime_value DECIMAL(12,2) DEFAULT 0,
    total_jobs INTEGER DEFAULT 0,
    communication_preferences JSONB DEFAULT '{}',
    marketing_consent BOOLEAN DEFAULT false,
    customer_insights JSONB DEFAULT '{}',
    risk_score DECIMAL(3,2),
    source VARCHAR(100),
    tags TEXT[],
    custom_fields JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    CONSTRAINT customers_tenant_email_unique UNIQUE (tenant_id, email),
    CONSTRAINT customers_tenant_phone_unique UNIQUE (tenant_id, phone),
    CONSTRAINT customers_tenant_id_id_key UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id)
);

CREATE TABLE customer_interactions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    customer_id UUID NOT NULL,
    interaction_type VARCHAR(100),
    direction VARCHAR(20),
    channel VARCHAR(50),
    subject VARCHAR(255),
    content TEXT,
    metadata JSONB DEFAULT '{}',
    ai_summary TEXT,
    sentiment_score DECIMAL(3,2),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    ${TIER},
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id)
);

CREATE TABLE jobs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    customer_id UUID NOT NULL,
    job_number VARCHAR(100),
    title VARCHAR(255) NOT NULL,
    description TEXT,
    job_type VARCHAR(100),
    priority VARCHAR(20) DEFAULT 'medium',
    scheduled_start TIMESTAMP WITH TIME ZONE,
    scheduled_end TIMESTAMP WITH TIME ZONE,
    actual_start TIMESTAMP WITH TIME ZONE,
    actual_end TIMESTAMP WITH TIME ZONE,
    estimated_duration INTERVAL,
    service_address JSONB,
    location_notes TEXT,
    travel_time INTERVAL,
    status VARCHAR(50) DEFAULT 'quoted',
    workflow_stage VARCHAR(100),
    completion_percentage INTEGER DEFAULT 0,
    quoted_amount DECIMAL(12,2),
    final_amount DECIMAL(12,2),
    cost_of_goods DECIMAL(12,2),
    labor_cost DECIMAL(12,2),
    profit_margin DECIMAL(5,2),
    assigned_team_members UUID[],
    primary_assignee UUID,
    complexity_score DECIMAL(3,2),
    risk_factors JSONB DEFAULT '{}',
    optimization_suggestions JSONB DEFAULT '{}',
    tags TEXT[],
    custom_fields JSONB DEFAULT '{}',
    attachments JSONB DEFAULT '[]',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    archived BOOLEAN NOT NULL DEFAULT false,
    ${TIER},
    CONSTRAINT jobs_tenant_job_number_unique UNIQUE (tenant_id, job_number),
    CONSTRAINT jobs_tenant_id_id_key UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id),
    FOREIGN KEY (tenant_id, primary_assignee) REFERENCES users(tenant_id, id)
);

CREATE TABLE job_materials (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    job_id UUID NOT NULL,
    material_name VARCHAR(255),
    quantity DECIMAL(10,2),
    unit VARCHAR(50),
    unit_cost DECIMAL(10,2),
    total_cost DECIMAL(12,2),
    supplier VARCHAR(255),
    notes TEXT,
    FOREIGN KEY (tenant_id, job_id) REFERENCES jobs(tenant_id, id)
);

CREATE TABLE job_status_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    job_id UUID NOT NULL,
    old_status VARCHAR(50),
    new_status VARCHAR(50),
    changed_by UUID,
    change_reason TEXT,
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    FOREIGN KEY (tenant_id, job_id) REFERENCES jobs(tenant_id, id),
    FOREIGN KEY (tenant_id, changed_by) REFERENCES users(tenant_id, id)
);

CREATE TABLE invoices (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    customer_id UUID NOT NULL,
    job_id UUID,
    invoice_type VARCHAR(20) DEFAULT 'invoice',
    invoice_number VARCHAR(100),
    status VARCHAR(50) DEFAULT 'draft',
    subtotal DECIMAL(12,2) NOT NULL,
    tax_amount DECIMAL(12,2) DEFAULT 0,
    discount_amount DECIMAL(12,2) DEFAULT 0,
    total_amount DECIMAL(12,2) NOT NULL,
    amount_paid DECIMAL(12,2) DEFAULT 0,
    issue_date DATE NOT NULL,
    due_date DATE,
    sent_date DATE,
    viewed_date DATE,
    paid_date DATE,
    payment_terms VARCHAR(100),
    late_fee_percentage DECIMAL(5,2),
    discount_terms VARCHAR(255),
    notes TEXT,
    pdf_url VARCHAR(500),
    online_payment_url VARCHAR(500),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    ${TIER},
    CONSTRAINT invoices_tenant_invoice_number_unique UNIQUE (tenant_id, invoice_number),
    CONSTRAINT invoices_tenant_id_id_key UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id),
    FOREIGN KEY (tenant_id, job_id) REFERENCES jobs(tenant_id, id)
);

CREATE TABLE financial_transactions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    transaction_type VARCHAR(50),
    transaction_number VARCHAR(100),
    amount DECIMAL(12,2) NOT NULL,
    currency VARCHAR(3) DEFAULT 'USD',
    customer_id UUID,
    job_id UUID,
    invoice_id UUID,
    category VARCHAR(100),
    subcategory VARCHAR(100),
    account_code VARCHAR(50),
    status VARCHAR(50),
    transaction_date DATE NOT NULL,
    due_date DATE,
    paid_date DATE,
    payment_method VARCHAR(50),
    payment_processor VARCHAR(50),
    processor_transaction_id VARCHAR(255),
    tax_amount DECIMAL(12,2) DEFAULT 0,
    tax_rate DECIMAL(5,4),
    tax_exempt BOOLEAN DEFAULT false,
    ai_category_confidence DECIMAL(3,2),
    anomaly_score DECIMAL(3,2),
    description TEXT,
    notes TEXT,
    tags TEXT[],
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    ${TIER},
    CONSTRAINT financial_transactions_tenant_id_id_key UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id),
    FOREIGN KEY (tenant_id, job_id) REFERENCES jobs(tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id)
);

CREATE TABLE invoice_line_items (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    invoice_id UUID NOT NULL,
    description TEXT NOT NULL,
    quantity DECIMAL(10,2) DEFAULT 1,
    unit_price DECIMAL(10,2) NOT NULL,
    total_price DECIMAL(12,2) NOT NULL,
    item_type VARCHAR(50),
    sort_order INTEGER DEFAULT 0,
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id)
);

-- Used by the seed's lineage, masking and tiering code but never defined there.
CREATE TABLE payments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    customer_id UUID,
    invoice_id UUID,
    job_id UUID,
    financial_transaction_id UUID,
    amount DECIMAL(12,2) NOT NULL,
    currency VARCHAR(3) DEFAULT 'USD',
    status VARCHAR(50) DEFAULT 'pending', -- 'pending', 'completed', 'failed', 'refunded'
    payment_method VARCHAR(50), -- 'credit_card', 'ach', 'cash', 'check'
    payment_processor VARCHAR(50),
    processor_payment_id VARCHAR(255),
    credit_card_number VARCHAR(19), -- full PAN as captured; masking must tokenize it
    card_brand VARCHAR(20),
    card_last4 VARCHAR(4),
    card_exp_month INTEGER,
    card_exp_year INTEGER,
    cardholder_name VARCHAR(255),
    bank_account_number VARCHAR(34),
    bank_routing_number VARCHAR(9),
    billing_address JSONB,
    paid_at TIMESTAMP WITH TIME ZONE,
    failure_reason TEXT,
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    ${TIER},
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id),
    FOREIGN KEY (tenant_id, job_id) REFERENCES jobs(tenant_id, id),
    FOREIGN KEY (tenant_id, financial_transaction_id)
        REFERENCES financial_transactions(tenant_id, id)
);

CREATE TABLE communications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    sender_id UUID,
    recipient_type VARCHAR(20),
    recipient_id UUID,
    recipient_info JSONB,
    communication_type VARCHAR(50),
    direction VARCHAR(20),
    subject VARCHAR(255),
    content TEXT,
    content_type VARCHAR(50) DEFAULT 'text',
    attachments JSONB DEFAULT '[]',
    media_urls JSONB DEFAULT '[]',
    status VARCHAR(50),
    delivery_status JSONB DEFAULT '{}',
    read_at TIMESTAMP WITH TIME ZONE,
    replied_at TIMESTAMP WITH TIME ZONE,
    ai_generated BOOLEAN DEFAULT false,
    ai_model_used VARCHAR(100),
    sentiment_score DECIMAL(3,2),
    intent_classification VARCHAR(100),
    auto_response_used BOOLEAN DEFAULT false,
    thread_id UUID,
    reply_to_id UUID,
    campaign_id UUID,
    external_id VARCHAR(255),
    provider VARCHAR(50),
    provider_metadata JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    ${TIER},
    CONSTRAINT communications_tenant_id_id_key UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id),
    FOREIGN KEY (tenant_id, sender_id) REFERENCES users(tenant_id, id),
    FOREIGN KEY (tenant_id, reply_to_id) REFERENCES communications(tenant_id, id)
);

CREATE TABLE communication_templates (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    template_name VARCHAR(255) NOT NULL,
    template_type VARCHAR(50),
    communication_type VARCHAR(50),
    subject_template TEXT,
    content_template TEXT,
    variables JSONB DEFAULT '{}',
    usage_count INTEGER DEFAULT 0,
    last_used_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id)
);

CREATE TABLE calendar_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    title VARCHAR(255) NOT NULL,
    description TEXT,
    event_type VARCHAR(100),
    start_time TIMESTAMP WITH TIME ZONE NOT NULL,
    end_time TIMESTAMP WITH TIME ZONE NOT NULL,
    all_day BOOLEAN DEFAULT false,
    timezone VARCHAR(50),
    is_recurring BOOLEAN DEFAULT false,
    recurrence_rule VARCHAR(500),
    recurrence_end_date DATE,
    customer_id UUID,
    job_id UUID,
    created_by UUID,
    assigned_users UUID[],
    external_participants JSONB DEFAULT '[]',
    location_type VARCHAR(20),
    location_address JSONB,
    virtual_meeting_url VARCHAR(500),
    virtual_meeting_id VARCHAR(100),
    status VARCHAR(50) DEFAULT 'scheduled',
    confirmation_status VARCHAR(50),
    travel_time_minutes INTEGER,
    optimal_start_time TIMESTAMP WITH TIME ZONE,
    scheduling_confidence DECIMAL(3,2),
    priority INTEGER DEFAULT 3,
    tags TEXT[],
    custom_fields JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id),
    FOREIGN KEY (tenant_id, job_id) REFERENCES jobs(tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users(tenant_id, id)
);

CREATE TABLE calendar_availability (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    user_id UUID,
    day_of_week INTEGER,
    start_time TIME,
    end_time TIME,
    available BOOLEAN DEFAULT true,
    max_concurrent_bookings INTEGER DEFAULT 1,
    buffer_time_minutes INTEGER DEFAULT 0,
    effective_from DATE,
    effective_to DATE,
    date_override DATE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);

CREATE TABLE team_assignments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    team_id UUID NOT NULL,
    user_id UUID NOT NULL,
    role_in_team VARCHAR(50),
    joined_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    left_at TIMESTAMP WITH TIME ZONE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);

CREATE TABLE documents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    filename VARCHAR(255) NOT NULL,
    original_filename VARCHAR(255),
    file_type VARCHAR(100),
    mime_type VARCHAR(100),
    file_size_bytes BIGINT,
    file_url VARCHAR(500),
    related_entity_type VARCHAR(50),
    related_entity_id UUID,
    folder_path VARCHAR(500),
    tags TEXT[],
    description TEXT,
    ai_extracted_text TEXT,
    ai_content_summary TEXT,
    ai_detected_entities JSONB DEFAULT '{}',
    ai_classification VARCHAR(100),
    confidence_score DECIMAL(3,2),
    visibility VARCHAR(20) DEFAULT 'private',
    shared_with UUID[],
    public_url VARCHAR(500),
    version INTEGER DEFAULT 1,
    parent_document_id UUID,
    is_latest_version BOOLEAN DEFAULT true,
    uploaded_by UUID,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    ${TIER},
    CONSTRAINT documents_tenant_id_id_key UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id),
    FOREIGN KEY (tenant_id, parent_document_id) REFERENCES documents(tenant_id, id),
    FOREIGN KEY (tenant_id, uploaded_by) REFERENCES users(tenant_id, id)
);

CREATE TABLE document_processing_jobs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    document_id UUID NOT NULL,
    processing_type VARCHAR(50),
    status VARCHAR(50),
    result JSONB,
    error_message TEXT,
    started_at TIMESTAMP WITH TIME ZONE,
    completed_at TIMESTAMP WITH TIME ZONE,
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents(tenant_id, id)
);

-- TimescaleDB hypertables in the seed; native range partitions here (weekly / daily),
-- created ahead of time by the partitions job.
CREATE TABLE business_metrics (
    time TIMESTAMPTZ NOT NULL,
    tenant_id UUID NOT NULL,
    business_id UUID NOT NULL,
    metric_type VARCHAR(100) NOT NULL,
    metric_name VARCHAR(100) NOT NULL,
    value DECIMAL(15,4),
    dimensions JSONB DEFAULT '{}',
    metadata JSONB DEFAULT '{}'
) PARTITION BY RANGE (time);

CREATE TABLE business_events (
    time TIMESTAMPTZ NOT NULL,
    tenant_id UUID NOT NULL,
    business_id UUID NOT NULL,
    event_type VARCHAR(100) NOT NULL,
    event_name VARCHAR(100),
    user_id UUID,
    customer_id UUID,
    job_id UUID,
    properties JSONB DEFAULT '{}',
    session_id VARCHAR(100)
) PARTITION BY RANGE (time);

-- Same leading columns as business_events so the seed's
-- "INSERT INTO business_events_archive SELECT * FROM business_events" runs unchanged.
CREATE TABLE business_events_archive (
    time TIMESTAMPTZ NOT NULL,
    tenant_id UUID NOT NULL,
    business_id UUID NOT NULL,
    event_type VARCHAR(100) NOT NULL,
    event_name VARCHAR(100),
    user_id UUID,
    customer_id UUID,
    job_id UUID,
    properties JSONB DEFAULT '{}',
    session_id VARCHAR(100),
    archived_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

CREATE TABLE ai_context_cache (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    context_type VARCHAR(100),
    context_key VARCHAR(255),
    context_data JSONB NOT NULL,
    -- VECTOR(1536) in the seed; pgvector is not available, so a checked real[].
    embeddings REAL[] CHECK (embeddings IS NULL OR cardinality(embeddings) = 1536),
    confidence_score DECIMAL(3,2),
    generated_by VARCHAR(100),
    generated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    expires_at TIMESTAMP WITH TIME ZONE,
    access_count INTEGER DEFAULT 0,
    last_accessed_at TIMESTAMP WITH TIME ZONE,
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id)
);

CREATE TABLE ai_conversations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    user_id UUID,
    conversation_type VARCHAR(100),
    session_id VARCHAR(100),
    message_order INTEGER,
    role VARCHAR(20),
    content TEXT NOT NULL,
    model_used VARCHAR(100),
    tokens_used INTEGER,
    response_time_ms INTEGER,
    feedback_score INTEGER,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);

CREATE TABLE integrations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL,
    provider VARCHAR(100) NOT NULL,
    integration_type VARCHAR(50),
    display_name VARCHAR(255),
    status VARCHAR(50) DEFAULT 'pending',
    last_sync_at TIMESTAMP WITH TIME ZONE,
    next_sync_at TIMESTAMP WITH TIME ZONE,
    sync_frequency INTERVAL DEFAULT '15 minutes',
    auth_type VARCHAR(50),
    encrypted_credentials BYTEA,
    refresh_token_encrypted BYTEA,
    token_expires_at TIMESTAMP WITH TIME ZONE,
    sync_settings JSONB DEFAULT '{}',
    field_mappings JSONB DEFAULT '{}',
    enabled_features TEXT[],
    last_error TEXT,
    error_count INTEGER DEFAULT 0,
    retry_after TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    CONSTRAINT integrations_tenant_id_id_key UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, business_id) REFERENCES businesses(tenant_id, id)
);

CREATE TABLE integration_sync_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    integration_id UUID NOT NULL,
    sync_type VARCHAR(50),
    status VARCHAR(50),
    records_processed INTEGER DEFAULT 0,
    records_created INTEGER DEFAULT 0,
    records_updated INTEGER DEFAULT 0,
    records_failed INTEGER DEFAULT 0,
    error_details JSONB,
    started_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    completed_at TIMESTAMP WITH TIME ZONE,
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations(tenant_id, id)
);

-- No foreign key to tenants: the platform's audit trail outlives what it describes.
CREATE TABLE audit_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL,
    action VARCHAR(50) NOT NULL,
    table_name VARCHAR(100) NOT NULL,
    record_id UUID,
    user_id UUID,
    user_email VARCHAR(255),
    ip_address INET,
    user_agent TEXT,
    old_values JSONB,
    new_values JSONB,
    changed_fields TEXT[],
    session_id VARCHAR(100),
    request_id VARCHAR(100),
    source VARCHAR(50),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    ${TIER}
);

-- Platform-wide metadata about tables, not tenant data: no tenant_id, read-only to the app.
CREATE TABLE data_lineage (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  source_table VARCHAR(255) NOT NULL,
  source_column VARCHAR(255),
  target_table VARCHAR(255) NOT NULL,
  target_column VARCHAR(255),
  transformation_type VARCHAR(50),
  transformation_sql TEXT,
  created_by VARCHAR(255),
  created_at TIMESTAMP DEFAULT NOW(),
  is_active BOOLEAN DEFAULT true
);
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
