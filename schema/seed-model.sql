-- The CREATE TABLE statements of the platform's data model (the seed document), verbatim.
-- test/schema-model.test.ts checks every table and column here against the migrated catalog.

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
    business_type VARCHAR(100), -- 'home_services', 'personal_care', 'professional', etc.
    phone VARCHAR(20),
    email VARCHAR(255),
    website VARCHAR(255),
    timezone VARCHAR(50) DEFAULT 'America/New_York',
    address JSONB, -- Flexible address structure
    business_hours JSONB, -- Weekly schedule
    settings JSONB DEFAULT '{}',
    branding JSONB DEFAULT '{}', -- Colors, logos, etc.
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE business_website_analysis (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id UUID NOT NULL REFERENCES businesses(id),
    website_url VARCHAR(500),
    analysis_data JSONB, -- AI-extracted business info
    confidence_score DECIMAL(3,2),
    analyzed_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE customers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    customer_type VARCHAR(50) DEFAULT 'individual', -- 'individual', 'business'
    
    -- Personal Information
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    company_name VARCHAR(255),
    email VARCHAR(255),
    phone VARCHAR(20),
    secondary_phone VARCHAR(20),
    
    -- Address Information
    addresses JSONB DEFAULT '[]', -- Multiple addresses support
    preferred_address_id VARCHAR(50),
    
    -- Relationship Data
    customer_since DATE,
    last_interaction_at TIMESTAMP WITH TIME ZONE,
    lifetime_value DECIMAL(12,2) DEFAULT 0,
    total_jobs INTEGER DEFAULT 0,
    
    -- Communication Preferences
    communication_preferences JSONB DEFAULT '{}',
    marketing_consent BOOLEAN DEFAULT false,
    
    -- AI-Generated Insights
    customer_insights JSONB DEFAULT '{}', -- AI analysis, preferences, etc.
    risk_score DECIMAL(3,2), -- Churn prediction
    
    -- Metadata
    source VARCHAR(100), -- 'website', 'referral', 'manual', etc.
    tags TEXT[],
    custom_fields JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    
    -- Indexes for performance
    CONSTRAINT customers_tenant_email_unique UNIQUE (tenant_id, email),
    CONSTRAINT customers_tenant_phone_unique UNIQUE (tenant_id, phone)
);

CREATE TABLE customer_interactions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    interaction_type VARCHAR(100), -- 'call', 'email', 'sms', 'meeting', 'job'
    direction VARCHAR(20), -- 'inbound', 'outbound'
    channel VARCHAR(50), -- 'phone', 'email', 'website', 'social'
    subject VARCHAR(255),
    content TEXT,
    metadata JSONB DEFAULT '{}',
    ai_summary TEXT, -- AI-generated summary
    sentiment_score DECIMAL(3,2), -- AI sentiment analysis
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE jobs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    
    -- Job Identification
    job_number VARCHAR(100) UNIQUE, -- Auto-generated or custom
    title VARCHAR(255) NOT NULL,
    description TEXT,
    job_type VARCHAR(100), -- Industry-specific types
    priority VARCHAR(20) DEFAULT 'medium',
    
    -- Scheduling
    scheduled_start TIMESTAMP WITH TIME ZONE,
    scheduled_end TIMESTAMP WITH TIME ZONE,
    actual_start TIMESTAMP WITH TIME ZONE,
    actual_end TIMESTAMP WITH TIME ZONE,
    estimated_duration INTERVAL,
    
    -- Location
    service_address JSONB,
    location_notes TEXT,
    travel_time INTERVAL,
    
    -- Status and Workflow
    status VARCHAR(50) DEFAULT 'quoted', -- 'quoted', 'scheduled', 'in_progress', 'completed', 'cancelled'
    workflow_stage VARCHAR(100),
    completion_percentage INTEGER DEFAULT 0,
    
    -- Financial
    quoted_amount DECIMAL(12,2),
    final_amount DECIMAL(12,2),
    cost_of_goods DECIMAL(12,2),
    labor_cost DECIMAL(12,2),
    profit_margin DECIMAL(5,2),
    
    -- Team Assignment
    assigned_team_members UUID[], -- Array of user IDs
    primary_assignee UUID REFERENCES users(id),
    
    -- AI Insights
    complexity_score DECIMAL(3,2), -- AI-assessed job complexity
    risk_factors JSONB DEFAULT '{}',
    optimization_suggestions JSONB DEFAULT '{}',
    
    -- Metadata
    tags TEXT[],
    custom_fields JSONB DEFAULT '{}',
    attachments JSONB DEFAULT '[]', -- File references
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE job_materials (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    job_id UUID NOT NULL REFERENCES jobs(id),
    material_name VARCHAR(255),
    quantity DECIMAL(10,2),
    unit VARCHAR(50),
    unit_cost DECIMAL(10,2),
    total_cost DECIMAL(12,2),
    supplier VARCHAR(255),
    notes TEXT
);

