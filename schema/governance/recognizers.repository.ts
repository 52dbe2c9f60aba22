import type { Selectable } from "kysely";
import type {
  GovernanceClassificationRecognizers,
  GovernanceClassificationRecognizerVersions,
} from "../database.ts";
import type { Db } from "../postgres.ts";
import { isUuid } from "../uuid.ts";

/**
 * Custom recognizers as audited versions: the row holds the current definition and state, and
 * every change (created, edited, enabled, disabled) appends a numbered version with who and when,
 * in the same transaction. Definitions are validated by the caller (jobs/classify/recognizers.ts
 * compiles them) before they reach this module.
 */

export type RecognizerRow = Selectable<GovernanceClassificationRecognizers>;
export type RecognizerVersionRow = Selectable<GovernanceClassificationRecognizerVersions>;
type Change = "created" | "edited" | "enabled" | "disabled";

/** JSON with keys sorted: jsonb reorders keys, so equal definitions compare equal this way. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** A change that cannot be made as asked; callers answer 4xx / exit 2 with the message. */
export class RecognizerStoreError extends Error {
  constructor(
    /** name_taken: another recognizer has this name; not_found; unchanged: nothing would change. */
    readonly code: "name_taken" | "not_found" | "unchanged" | "rename",
    message: string,
  ) {
    super(message);
    this.name = "RecognizerStoreError";
  }
}

export async function listRecognizers(db: Db): Promise<RecognizerRow[]> {
  return db
    .selectFrom("governance.classification_recognizers")
    .selectAll()
    .orderBy("name")
    .execute();
}

/** By id or by name. */
export async function findRecognizer(db: Db, idOrName: string): Promise<RecognizerRow | undefined> {
  return db
    .selectFrom("governance.classification_recognizers")
    .selectAll()
    .where(isUuid(idOrName) ? "id" : "name", "=", idOrName)
    .executeTakeFirst();
}

export async function recognizerVersions(db: Db, id: string): Promise<RecognizerVersionRow[]> {
  return db
    .selectFrom("governance.classification_recognizer_versions")
    .selectAll()
    .where("recognizer_id", "=", id)
    .orderBy("version", "desc")
    .execute();
}

export async function enabledRecognizers(db: Db): Promise<RecognizerRow[]> {
  return db
    .selectFrom("governance.classification_recognizers")
    .selectAll()
    .where("enabled", "=", true)
    .orderBy("name")
    .execute();
}

export async function insertRecognizer(
  db: Db,
  input: { name: string; definition: unknown; actor: string; comment?: string },
): Promise<RecognizerRow> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("governance.classification_recognizers")
      .values({
        name: input.name,
        version: 1,
        definition: JSON.stringify(input.definition),
        enabled: false,
        created_by: input.actor,
        updated_by: input.actor,
      })
      .onConflict((oc) => oc.column("name").doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      throw new RecognizerStoreError("name_taken", `a recognizer named ${input.name} exists`);
    }
    await trx
      .insertInto("governance.classification_recognizer_versions")
      .values({
        recognizer_id: row.id,
        version: 1,
        change: "created",
        definition: JSON.stringify(input.definition),
        enabled: false,
        actor: input.actor,
        comment: input.comment ?? null,
      })
      .execute();
    return row;
  });
}

/**
 * A new version: an edited definition, or the same definition enabled or disabled. Locks the
 * row, so two stewards' edits get consecutive versions and neither is lost.
 */
export async function changeRecognizer(
  db: Db,
  id: string,
  input: { definition?: unknown; enabled?: boolean; actor: string; comment?: string },
): Promise<RecognizerRow> {
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("governance.classification_recognizers")
      .selectAll()
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!current) {
      throw new RecognizerStoreError("not_found", "no recognizer has this id");
    }
    let change: Change;
    if (input.definition !== undefined) {
      const name = (input.definition as { name?: string }).name;
      if (name !== current.name) {
        throw new RecognizerStoreError(
          "rename",
          `a recognizer keeps its name (${current.name}); create a new one to use another`,
        );
      }
      if (canonical(input.definition) === canonical(current.definition)) {
        throw new RecognizerStoreError(
          "unchanged",
          "the definition is the same as the current version",
        );
      }
      change = "edited";
    } else if (input.enabled !== undefined) {
      if (input.enabled === current.enabled) {
        throw new RecognizerStoreError(
          "unchanged",
          `${current.name} is already ${current.enabled ? "enabled" : "disabled"}`,
        );
      }
      change = input.enabled ? "enabled" : "disabled";
    } else {
      throw new RecognizerStoreError("unchanged", "nothing to change");
    }
    const definition = input.definition ?? current.definition;
    const enabled = input.enabled ?? current.enabled;
    const row = await trx
      .updateTable("governance.classification_recognizers")
      .set({
        version: current.version + 1,
        definition: JSON.stringify(definition),
        enabled,
        updated_by: input.actor,
        updated_at: new Date(),
      })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("governance.classification_recognizer_versions")
      .values({
        recognizer_id: id,
        version: row.version,
        change,
        definition: JSON.stringify(definition),
        enabled,
        actor: input.actor,
        comment: input.comment ?? null,
      })
      .execute();
    return row;
  });
}
