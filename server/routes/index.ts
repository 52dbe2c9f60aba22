import type { ApiRoute } from "../api/define-route.ts";
import { ACCESS_ROUTES } from "./access/index.ts";
import { listAuditActions } from "./audit/actions.ts";
import { exportAudit } from "./audit/export.ts";
import { listAudit } from "./audit/list.ts";
import { verifyAudit } from "./audit/verify.ts";
import { login } from "./auth/login.ts";
import { logout } from "./auth/logout.ts";
import { getMe } from "./auth/me.ts";
import { changeOwnPasswordRoute } from "./auth/password.ts";
import { getSession } from "./auth/session.ts";
import { CATALOG_ROUTES } from "./catalog/index.ts";
import { DATASET_ROUTES } from "./datasets/index.ts";
import { apiDocsRoute } from "./docs/get.ts";
import { getEvents } from "./events/get.ts";
import { getHealth } from "./health/get.ts";
import { cancelJob } from "./jobs/cancel.ts";
import { listJobs } from "./jobs/list.ts";
import { runJob } from "./jobs/run.ts";
import { listJobRuns } from "./jobs/runs.ts";
import { putSchedule } from "./jobs/schedule.ts";
import { LINEAGE_ROUTES } from "./lineage/index.ts";
import { NOTIFICATION_ROUTES } from "./notifications/index.ts";
import { getOverview } from "./overview/get.ts";
import { QUALITY_ROUTES } from "./quality/index.ts";
import { RETENTION_ROUTES } from "./retention/index.ts";
import { listTenantsRoute } from "./tenants/list.ts";
import { lookupSubjectsRoute } from "./tenants/subjects.ts";
import { TIERING_ROUTES } from "./tiering/index.ts";
import { createTokenRoute } from "./tokens/create.ts";
import { listTokensRoute } from "./tokens/list.ts";
import { revokeTokenRoute } from "./tokens/revoke.ts";
import { createUserTokenRoute } from "./tokens/user-create.ts";
import { listUserTokensRoute } from "./tokens/user-list.ts";
import { revokeUserTokenRoute } from "./tokens/user-revoke.ts";
import { createUserRoute } from "./users/create.ts";
import { disableUserRoute } from "./users/disable.ts";
import { enableUserRoute } from "./users/enable.ts";
import { listUsersRoute } from "./users/list.ts";
import { resetPasswordRoute } from "./users/password.ts";
import { updateUserRoute } from "./users/update.ts";

/**
 * Every API route, listed once. The app registers these; the route × role security test is
 * generated from this list, so a new route is covered the moment it is added here.
 */
export const ROUTES: ApiRoute[] = [
  getHealth,
  login,
  logout,
  getMe,
  changeOwnPasswordRoute,
  getSession,
  getOverview,
  getEvents,
  listTenantsRoute,
  listUsersRoute,
  createUserRoute,
  updateUserRoute,
  disableUserRoute,
  enableUserRoute,
  resetPasswordRoute,
  listTokensRoute,
  createTokenRoute,
  revokeTokenRoute,
  listUserTokensRoute,
  createUserTokenRoute,
  revokeUserTokenRoute,
  listAudit,
  listAuditActions,
  exportAudit,
  verifyAudit,
  listJobs,
  listJobRuns,
  runJob,
  cancelJob,
  putSchedule,
  ...CATALOG_ROUTES,
  ...DATASET_ROUTES,
  ...RETENTION_ROUTES,
  ...NOTIFICATION_ROUTES,
  lookupSubjectsRoute,
  ...QUALITY_ROUTES,
  ...LINEAGE_ROUTES,
  ...TIERING_ROUTES,
  ...ACCESS_ROUTES,
  apiDocsRoute(() => ROUTES),
];
