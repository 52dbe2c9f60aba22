/**
 * Wire types of the masked-datasets API (server/routes/datasets): the dataset and its report are
 * inferred from the routes' schemas (schema/contracts/datasets.ts, synthetic.ts).
 */

export type {
  TBlockingColumn as BlockingColumn,
  TConnection as DatasetConnection,
  TDataset as Dataset,
  TGate as Gate,
  TLimitCheck as DatasetEstimate,
  TMaskedReport as MaskedReport,
  TRuleRow as RuleRow,
  TTableProgress as TableProgress,
} from "../../../../schema/contracts/datasets.ts";
export type { TSyntheticProfile as SyntheticProfile } from "../../../../schema/contracts/synthetic.ts";
export { STRATEGIES } from "../../../../schema/domain/masking.ts";
