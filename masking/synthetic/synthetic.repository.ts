import type { Db } from "../../schema/postgres.ts";
import {
  type ProfileParams,
  type ProfileSource,
  type SyntheticProfile,
  ZProfileParams,
} from "./profile.ts";
import type { SyntheticReport } from "./report.ts";

/** Stores a fitted profile; returns it with its id. */
export async function insertProfile(
  db: Db,
  profile: { createdBy: string; source: ProfileSource; params: ProfileParams },
): Promise<SyntheticProfile> {
  const row = await db
    .insertInto("governance.synthetic_profiles")
    .values({
      created_by: profile.createdBy,
      source: JSON.stringify(profile.source),
      params: JSON.stringify(profile.params),
      version: profile.params.version,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProfile(row);
}

/** A profile by id, or the newest when `id` is undefined; undefined when there is none. */
export async function findProfile(db: Db, id?: string): Promise<SyntheticProfile | undefined> {
  let q = db.selectFrom("governance.synthetic_profiles").selectAll();
  q = id ? q.where("id", "=", id) : q.orderBy("created_at", "desc").limit(1);
  const row = await q.executeTakeFirst();
  return row ? toProfile(row) : undefined;
}

export async function saveReport(
  db: Db,
  report: { datasetId: string; profileId: string; report: SyntheticReport },
): Promise<void> {
  await db
    .insertInto("governance.synthetic_reports")
    .values({
      dataset_id: report.datasetId,
      profile_id: report.profileId,
      report: JSON.stringify(report.report),
    })
    .onConflict((oc) =>
      oc.column("dataset_id").doUpdateSet({
        profile_id: report.profileId,
        report: JSON.stringify(report.report),
        created_at: new Date(),
      }),
    )
    .execute();
}

export async function findReport(
  db: Db,
  datasetId: string,
): Promise<{ profileId: string; report: SyntheticReport; createdAt: string } | undefined> {
  const row = await db
    .selectFrom("governance.synthetic_reports")
    .select(["profile_id", "report", "created_at"])
    .where("dataset_id", "=", datasetId)
    .executeTakeFirst();
  return row
    ? {
        profileId: row.profile_id,
        report: row.report as unknown as SyntheticReport,
        createdAt: new Date(row.created_at as unknown as string).toISOString(),
      }
    : undefined;
}

type ProfileRow = {
  id: string;
  created_at: unknown;
  created_by: string;
  version: number;
  source: unknown;
  params: unknown;
};

function toProfile(row: ProfileRow): SyntheticProfile {
  return {
    id: row.id,
    createdAt: new Date(row.created_at as string).toISOString(),
    createdBy: row.created_by,
    version: row.version,
    source: row.source as ProfileSource,
    // Validated on the way out: a generator must never run on a profile it does not understand.
    params: ZProfileParams.parse(row.params),
  };
}
