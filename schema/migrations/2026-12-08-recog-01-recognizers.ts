import { type Kysely, sql } from "kysely";

/**
 * Custom recognizers and stewards' suppressions (issue 21). A recognizer's current definition
 * lives on its row; every change (created, edited, enabled, disabled) is also kept as a numbered
 * version with who and when, so a scan's evidence (`recognizer:NAME@vN`) can always be traced to
 * the definition that produced it. A suppression is what a steward's rejection or override
 * teaches the scanner: the proposed category is not proposed again for that column (scope
 * `column`), or a detector's call for that category is ignored on every table (`all_tables`).
 * Removing one keeps the row (removed_by/removed_at) for the trail. Frozen once released.
 */
const DDL = /* sql */ `
CREATE TABLE governance.classification_recognizers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE,
    version integer NOT NULL DEFAULT 1,
    definition jsonb NOT NULL,
    enabled boolean NOT NULL DEFAULT false,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE governance.classification_recognizer_versions (
    id bigserial PRIMARY KEY,
    recognizer_id uuid NOT NULL REFERENCES governance.classification_recognizers (id),
    version integer NOT NULL,
    change text NOT NULL CHECK (change IN ('created', 'edited', 'enabled', 'disabled')),
    definition jsonb NOT NULL,
    enabled boolean NOT NULL,
    actor text NOT NULL,
    comment text,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (recognizer_id, version)
);

CREATE TABLE governance.classification_suppressions (
    id bigserial PRIMARY KEY,
    scope text NOT NULL CHECK (scope IN ('column', 'all_tables')),
    store text,
    schema_name text,
    table_name text,
    column_name text,
    json_path text,
    category text NOT NULL,
    detector text,
    replacement_category text NOT NULL,
    decision text NOT NULL,
    review_event_id bigint REFERENCES governance.catalog_review_events (id),
    column_id uuid,
    comment text,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    removed_by text,
    removed_at timestamptz,
    CHECK (scope = 'all_tables' OR (store IS NOT NULL AND schema_name IS NOT NULL
      AND table_name IS NOT NULL AND column_name IS NOT NULL AND json_path IS NOT NULL)),
    CHECK (scope = 'column' OR detector IS NOT NULL)
);

-- One live suppression per target and category: a second decision saying the same is kept in
-- the review trail, not as a duplicate suppression.
CREATE UNIQUE INDEX classification_suppressions_live ON governance.classification_suppressions
    (scope, coalesce(store, ''), coalesce(schema_name, ''), coalesce(table_name, ''),
     coalesce(column_name, ''), coalesce(json_path, ''), category, coalesce(detector, ''))
    WHERE removed_at IS NULL;
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