CREATE TABLE job_status_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    job_id UUID NOT NULL REFERENCES jobs(id),
    old_status VARCHAR(50),
    new_status VARCHAR(50),
    changed_by UUID REFERENCES users(id),
    change_reason TEXT,
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE financial_transactions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    
    -- Transaction Core
    transaction_type VARCHAR(50), -- 'invoice', 'payment', 'expense', 'refund'
    transaction_number VARCHAR(100),
    amount DECIMAL(12,2) NOT NULL,
    currency VARCHAR(3) DEFAULT 'USD',
    
    -- Relationships
    customer_id UUID REFERENCES customers(id),
    job_id UUID REFERENCES jobs(id),
    invoice_id UUID REFERENCES invoices(id),
    
    -- Categorization
    category VARCHAR(100), -- 'revenue', 'materials', 'labor', 'overhead'
    subcategory VARCHAR(100),
    account_code VARCHAR(50), -- For accounting integration
    
    -- Status and Timing
    status VARCHAR(50), -- 'pending', 'completed', 'failed', 'cancelled'
    transaction_date DATE NOT NULL,
    due_date DATE,
    paid_date DATE,
    
    -- Payment Details
    payment_method VARCHAR(50), -- 'cash', 'check', 'credit_card', 'ach', 'stripe'
    payment_processor VARCHAR(50),
    processor_transaction_id VARCHAR(255),
    
    -- Tax Information
    tax_amount DECIMAL(12,2) DEFAULT 0,
    tax_rate DECIMAL(5,4),
    tax_exempt BOOLEAN DEFAULT false,
    
    -- AI Insights
    ai_category_confidence DECIMAL(3,2), -- Confidence in AI categorization
    anomaly_score DECIMAL(3,2), -- Unusual transaction detection
    
    -- Metadata
    description TEXT,
    notes TEXT,
    tags TEXT[],
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE invoices (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    job_id UUID REFERENCES jobs(id),
    
    -- Invoice Details
    invoice_type VARCHAR(20) DEFAULT 'invoice', -- 'estimate', 'invoice', 'recurring'
    invoice_number VARCHAR(100) UNIQUE,
    status VARCHAR(50) DEFAULT 'draft', -- 'draft', 'sent', 'viewed', 'paid', 'overdue', 'cancelled'
    
    -- Financial
    subtotal DECIMAL(12,2) NOT NULL,
    tax_amount DECIMAL(12,2) DEFAULT 0,
    discount_amount DECIMAL(12,2) DEFAULT 0,
    total_amount DECIMAL(12,2) NOT NULL,
    amount_paid DECIMAL(12,2) DEFAULT 0,
    
    -- Dates
    issue_date DATE NOT NULL,
    due_date DATE,
    sent_date DATE,
    viewed_date DATE,
    paid_date DATE,
    
    -- Terms and Conditions
    payment_terms VARCHAR(100),
    late_fee_percentage DECIMAL(5,2),
    discount_terms VARCHAR(255),
    notes TEXT,
    
    -- Document Generation
    pdf_url VARCHAR(500),
    online_payment_url VARCHAR(500),
    
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE invoice_line_items (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    invoice_id UUID NOT NULL REFERENCES invoices(id),
    description TEXT NOT NULL,
    quantity DECIMAL(10,2) DEFAULT 1,
    unit_price DECIMAL(10,2) NOT NULL,
    total_price DECIMAL(12,2) NOT NULL,
    item_type VARCHAR(50), -- 'service', 'material', 'labor', 'fee'
    sort_order INTEGER DEFAULT 0
);

CREATE TABLE communications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    
    -- Participants
    sender_id UUID REFERENCES users(id), -- Internal user or system
    recipient_type VARCHAR(20), -- 'customer', 'team', 'external'
    recipient_id UUID, -- customer_id, user_id, or external contact
    recipient_info JSONB, -- For external contacts
    
    -- Communication Details
    communication_type VARCHAR(50), -- 'email', 'sms', 'call', 'video_call', 'chat', 'social'
    direction VARCHAR(20), -- 'inbound', 'outbound'
    subject VARCHAR(255),
    content TEXT,
    
    -- Multi-Modal Support
    content_type VARCHAR(50) DEFAULT 'text', -- 'text', 'html', 'voice', 'video', 'image'
    attachments JSONB DEFAULT '[]', -- File references
    media_urls JSONB DEFAULT '[]', -- Voice recordings, videos
    
    -- Status and Tracking
    status VARCHAR(50), -- 'draft', 'sent', 'delivered', 'read', 'replied', 'failed'
    delivery_status JSONB DEFAULT '{}', -- Provider-specific delivery info
    read_at TIMESTAMP WITH TIME ZONE,
    replied_at TIMESTAMP WITH TIME ZONE,
    
    -- AI Analysis
    ai_generated BOOLEAN DEFAULT false,
    ai_model_used VARCHAR(100),
    sentiment_score DECIMAL(3,2),
    intent_classification VARCHAR(100),
    auto_response_used BOOLEAN DEFAULT false,
    
    -- Threading and Context
    thread_id UUID, -- For grouping related messages
    reply_to_id UUID REFERENCES communications(id),
    campaign_id UUID, -- For marketing campaigns
    
    -- External Integration
    external_id VARCHAR(255), -- Provider-specific ID
    provider VARCHAR(50), -- 'twilio', 'sendgrid', 'zoom', etc.
    provider_metadata JSONB DEFAULT '{}',
    
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE communication_templates (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    
    template_name VARCHAR(255) NOT NULL,
    template_type VARCHAR(50), -- 'welcome', 'reminder', 'follow_up', 'invoice'
    communication_type VARCHAR(50), -- 'email', 'sms', 'call_script'
    
    subject_template TEXT,
    content_template TEXT,
    variables JSONB DEFAULT '{}', -- Available template variables
    
    usage_count INTEGER DEFAULT 0,
    last_used_at TIMESTAMP WITH TIME ZONE,
    
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE calendar_events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    
    -- Event Details
    title VARCHAR(255) NOT NULL,
    description TEXT,
    event_type VARCHAR(100), -- 'job', 'meeting', 'block', 'personal'
    
    -- Timing
    start_time TIMESTAMP WITH TIME ZONE NOT NULL,
    end_time TIMESTAMP WITH TIME ZONE NOT NULL,
    all_day BOOLEAN DEFAULT false,
    timezone VARCHAR(50),
    
    -- Recurrence
    is_recurring BOOLEAN DEFAULT false,
    recurrence_rule VARCHAR(500), -- RFC 5545 RRULE
    recurrence_end_date DATE,
    
    -- Relationships
    customer_id UUID REFERENCES customers(id),
    job_id UUID REFERENCES jobs(id),
    created_by UUID REFERENCES users(id),
    
    -- Participants
    assigned_users UUID[], -- Array of assigned team members
    external_participants JSONB DEFAULT '[]',
    
    -- Location and Virtual
    location_type VARCHAR(20), -- 'on_site', 'virtual', 'office'
    location_address JSONB,
    virtual_meeting_url VARCHAR(500),
    virtual_meeting_id VARCHAR(100),
    
    -- Status
    status VARCHAR(50) DEFAULT 'scheduled', -- 'scheduled', 'confirmed', 'in_progress', 'completed', 'cancelled'
    confirmation_status VARCHAR(50), -- 'pending', 'confirmed', 'declined'
    
    -- AI Optimization
    travel_time_minutes INTEGER,
    optimal_start_time TIMESTAMP WITH TIME ZONE, -- AI-suggested time
    scheduling_confidence DECIMAL(3,2),
    
    -- Metadata
    priority INTEGER DEFAULT 3, -- 1-5 scale
    tags TEXT[],
    custom_fields JSONB DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE calendar_availability (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    user_id UUID REFERENCES users(id), -- NULL for business-wide availability
    
    -- Time Slots
    day_of_week INTEGER, -- 0-6, Sunday = 0
    start_time TIME,
    end_time TIME,
    
    -- Availability Rules
    available BOOLEAN DEFAULT true,
    max_concurrent_bookings INTEGER DEFAULT 1,
    buffer_time_minutes INTEGER DEFAULT 0,
    
    -- Date Ranges
    effective_from DATE,
    effective_to DATE,
    
    -- Override specific dates
    date_override DATE,
    
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    
    -- Authentication
    email VARCHAR(255) UNIQUE NOT NULL,
    phone VARCHAR(20),
    password_hash VARCHAR(255), -- For local authentication
    
    -- Profile Information
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    display_name VARCHAR(255),
    title VARCHAR(100),
    department VARCHAR(100),
    
    -- Avatar and Branding
    avatar_url VARCHAR(500),
    profile_color VARCHAR(7), -- Hex color for UI personalization
    
    -- Permissions and Access
    role VARCHAR(50) DEFAULT 'employee', -- 'owner', 'admin', 'manager', 'employee', 'contractor'
    permissions JSONB DEFAULT '{}',
    active BOOLEAN DEFAULT true,
    
    -- Contact Information
    emergency_contact JSONB,
    work_schedule JSONB, -- Weekly work hours
    hourly_rate DECIMAL(8,2),
    
    -- Skills and Specializations
    skills TEXT[],
    certifications JSONB DEFAULT '[]',
    service_areas TEXT[], -- Geographic or service type areas
    
    -- Performance Metrics
    job_completion_rate DECIMAL(5,2),
    customer_satisfaction_score DECIMAL(3,2),
    average_job_duration INTERVAL,
    
    -- AI Insights
    performance_insights JSONB DEFAULT '{}',
    training_recommendations JSONB DEFAULT '[]',
    
    -- Authentication Metadata
    last_login_at TIMESTAMP WITH TIME ZONE,
    email_verified_at TIMESTAMP WITH TIME ZONE,
    phone_verified_at TIMESTAMP WITH TIME ZONE,
    two_factor_enabled BOOLEAN DEFAULT false,
    
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE team_assignments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    team_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id),
    role_in_team VARCHAR(50), -- 'lead', 'member', 'supervisor'
    joined_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    left_at TIMESTAMP WITH TIME ZONE
);

CREATE TABLE documents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    
    -- File Information
    filename VARCHAR(255) NOT NULL,
    original_filename VARCHAR(255),
    file_type VARCHAR(100), -- 'image', 'document', 'video', 'audio', 'other'
    mime_type VARCHAR(100),
    file_size_bytes BIGINT,
    file_url VARCHAR(500),
    
    -- Relationships
    related_entity_type VARCHAR(50), -- 'customer', 'job', 'invoice', 'user'
    related_entity_id UUID,
    
    -- Organization
    folder_path VARCHAR(500),
    tags TEXT[],
    description TEXT,
    
    -- AI-Powered Analysis
    ai_extracted_text TEXT, -- OCR results
    ai_content_summary TEXT,
    ai_detected_entities JSONB DEFAULT '{}', -- Names, dates, amounts, etc.
    ai_classification VARCHAR(100), -- Document type classification
    confidence_score DECIMAL(3,2),
    
    -- Access Control
    visibility VARCHAR(20) DEFAULT 'private', -- 'private', 'team', 'customer'
    shared_with UUID[], -- Array of user IDs
    public_url VARCHAR(500), -- For customer-shared documents
    
    -- Version Control
    version INTEGER DEFAULT 1,
    parent_document_id UUID REFERENCES documents(id),
    is_latest_version BOOLEAN DEFAULT true,
    
    -- Metadata
    uploaded_by UUID REFERENCES users(id),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE document_processing_jobs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    document_id UUID NOT NULL REFERENCES documents(id),
    processing_type VARCHAR(50), -- 'ocr', 'classification', 'extraction'
    status VARCHAR(50), -- 'pending', 'processing', 'completed', 'failed'
    result JSONB,
    error_message TEXT,
    started_at TIMESTAMP WITH TIME ZONE,
    completed_at TIMESTAMP WITH TIME ZONE
);

