import { createRoute, z } from "@hono/zod-openapi";
import { ROLES } from "../../../schema/domain/permissions.ts";
import {
  listUsers,
  USER_SORT_FIELDS,
  type UserSortField,
} from "../../../schema/governance/console-users.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { noNul, userView, ZUser } from "./schemas.ts";

const SORT_PATTERN = new RegExp(`^(${USER_SORT_FIELDS.join("|")}):(asc|desc)$`);

const ZListQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  q: z
    .string()
    .trim()
    .max(200)
    .refine(...noNul)
    .optional(),
  role: z.enum(ROLES).optional(),
  sort: z
    .string()
    .regex(SORT_PATTERN, `Use field:asc or field:desc with field one of ${USER_SORT_FIELDS}`)
    .default("email:asc"),
});

export const listUsersRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/users",
    tags: ["users"],
    summary: "Console users, one page at a time, searched, filtered and sorted by the server",
    security: [{ bearer: [] }],
    request: { query: ZListQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(ZUser), total: z.number().int() }),
        "One page of users and how many match in all",
      ),
      ...errorResponses,
    },
  }),
  "users:read",
  async (c) => {
    const { page, pageSize, q, role, sort } = c.req.valid("query");
    const [field, direction] = sort.split(":") as [UserSortField, "asc" | "desc"];
    const result = await listUsers(c.get("deps").db, {
      offset: (page - 1) * pageSize,
      limit: pageSize,
      search: q || undefined,
      role,
      sort: { field, direction },
    });
    return c.json({ items: result.items.map(userView), total: result.total }, 200);
  },
);
