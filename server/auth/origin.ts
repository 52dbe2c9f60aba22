import type { Config } from "../../schema/config.ts";

/**
 * Which `Host` and `Origin` values a request may carry, from the configured public origin.
 *
 * - Host: the public origin's host and port. A loopback name (`localhost`, `127.0.0.1`, `[::1]`)
 *   is always accepted: DNS rebinding, which the Host check is there for, needs a foreign name,
 *   and local health checks and port forwards use loopback. Outside production a loopback name
 *   may carry any port (tests and the Vite dev server listen on their own ports).
 * - Origin (and Referer when a browser sent no Origin): scheme, host and port must equal the
 *   public origin, or, outside production, a loopback twin of it or the origin the request was
 *   addressed to when that is loopback (the page and the API on one local port).
 */
export type OriginPolicy = {
  publicOrigin: string;
  hostAllowed: (host: string) => boolean;
  originAllowed: (origin: string, requestHost: string) => boolean;
};

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function originPolicy(config: Pick<Config, "publicUrl" | "env">): OriginPolicy {
  const pub = new URL(config.publicUrl);
  const development = config.env !== "production";
  const pubPort = effectivePort(pub.protocol, pub.port);
  const allowedOrigins = new Set([pub.origin]);
  if (development || LOOPBACK.has(pub.hostname)) {
    for (const name of LOOPBACK) {
      allowedOrigins.add(`${pub.protocol}//${name}${pub.port ? `:${pub.port}` : ""}`);
    }
  }

  const hostAllowed = (host: string): boolean => {
    const parsed = parseHost(host, pub.protocol);
    if (!parsed) {
      return false;
    }
    if (parsed.hostname === pub.hostname && parsed.port === pubPort) {
      return true;
    }
    return LOOPBACK.has(parsed.hostname) && (development || parsed.port === pubPort);
  };

  const originAllowed = (origin: string, requestHost: string): boolean => {
    const parsed = parseOrigin(origin);
    if (!parsed) {
      return false;
    }
    if (allowedOrigins.has(parsed)) {
      return true;
    }
    // The request's own origin, as the server was addressed (plain HTTP on loopback only).
    const own = parseHost(requestHost, "http:");
    return (
      development &&
      own !== undefined &&
      LOOPBACK.has(own.hostname) &&
      parsed === parseOrigin(`http://${requestHost}`)
    );
  };

  return { publicOrigin: pub.origin, hostAllowed, originAllowed };
}

function effectivePort(protocol: string, port: string): string {
  return port || (protocol === "https:" ? "443" : "80");
}

/** `host[:port]` as a browser sends it; undefined for anything that is not exactly that. */
function parseHost(host: string, protocol: string): { hostname: string; port: string } | undefined {
  const match = /^([a-z0-9.-]{1,253}|\[[0-9a-f:.]{2,45}\])(?::(\d{1,5}))?$/i.exec(host);
  if (!match?.[1]) {
    return undefined;
  }
  return { hostname: match[1].toLowerCase(), port: effectivePort(protocol, match[2] ?? "") };
}

/** The serialised origin (scheme://host[:port]) of an Origin or Referer value. */
export function parseOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return undefined;
    }
    return url.origin;
  } catch {
    return undefined;
  }
}
