import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/** The peer address of the request (the socket's, not a spoofable header). */
export function sourceIp(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address ?? undefined;
  } catch {
    return undefined; // in-process requests (app.request) have no socket
  }
}
