/**
 * `npm run bench -- NAME [args...]` runs bench/NAME.ts. Each benchmark measures its own baseline
 * in the same run and prints, as its last line, `NAME: ratio X (what over what), N rows/s`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error("usage: npm run bench -- NAME [args...]");
  process.exit(2);
}
const file = join(import.meta.dirname, `${name}.ts`);
if (!existsSync(file)) {
  console.error(`no benchmark named ${name} (expected bench/${name}.ts)`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(file).href)) as { main: (args: string[]) => Promise<void> };
await mod.main(args);
