import type { Command } from "./support.ts";

/** The CLI commands for catalog (`classify`, `review`). */
export const CATALOG_COMMANDS: Record<string, Command> = {};
