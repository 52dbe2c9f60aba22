export {
  type AnalyticsErrorCode,
  type AnalyticsParams,
  type AnalyticsRows,
  type AnalyticsStore,
  AnalyticsStoreError,
  createAnalyticsStore,
} from "./analytics-store.ts";
export {
  ANALYTICS_MIGRATIONS,
  ANALYTICS_TABLES,
  type AnalyticsTable,
  migrateAnalytics,
} from "./ddl.ts";
