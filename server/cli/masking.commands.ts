import type { Command } from "./support.ts";
import { SYNTH_COMMANDS } from "./synth.commands.ts";

/** The CLI commands for masked datasets and synthetic data (`provision`, `synth`, `masking`). */
export const MASKING_COMMANDS: Record<string, Command> = {
  ...SYNTH_COMMANDS,
};
