import { type Kysely, sql } from "kysely";

/**
 * Synthetic data: fitted profiles (parameters only, never a real value) and the reports that
 * compare a generated platform with the profile it was drawn from. Synthetic datasets themselves
 * are rows of governance.datasets (kind 'synthetic'); a report points at its dataset by id
 * without a foreign key, so this migration does not depend on the masking migration's shape.
 * Frozen once released.
 */

const DDL = /* sql */ `
CREATE TABLE governance.synthetic_profiles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by TEXT NOT NULL,
    -- What was read: row counts per table, tenant count, time span; aggregates only.
    source JSONB NOT NULL DEFAULT '{}',
    -- The fitted parameters (mixes, quantile sketches, seasonality, ratios, binned marginals).
    params JSONB NOT NULL,
    -- The profile format, so a generator can refuse a profile it does not understand.
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX synthetic_profiles_created ON governance.synthetic_profiles (created_at DESC);

CREATE TABLE governance.synthetic_reports (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    dataset_id UUID NOT NULL UNIQUE,
    profile_id UUID NOT NULL REFERENCES governance.synthetic_profiles(id) ON DELETE CASCADE,
    -- Per fitted column: statistic (KS or TVD), binned real and synthetic data for plots.
    report JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
