#!/usr/bin/env node
// The `govern` command: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../server/cli.ts");
const code = await main(process.argv.slice(2));
if (code >= 0) {
  process.exit(code);
}
