/**
 * Wire types of the masked-datasets API (server/routes/datasets): the dataset and its report are
 * inferred from the routes' schemas (schema/contracts/datasets.ts).
 */

export type {
  TDataset as Dataset,
  TMaskedReport as MaskedReport,
  TTableProgress as TableProgress,
} from "../../../../schema/contracts/datasets.ts";

export type DatasetEstimate = {
  allowed: boolean;
  role: string;
  limit: { rows: number; bytes: number };
  estimate: { rows: number; bytes: number; basis: string };
  message: string;
};

export type DatasetConnection = { id: string; name: string; connectionString: string };

export type BlockingColumn = { column: string; reason: string; catalogColumnId: string | null };
export type Gate = { ok: boolean; blocking: BlockingColumn[] };

export type RuleRow = {
  catalogColumnId: string | null;
  table: string;
  column: string;
  jsonPath: string;
  category: string | null;
  reviewStatus: string | null;
  blocksProvisioning: boolean;
  strategy: string;
  params: Record<string, unknown>;
  source: "rule" | "default";
  version: number | null;
  setBy: string | null;
  setAt: string | null;
  reason: string | null;
};

export type Comparison = {
  column: string;
  kind: "numeric" | "categorical";
  statistic: "ks" | "tvd";
  value: number;
  realTotal: number;
  syntheticTotal: number;
  real: number[];
  synthetic: number[];
  edges?: number[];
  logScale?: boolean;
  labels?: string[];
  chiSquare?: { statistic: number; df: number };
};

export type SyntheticReport = {
  profileId: string;
  createdAt: string;
  columns: Comparison[];
  worst: { ks: number; tvd: number };
};

export type SyntheticProfile = {
  id: string;
  createdAt: string;
  createdBy: string;
  version: number;
  source: { tables: Record<string, number>; tenants: number; fittedAt: string; durationMs: number };
  params: {
    spanDays: number;
    tenants: { key: string }[];
    marginals: Record<string, unknown>;
    tables?: Record<string, unknown>;
  };
};

export const STRATEGIES = [
  "substitute",
  "scramble",
  "tokenize",
  "encrypt",
  "hash",
  "partial",
  "nullify",
  "date_shift",
  "noise",
  "scrub",
  "allow",
] as const;
