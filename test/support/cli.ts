import { main } from "../../server/cli.ts";

/** What one `govern` run left behind: its exit code and everything it wrote. */
export type CliRun = { code: number; stdout: string; stderr: string };

/** Environment for a run: a value sets a variable, `undefined` removes it. */
export type CliEnv = Record<string, string | undefined>;

type Write = typeof process.stdout.write;

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `govern ARGS` in this process: server/cli.ts's main() with `env` over process.env and
 * stdout and stderr captured, as bin/govern.js would run it but without a Node start and a tsx
 * load of every module (seconds a spawn on a busy machine). For tests of what commands do; the
 * process itself (bin/govern.js, its exit status) is tested by spawning it in test/cli.test.ts.
 * Runs one at a time: the environment and the output streams belong to the whole process.
 */
export function governInProcess(args: string[], env: CliEnv = {}): Promise<CliRun> {
  const run = queue.then(() => runOnce(args, env));
  queue = run.catch(() => {});
  return run;
}

async function runOnce(args: string[], env: CliEnv): Promise<CliRun> {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]]));
  const stdout: string[] = [];
  const stderr: string[] = [];
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture =
    (into: string[]): Write =>
    (chunk: string | Uint8Array, ...rest: unknown[]) => {
      into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      done?.();
      return true;
    };
  setEnv(env);
  process.stdout.write = capture(stdout);
  process.stderr.write = capture(stderr);
  try {
    const code = await main(args);
    return { code, stdout: stdout.join(""), stderr: stderr.join("") };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    setEnv(Object.fromEntries(saved));
  }
}

function setEnv(env: CliEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }
}
