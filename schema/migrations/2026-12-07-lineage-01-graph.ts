import { type Kysely, sql } from "kysely";

/**
 * Lineage (issue 18): nodes and edges of one graph across both stores, masked copies and archive
 * files, plus the OpenLineage run events govern emitted or received. Frozen once released.
 *
 * Node ids follow the contract: `postgres:SCHEMA.TABLE[.COLUMN]`, `clickhouse:DB.TABLE[.COLUMN]`,
 * `dataset:NAME.SCHEMA.TABLE[.COLUMN]`, `archive:PATH` (other tools' namespaces keep theirs).
 *
 * An edge is keyed by (from, to, kind, source, job): a scan or a job run re-asserts its edges;
 * one it no longer finds stays as inactive with its last-seen time (lineage versions), and a
 * change of transformation or expression bumps `version` and keeps the old one in
 * lineage_edge_versions.
 */
const DDL = /* sql */ `
CREATE TABLE governance.lineage_nodes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('table', 'column', 'file')),
    -- The table node of a column node; NULL for tables and files.
    parent_id TEXT,
    first_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX lineage_nodes_parent ON governance.lineage_nodes (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE governance.lineage_edges (
    id BIGSERIAL PRIMARY KEY,
    from_node TEXT NOT NULL,
    to_node TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('flow', 'reference')),
    transformation TEXT CHECK (transformation IN
      ('direct', 'calculation', 'aggregation', 'filter', 'join', 'masking')),
    expression TEXT,
    source TEXT NOT NULL CHECK (source IN
      ('view', 'clickhouse', 'fk', 'job', 'registry', 'openlineage', 'manual')),
    -- The job (OpenLineage namespace/name) whose runs assert this edge; '' for scans.
    job TEXT NOT NULL DEFAULT '',
    -- Why only a table-level edge was recorded, or what else a reader should know.
    note TEXT,
    -- Whether the edge carries row data (synthetic generation carries distributions only).
    carries_rows BOOLEAN NOT NULL DEFAULT true,
    active BOOLEAN NOT NULL DEFAULT true,
    version INTEGER NOT NULL DEFAULT 1,
    first_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by TEXT NOT NULL,
    UNIQUE (from_node, to_node, kind, source, job)
);
CREATE INDEX lineage_edges_from ON governance.lineage_edges (from_node) INCLUDE (to_node, kind) WHERE active;
CREATE INDEX lineage_edges_to ON governance.lineage_edges (to_node) INCLUDE (from_node, kind) WHERE active;
CREATE INDEX lineage_edges_source ON governance.lineage_edges (source, job);

CREATE TABLE governance.lineage_edge_versions (
    edge_id BIGINT NOT NULL REFERENCES governance.lineage_edges(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    transformation TEXT,
    expression TEXT,
    active BOOLEAN NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (edge_id, version)
);

-- OpenLineage RunEvents: govern's own (emitted) and other tools' (received). One row per run and
-- event type: posting the same event again changes nothing.
CREATE TABLE governance.lineage_runs (
    run_id UUID NOT NULL,
    event_type TEXT NOT NULL,
    job_namespace TEXT NOT NULL,
    job_name TEXT NOT NULL,
    event_time TIMESTAMPTZ NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('emitted', 'received')),
    event JSONB NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    forwarded_at TIMESTAMPTZ,
    forward_error TEXT,
    PRIMARY KEY (run_id, event_type)
);
CREATE INDEX lineage_runs_job ON governance.lineage_runs (job_namespace, job_name, event_time DESC);
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
