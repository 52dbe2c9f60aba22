import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { can, type Permission } from "../../schema/domain/permissions.ts";
import type { Principal } from "../auth/principal.ts";
import { AppError } from "../errors.ts";
import type { AppEnv } from "./context.ts";
import { BEARER_SCHEME, SESSION_SCHEME } from "./openapi.ts";

/** Who may call a route: anyone (login, health), any signed-in person, or a permission. */
export type Access = "public" | "authenticated" | Permission;

export type ApiRoute = {
  method: string;
  /** OpenAPI path, e.g. `/api/v1/jobs/{queue}/run`. */
  path: string;
  access: Access;
  register: (app: OpenAPIHono<AppEnv>) => void;
};

/**
 * Checks access inside the handler that performs the action, not in path middleware: an encoded
 * or doubled path can slip past a prefix guard, but it cannot reach a handler without passing here.
 */
export function authorize(c: Context<AppEnv>, access: Access): Principal | undefined {
  if (access === "public") {
    return c.get("principal");
  }
  const principal = c.get("principal");
  if (!principal) {
    throw new AppError(
      "unauthenticated",
      "Sign in or send an API token (Authorization: Bearer ...).",
    );
  }
  if (access !== "authenticated" && !can(principal.role, access)) {
    throw new AppError("forbidden", `The ${principal.role} role may not do this (${access}).`);
  }
  return principal;
}

/**
 * The operation's id, derived from method and path so every operation has one and no two share
 * one: `GET /api/v1/retention/requests/{id}` → `getRetentionRequestsById`.
 */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1\/?/, "")
    .split("/")
    .filter(Boolean)
    .flatMap((segment) => {
      const param = segment.match(/^\{(.+)\}$/)?.[1];
      return param ? ["by", ...param.split(/[^A-Za-z0-9]+/)] : segment.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w[0]?.toUpperCase() + w.slice(1))].join("");
}

/** The OpenAPI security requirement of an access level: public operations need none. */
export function securityOf(access: Access): { [scheme: string]: string[] }[] {
  return access === "public" ? [] : [{ [BEARER_SCHEME]: [] }, { [SESSION_SCHEME]: [] }];
}

/** Declares a route: its OpenAPI contract, who may call it, and its (thin) handler. */
export function defineRoute<R extends RouteConfig>(
  route: R,
  access: Access,
  handler: RouteHandler<R, AppEnv>,
): ApiRoute {
  // The contract states who may call it and names the operation, from the same `access` the
  // handler enforces, so the document cannot drift from the check.
  const config: R = {
    ...route,
    operationId: route.operationId ?? operationIdOf(route.method, route.path),
    security: securityOf(access),
  };
  return {
    method: config.method.toUpperCase(),
    path: config.path,
    access,
    register: (app) => {
      const guarded = ((c: Context<AppEnv>) => {
        authorize(c, access);
        return (handler as (c: Context<AppEnv>) => unknown)(c);
      }) as unknown as RouteHandler<R, AppEnv>;
      app.openapi(config, guarded);
    },
  };
}
