import type { Command } from "./support.ts";

/** The CLI commands for retention, legal holds and erasure (`retention ...`). */
export const RETENTION_COMMANDS: Record<string, Command> = {};
