import { isIPv4, isIPv6 } from "node:net";
import type { ValueDetector } from "./types.ts";

/** IPv4 (dotted quad, optional CIDR suffix as `inet` prints it) and IPv6. */
export function isIpAddress(value: string): boolean {
  if (value.length < 7 || value.length > 49) {
    return false;
  }
  // Cheap gate: an address starts with a hex digit or ':' and holds a '.' or ':'.
  const c = value.charCodeAt(0);
  const hexStart =
    (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 58;
  if (!hexStart || (!value.includes(".") && !value.includes(":"))) {
    return false;
  }
  const slash = value.indexOf("/");
  const host = slash > 0 ? value.slice(0, slash) : value;
  if (slash > 0 && !/^\d{1,3}$/.test(value.slice(slash + 1))) {
    return false;
  }
  if (host.includes(":")) {
    return host.length >= 3 && isIPv6(host);
  }
  return isIPv4(host);
}

export const NETWORK_DETECTORS: ValueDetector[] = [
  { id: "ip_address.syntax", category: "ip_address", strength: "strong", test: isIpAddress },
];
