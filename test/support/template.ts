import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const MIGRATIONS_DIR = join(import.meta.dirname, "../../schema/migrations");

/**
 * The checkout's own part of template names: checkouts side by side on one cluster (worktrees,
 * CI's clone) each keep their templates, and a checkout drops only its own stale ones.
 */
export function templateCheckoutTag(): string {
  return createHash("sha256")
    .update(join(import.meta.dirname, "../.."))
    .digest("hex")
    .slice(0, 6);
}

/** Name of the migrated template database for the current migrations (content-addressed). */
export function templateDatabaseName(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(file).update(readFileSync(join(MIGRATIONS_DIR, file)));
  }
  return `govern_template_${hash.digest("hex").slice(0, 12)}_${templateCheckoutTag()}`;
}
