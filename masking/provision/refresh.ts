import type { Config } from "../../schema/config.ts";
import { appendAuditEvent } from "../../schema/governance/audit-events.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import { getDataset, updateDataset } from "../datasets.repository.ts";
import { limitFor } from "./estimate.ts";
import { dropDataset } from "./lifecycle.ts";
import { provisionDataset } from "./provision.ts";

/**
 * A scheduled (or asked-for) refresh: the dataset is provisioned again from today's source, under
 * the same name, subset and owner, through the same path as a first request (gate, masking, leak
 * scan, size limit of the owner's role). The old copy is dropped first — by the ownership-checked
 * drop, never on a name match — and the new one gets a new role password (rotated: the old
 * connection string stops working; the owner reads the new one as before). Its expiry and
 * schedule stay. A refusal (gate closed, leak found) leaves the dataset refused with its reason,
 * listed as such; the schedule stays and the next run tries again.
 */
export async function refreshDataset(
  deps: { db: Db; config: Config },
  datasetId: string,
  options: { actor?: string; onProgress?: (percent: number) => void } = {},
): Promise<Record<string, unknown>> {
  const dataset = await getDataset(deps.db, datasetId);
  if (!dataset || dataset.status === "dropped" || dataset.status === "expired") {
    return { skipped: "dataset gone" };
  }
  if (["requested", "running", "verifying"].includes(dataset.status)) {
    return { skipped: `dataset is ${dataset.status}` };
  }
  if (dataset.kind !== "masked") {
    return { skipped: "only masked copies are refreshed" };
  }
  if (dataset.serverUrlEnc) {
    const reason = "datasets on another server are not refreshed: request a new one";
    await updateDataset(deps.db, dataset.id, { refreshError: reason, refreshedAt: new Date() });
    return { skipped: reason };
  }
  const actor = options.actor ?? "schedule";
  const owner = await deps.db
    .selectFrom("governance.console_users")
    .select("role")
    .where("email", "=", dataset.owner)
    .executeTakeFirst();
  const keep = { expiresAt: dataset.expiresAt, refreshCron: dataset.refreshCron };
  await appendAuditEvent(deps.db, {
    actor,
    action: "datasets.refresh",
    target: `dataset:${dataset.name}`,
    summary: {
      id: dataset.id,
      previousRows: (dataset.report as { totalRows?: number })?.totalRows,
    },
  });
  await dropDataset(deps, dataset.id, actor);
  try {
    const result = await provisionDataset(deps, {
      name: dataset.name,
      tenants: dataset.tenants,
      percent: dataset.percent,
      requestedBy: dataset.owner,
      maxRows: limitFor(deps.config, owner?.role ?? "engineer").rows,
      onProgress: (e) => options.onProgress?.(Math.round((e.done / Math.max(e.total, 1)) * 90)),
    });
    const refused = result.kind === "refused";
    await updateDataset(deps.db, dataset.id, {
      ...keep,
      refreshedAt: new Date(),
      refreshError: refused ? `refused: ${result.blocking.join(", ")}` : null,
    });
    return refused
      ? { refreshed: false, refused: true, blocking: result.blocking }
      : { refreshed: true, rows: result.report.totalRows };
  } catch (error) {
    await updateDataset(deps.db, dataset.id, {
      ...keep,
      refreshedAt: new Date(),
      refreshError: (error as Error).message.slice(0, 500),
    });
    throw error;
  }
}
