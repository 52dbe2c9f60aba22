import type { ApiRoute } from "../api/define-route.ts";
import { login } from "./auth/login.ts";
import { logout } from "./auth/logout.ts";
import { getMe } from "./auth/me.ts";
import { getHealth } from "./health/get.ts";

/**
 * Every API route, listed once. The app registers these; the route × role security test is
 * generated from this list, so a new route is covered the moment it is added here.
 */
export const ROUTES: ApiRoute[] = [getHealth, login, logout, getMe];
