/**
 * The operational tables the demo platform fills, in foreign-key order (every table after the
 * tables it references), with the columns each generator writes, in the order it writes them.
 * Every column is written explicitly, so no DEFAULT (now(), gen_random_uuid()) ever reaches a row
 * and the same seed gives the same bytes.
 */

// biome-ignore format: one block per table reads like the DDL it mirrors
export const TABLES = {
  tenants: [
    "id", "business_name", "industry_vertical", "plan_tier", "region", "created_at", "updated_at",
    "settings", "subscription_status",
  ],
  businesses: [
    "id", "tenant_id", "legal_name", "display_name", "industry_type", "business_type", "phone",
    "email", "website", "timezone", "address", "business_hours", "settings", "branding",
    "created_at", "updated_at",
  ],
  business_website_analysis: [
    "id", "tenant_id", "business_id", "website_url", "analysis_data", "confidence_score",
    "analyzed_at",
  ],
  users: [
    "id", "tenant_id", "business_id", "email", "phone", "password_hash", "first_name", "last_name",
    "display_name", "title", "department", "avatar_url", "profile_color", "role", "permissions",
    "active", "emergency_contact", "work_schedule", "hourly_rate", "skills", "certifications",
    "service_areas", "job_completion_rate", "customer_satisfaction_score", "average_job_duration",
    "performance_insights", "training_recommendations", "last_login_at", "email_verified_at",
    "phone_verified_at", "two_factor_enabled", "created_at", "updated_at",
  ],
  team_assignments: ["id", "tenant_id", "team_id", "user_id", "role_in_team", "joined_at", "left_at"],
  calendar_availability: [
    "id", "tenant_id", "business_id", "user_id", "day_of_week", "start_time", "end_time",
    "available", "max_concurrent_bookings", "buffer_time_minutes", "effective_from",
    "effective_to", "date_override", "created_at",
  ],
  communication_templates: [
    "id", "tenant_id", "business_id", "template_name", "template_type", "communication_type",
    "subject_template", "content_template", "variables", "usage_count", "last_used_at",
    "created_at", "updated_at",
  ],
  integrations: [
    "id", "tenant_id", "business_id", "provider", "integration_type", "display_name", "status",
    "last_sync_at", "next_sync_at", "sync_frequency", "auth_type", "encrypted_credentials",
    "refresh_token_encrypted", "token_expires_at", "sync_settings", "field_mappings",
    "enabled_features", "last_error", "error_count", "retry_after", "created_at", "updated_at",
  ],
  integration_sync_logs: [
    "id", "tenant_id", "integration_id", "sync_type", "status", "records_processed",
    "records_created", "records_updated", "records_failed", "error_details", "started_at",
    "completed_at",
  ],
  customers: [
    "id", "tenant_id", "business_id", "customer_type", "first_name", "last_name", "company_name",
    "email", "phone", "secondary_phone", "addresses", "preferred_address_id", "customer_since",
    "last_interaction_at", "lifetime_value", "total_jobs", "communication_preferences",
    "marketing_consent", "customer_insights", "risk_score", "source", "tags", "custom_fields",
    "created_at", "updated_at",
  ],
  customer_interactions: [
    "id", "tenant_id", "customer_id", "interaction_type", "direction", "channel", "subject",
    "content", "metadata", "ai_summary", "sentiment_score", "created_at", "storage_tier",
  ],
  jobs: [
    "id", "tenant_id", "business_id", "customer_id", "job_number", "title", "description",
    "job_type", "priority", "scheduled_start", "scheduled_end", "actual_start", "actual_end",
    "estimated_duration", "service_address", "location_notes", "travel_time", "status",
    "workflow_stage", "completion_percentage", "quoted_amount", "final_amount", "cost_of_goods",
    "labor_cost", "profit_margin", "assigned_team_members", "primary_assignee", "complexity_score",
    "risk_factors", "optimization_suggestions", "tags", "custom_fields", "attachments",
    "created_at", "updated_at", "archived", "storage_tier",
  ],
  job_materials: [
    "id", "tenant_id", "job_id", "material_name", "quantity", "unit", "unit_cost", "total_cost",
    "supplier", "notes",
  ],
  job_status_history: [
    "id", "tenant_id", "job_id", "old_status", "new_status", "changed_by", "change_reason",
    "metadata", "created_at",
  ],
  calendar_events: [
    "id", "tenant_id", "business_id", "title", "description", "event_type", "start_time",
    "end_time", "all_day", "timezone", "is_recurring", "recurrence_rule", "recurrence_end_date",
    "customer_id", "job_id", "created_by", "assigned_users", "external_participants",
    "location_type", "location_address", "virtual_meeting_url", "virtual_meeting_id", "status",
    "confirmation_status", "travel_time_minutes", "optimal_start_time", "scheduling_confidence",
    "priority", "tags", "custom_fields", "created_at", "updated_at",
  ],
  invoices: [
    "id", "tenant_id", "business_id", "customer_id", "job_id", "invoice_type", "invoice_number",
    "status", "subtotal", "tax_amount", "discount_amount", "total_amount", "amount_paid",
    "issue_date", "due_date", "sent_date", "viewed_date", "paid_date", "payment_terms",
    "late_fee_percentage", "discount_terms", "notes", "pdf_url", "online_payment_url",
    "created_at", "updated_at", "storage_tier",
  ],
  invoice_line_items: [
    "id", "tenant_id", "invoice_id", "description", "quantity", "unit_price", "total_price",
    "item_type", "sort_order",
  ],
  financial_transactions: [
    "id", "tenant_id", "business_id", "transaction_type", "transaction_number", "amount",
    "currency", "customer_id", "job_id", "invoice_id", "category", "subcategory", "account_code",
    "status", "transaction_date", "due_date", "paid_date", "payment_method", "payment_processor",
    "processor_transaction_id", "tax_amount", "tax_rate", "tax_exempt", "ai_category_confidence",
    "anomaly_score", "description", "notes", "tags", "metadata", "created_at", "updated_at",
    "storage_tier",
  ],
  payments: [
    "id", "tenant_id", "business_id", "customer_id", "invoice_id", "job_id",
    "financial_transaction_id", "amount", "currency", "status", "payment_method",
    "payment_processor", "processor_payment_id", "credit_card_number", "card_brand", "card_last4",
    "card_exp_month", "card_exp_year", "cardholder_name", "bank_account_number",
    "bank_routing_number", "billing_address", "paid_at", "failure_reason", "metadata",
    "created_at", "updated_at", "storage_tier",
  ],
  communications: [
    "id", "tenant_id", "business_id", "sender_id", "recipient_type", "recipient_id",
    "recipient_info", "communication_type", "direction", "subject", "content", "content_type",
    "attachments", "media_urls", "status", "delivery_status", "read_at", "replied_at",
    "ai_generated", "ai_model_used", "sentiment_score", "intent_classification",
    "auto_response_used", "thread_id", "reply_to_id", "campaign_id", "external_id", "provider",
    "provider_metadata", "created_at", "updated_at", "storage_tier",
  ],
  documents: [
    "id", "tenant_id", "business_id", "filename", "original_filename", "file_type", "mime_type",
    "file_size_bytes", "file_url", "related_entity_type", "related_entity_id", "folder_path",
    "tags", "description", "ai_extracted_text", "ai_content_summary", "ai_detected_entities",
    "ai_classification", "confidence_score", "visibility", "shared_with", "public_url", "version",
    "parent_document_id", "is_latest_version", "uploaded_by", "created_at", "updated_at",
    "storage_tier",
  ],
  document_processing_jobs: [
    "id", "tenant_id", "document_id", "processing_type", "status", "result", "error_message",
    "started_at", "completed_at",
  ],
  ai_context_cache: [
    "id", "tenant_id", "business_id", "context_type", "context_key", "context_data", "embeddings",
    "confidence_score", "generated_by", "generated_at", "expires_at", "access_count",
    "last_accessed_at",
  ],
  ai_conversations: [
    "id", "tenant_id", "business_id", "user_id", "conversation_type", "session_id",
    "message_order", "role", "content", "model_used", "tokens_used", "response_time_ms",
    "feedback_score", "created_at",
  ],
  business_metrics: [
    "time", "tenant_id", "business_id", "metric_type", "metric_name", "value", "dimensions",
    "metadata",
  ],
  business_events: [
    "time", "tenant_id", "business_id", "event_type", "event_name", "user_id", "customer_id",
    "job_id", "properties", "session_id",
  ],
  audit_logs: [
    "id", "tenant_id", "action", "table_name", "record_id", "user_id", "user_email", "ip_address",
    "user_agent", "old_values", "new_values", "changed_fields", "session_id", "request_id",
    "source", "created_at", "storage_tier",
  ],
} as const satisfies Record<string, readonly string[]>;

export type TableName = keyof typeof TABLES;

/** Table names in foreign-key order (parents first); deletion runs it backwards. */
export const LOAD_ORDER = Object.keys(TABLES) as TableName[];
