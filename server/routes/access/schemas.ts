import { z } from "@hono/zod-openapi";

export const ZAccessIdParams = z.strictObject({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