CREATE TABLE business_metrics (
    time TIMESTAMPTZ NOT NULL,
    tenant_id UUID NOT NULL,
    business_id UUID NOT NULL,
    metric_type VARCHAR(100) NOT NULL, -- 'revenue', 'jobs_completed', 'customer_acquired'
    metric_name VARCHAR(100) NOT NULL,
    value DECIMAL(15,4),
    dimensions JSONB DEFAULT '{}', -- Additional context like location, employee, etc.
    metadata JSONB DEFAULT '{}'
);

CREATE TABLE business_events (
    time TIMESTAMPTZ NOT NULL,
    tenant_id UUID NOT NULL,
    business_id UUID NOT NULL,
    event_type VARCHAR(100) NOT NULL, -- 'page_view', 'button_click', 'form_submit'
    event_name VARCHAR(100),
    user_id UUID,
    customer_id UUID,
    job_id UUID,
    properties JSONB DEFAULT '{}',
    session_id VARCHAR(100)
);

CREATE TABLE ai_context_cache (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    
    -- Context Identification
    context_type VARCHAR(100), -- 'customer_profile', 'business_summary', 'workflow_state'
    context_key VARCHAR(255), -- Unique identifier for this context
    
    -- AI-Generated Content
    context_data JSONB NOT NULL,
    embeddings VECTOR(1536), -- For semantic search
    confidence_score DECIMAL(3,2),
    
    -- Metadata
    generated_by VARCHAR(100), -- AI model used
    generated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    expires_at TIMESTAMP WITH TIME ZONE,
    access_count INTEGER DEFAULT 0,
    last_accessed_at TIMESTAMP WITH TIME ZONE
);

