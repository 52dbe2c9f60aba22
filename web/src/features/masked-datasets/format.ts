/** Small display helpers for the masked-datasets page. */

export function formatBytes(n: number | null): string {
  if (n === null || Number.isNaN(n)) {
    return "—";
  }
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatAge(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) {
    return `${s}s`;
  }
  if (s < 3600) {
    return `${Math.round(s / 60)} min`;
  }
  if (s < 86_400) {
    return `${Math.round(s / 3600)} h`;
  }
  return `${Math.round(s / 86_400)} d`;
}

export function formatExpiry(iso: string | null, now = Date.now()): string {
  if (!iso) {
    return "never";
  }
  const ms = new Date(iso).getTime() - now;
  if (ms <= 0) {
    return "expired";
  }
  const days = ms / 86_400_000;
  return days >= 1 ? `in ${Math.round(days)} d` : `in ${Math.max(1, Math.round(ms / 3_600_000))} h`;
}

/** Overall progress of a dataset from its per-table map (done tables over all known tables). */
export function overallProgress(progress: Record<string, { status: string }>): number {
  const tables = Object.values(progress);
  if (tables.length === 0) {
    return 0;
  }
  return (tables.filter((t) => t.status === "done").length / tables.length) * 100;
}

export const ACTIVE_STATUSES = ["requested", "running", "verifying"];
