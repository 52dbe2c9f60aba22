import { copyFile } from "node:fs/promises";
import { z } from "@hono/zod-openapi";
import { REGULATIONS } from "../../jobs/retention/access-deadline.ts";
import { runAccessExport } from "../../jobs/retention/access-export.ts";
import {
  AccessInputError,
  accessPackageFile,
  addAccessNote,
  fileAccessRequest,
  getAccessRequest,
  listAccessRequests,
  recordAccessDownload,
} from "../../jobs/retention/access-request.ts";
import { approveRequest, rejectRequest } from "../../jobs/retention/approvals.ts";
import { getRequest } from "../../jobs/retention/requests.ts";
import { createAnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { TAccessRequest } from "../../schema/contracts/access.ts";
import { createOwnerDb } from "../../schema/postgres.ts";
import {
  type Actor,
  auditCommand,
  type Command,
  decidingUser,
  json,
  option,
  print,
  RefusedError,
  targetOptions,
  UsageError,
  withDb,
} from "./support.ts";

/**
 * Data-subject access requests in the retention command group (`retention access ...`), next to
 * `retention erase`: file, list, show, approve/reject (the same four-eyes gate), export, note and
 * download (audited). Thin: parse, call the engine, print.
 */

const ZId = z.uuid({ message: "must be a UUID" });

function idOf(positionals: string[]): string {
  const parsed = ZId.safeParse(positionals[0]);
  if (!parsed.success) {
    throw new UsageError(`ID must be a UUID, got ${String(positionals[0])}`);
  }
  return parsed.data;
}

const who = (actor: Actor) => decidingUser(actor).email;

function line(r: TAccessRequest): string {
  const d = r.deadline;
  const left =
    d.state === "overdue"
      ? "OVERDUE"
      : d.daysLeft === null
        ? d.state.replace("_", " ")
        : `${d.daysLeft} days left`;
  return `${r.id}  ${r.status}  ${r.subjectName}  ${d.regulation.toUpperCase()} by ${d.lastDay} (${left})  requested by ${r.requestedBy}`;
}

/** Runs the export job in this process (the analytics store open for it). */
async function exportNow(config: Config, requestId: string, actor: string) {
  const { db, pool } = createOwnerDb(config, { max: 3 });
  const analytics = await createAnalyticsStore(config);
  try {
    return await runAccessExport(
      { db, pool, config, analytics },
      { action: "access", requestId, actor },
    );
  } finally {
    await analytics.close();
    await db.destroy();
  }
}

function decision(verb: "approve" | "reject"): Command {
  return {
    summary:
      verb === "approve"
        ? "approve an access request (another compliance officer than the requester) and export its package"
        : "reject an access request, with a reason",
    usage: `govern retention access ${verb} ID --reason R [--json]`,
    options: { reason: { type: "string" }, ...json },
    positionals: ["id"],
    access: { bootstrap: false, permission: "retention:approve" },
    run: async (values, config, actor, positionals) => {
      const requestId = idOf(positionals);
      const { reason } = targetOptions(values, { reason: "required" });
      const user = decidingUser(actor);
      const result = await withDb(config, async (db) => {
        if ((await getRequest(db, requestId))?.kind !== "access") {
          throw new UsageError(`no access request ${requestId}`);
        }
        const decider = { name: user.email, role: user.role };
        const decided =
          verb === "approve"
            ? await approveRequest(db, { requestId, decider, reason })
            : await rejectRequest(db, { requestId, decider, reason });
        await auditCommand(db, actor, {
          action: decided.ok ? `retention.access.${verb}` : `retention.access.${verb}_refused`,
          target: `retention-request:${requestId}`,
          summary: decided.ok ? { reason } : { reason, refused: decided.code },
        });
        return decided;
      });
      if (!result.ok) {
        throw new RefusedError(`${result.code}: ${result.message}`);
      }
      const exported = verb === "approve" ? await exportNow(config, requestId, user.email) : null;
      print(
        values.json === true,
        { id: requestId, status: result.request.status, export: exported },
        `${requestId} ${verb === "approve" ? `approved; export ${String(exported?.outcome)}` : "rejected"}`,
      );
      return 0;
    },
  };
}

export const ACCESS_COMMANDS: Record<string, Command> = {
  "retention access request": {
    summary: "file a data-subject access request (right of access) for one customer",
    usage:
      "govern retention access request --tenant T --customer C [--regulation gdpr|ccpa] [--reason NOTE] [--json]",
    options: {
      tenant: { type: "string" },
      customer: { type: "string" },
      regulation: { type: "string" },
      reason: { type: "string" },
      ...json,
    },
    access: { bootstrap: false, permission: "retention:plan" },
    run: async (values, config, actor) => {
      const tenantId = option(ZId, values.tenant, "tenant");
      const customerId = option(ZId, values.customer, "customer");
      const regulation =
        values.regulation === undefined
          ? undefined
          : option(z.enum(REGULATIONS), values.regulation, "regulation");
      const note = typeof values.reason === "string" ? values.reason : undefined;
      return withDb(config, async (db) => {
        let id: string;
        try {
          id = await fileAccessRequest(db, {
            tenantId,
            customerId,
            regulation,
            note,
            requestedBy: who(actor),
          });
        } catch (error) {
          if (error instanceof AccessInputError) {
            throw new UsageError(error.message);
          }
          throw error;
        }
        await auditCommand(db, actor, {
          action: "retention.access.file",
          target: `retention-request:${id}`,
          summary: { tenantId, customerId },
        });
        const request = await getAccessRequest(db, id, { caller: who(actor) });
        print(values.json === true, request, request ? line(request) : id);
        return 0;
      });
    },
  },
  "retention access list": {
    summary: "list access requests with their deadline, countdown and overdue state",
    usage: "govern retention access list [--status S] [--overdue] [--json]",
    options: { status: { type: "string" }, overdue: { type: "boolean" }, ...json },
    access: { bootstrap: false, permission: "retention:read" },
    run: async (values, config) =>
      withDb(config, async (db) => {
        const list = await listAccessRequests(db, {
          status: typeof values.status === "string" ? values.status : undefined,
          overdue: values.overdue === true ? true : undefined,
          pageSize: 200,
        });
        print(
          values.json === true,
          list,
          list.items.length ? list.items.map(line).join("\n") : "no access requests",
        );
        return 0;
      }),
  },
  "retention access show": {
    summary: "one access request: deadline, decision, package, notes and downloads",
    usage: "govern retention access show ID [--json]",
    options: { ...json },
    positionals: ["id"],
    access: { bootstrap: false, permission: "retention:read" },
    run: async (values, config, _actor, positionals) => {
      const id = idOf(positionals);
      return withDb(config, async (db) => {
        const request = await getAccessRequest(db, id);
        if (!request) {
          throw new UsageError(`no access request ${id}`);
        }
        const human = [
          line(request),
          request.package
            ? `package: ${request.package.rows} rows, ${request.package.tables.length} tables, sha256 ${request.package.sha256}`
            : "package: not produced",
          ...request.notes.map((n) => `note by ${n.author} at ${n.createdAt}: ${n.body}`),
        ].join("\n");
        print(values.json === true, request, human);
        return 0;
      });
    },
  },
  "retention access approve": decision("approve"),
  "retention access reject": decision("reject"),
  "retention access export": {
    summary: "produce (again, after a crash) the package of an approved access request",
    usage: "govern retention access export ID [--json]",
    options: { ...json },
    positionals: ["id"],
    access: { bootstrap: false, permission: "retention:execute" },
    run: async (values, config, actor, positionals) => {
      const id = idOf(positionals);
      const outcome = await exportNow(config, id, who(actor));
      if (outcome.outcome === "refused") {
        throw new RefusedError(`${String(outcome.reason)}: ${String(outcome.message ?? "")}`);
      }
      print(values.json === true, outcome, `${id} ${String(outcome.outcome)}`);
      return 0;
    },
  },
  "retention access note": {
    summary: "add a note to an access request",
    usage: "govern retention access note ID --reason TEXT [--json]",
    options: { reason: { type: "string" }, ...json },
    positionals: ["id"],
    access: { bootstrap: false, permission: "retention:plan" },
    run: async (values, config, actor, positionals) => {
      const id = idOf(positionals);
      const { reason } = targetOptions(values, { reason: "required" });
      return withDb(config, async (db) => {
        const note = await addAccessNote(db, { requestId: id, author: who(actor), body: reason });
        if (!note) {
          throw new UsageError(`no access request ${id}`);
        }
        await auditCommand(db, actor, {
          action: "retention.access.note",
          target: `retention-request:${id}`,
          summary: { noteId: note.id },
        });
        print(values.json === true, note, `note ${note.id} added`);
        return 0;
      });
    },
  },
  "retention access download": {
    summary: "copy an access request's package to a file (audited with its sha256)",
    usage: "govern retention access download ID --out FILE [--json]",
    options: { out: { type: "string" }, ...json },
    positionals: ["id"],
    access: { bootstrap: false, permission: "retention:access_package" },
    run: async (values, config, actor, positionals) => {
      const id = idOf(positionals);
      if (typeof values.out !== "string" || !values.out.trim()) {
        throw new UsageError("--out FILE is required");
      }
      const out = values.out;
      return withDb(config, async (db) => {
        const file = await accessPackageFile(db, id);
        if (!file) {
          throw new UsageError(`access request ${id} has no package (yet)`);
        }
        const user = decidingUser(actor);
        await recordAccessDownload(db, {
          requestId: id,
          actor: user.email,
          actorRole: user.role,
          sha256: file.sha256,
          via: "cli",
        });
        await copyFile(file.path, out);
        print(
          values.json === true,
          { ...file, out },
          `${out} (${file.bytes} bytes, sha256 ${file.sha256})`,
        );
        return 0;
      });
    },
  },
};