CREATE TABLE ai_conversations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    user_id UUID REFERENCES users(id),
    
    -- Conversation Context
    conversation_type VARCHAR(100), -- 'customer_inquiry', 'business_question', 'workflow_help'
    session_id VARCHAR(100),
    
    -- Message Details
    message_order INTEGER,
    role VARCHAR(20), -- 'user', 'assistant', 'system'
    content TEXT NOT NULL,
    
    -- AI Metadata
    model_used VARCHAR(100),
    tokens_used INTEGER,
    response_time_ms INTEGER,
    feedback_score INTEGER, -- User rating 1-5
    
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE integrations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    business_id UUID NOT NULL REFERENCES businesses(id),
    
    -- Integration Details
    provider VARCHAR(100) NOT NULL, -- 'quickbooks', 'stripe', 'google_calendar'
    integration_type VARCHAR(50), -- 'accounting', 'payment', 'calendar', 'crm'
    display_name VARCHAR(255),
    
    -- Connection Status
    status VARCHAR(50) DEFAULT 'pending', -- 'pending', 'connected', 'error', 'disconnected'
    last_sync_at TIMESTAMP WITH TIME ZONE,
    next_sync_at TIMESTAMP WITH TIME ZONE,
    sync_frequency INTERVAL DEFAULT '15 minutes',
    
    -- Authentication
    auth_type VARCHAR(50), -- 'oauth2', 'api_key', 'username_password'
    encrypted_credentials BYTEA, -- Encrypted auth tokens/keys
    refresh_token_encrypted BYTEA,
    token_expires_at TIMESTAMP WITH TIME ZONE,
    
    -- Configuration
    sync_settings JSONB DEFAULT '{}',
    field_mappings JSONB DEFAULT '{}',
    enabled_features TEXT[],
    
    -- Error Handling
    last_error TEXT,
    error_count INTEGER DEFAULT 0,
    retry_after TIMESTAMP WITH TIME ZONE,
    
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE integration_sync_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    integration_id UUID NOT NULL REFERENCES integrations(id),
    
    sync_type VARCHAR(50), -- 'full', 'incremental', 'manual'
    status VARCHAR(50), -- 'started', 'completed', 'failed'
    
    records_processed INTEGER DEFAULT 0,
    records_created INTEGER DEFAULT 0,
    records_updated INTEGER DEFAULT 0,
    records_failed INTEGER DEFAULT 0,
    
    error_details JSONB,
    
    started_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    completed_at TIMESTAMP WITH TIME ZONE
);

CREATE TABLE audit_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID NOT NULL,
    
    -- Action Details
    action VARCHAR(50) NOT NULL, -- 'CREATE', 'UPDATE', 'DELETE', 'VIEW'
    table_name VARCHAR(100) NOT NULL,
    record_id UUID,
    
    -- User Information
    user_id UUID,
    user_email VARCHAR(255),
    ip_address INET,
    user_agent TEXT,
    
    -- Change Details
    old_values JSONB,
    new_values JSONB,
    changed_fields TEXT[],
    
    -- Context
    session_id VARCHAR(100),
    request_id VARCHAR(100),
    source VARCHAR(50), -- 'web', 'mobile', 'api', 'system'
    
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE data_lineage (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  source_table VARCHAR(255) NOT NULL,
  source_column VARCHAR(255),
  target_table VARCHAR(255) NOT NULL,
  target_column VARCHAR(255),
  transformation_type VARCHAR(50), -- 'direct', 'aggregation', 'calculation', 'join'
  transformation_sql TEXT,
  created_by VARCHAR(255),
  created_at TIMESTAMP DEFAULT NOW(),
  is_active BOOLEAN DEFAULT true
);
