import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // chdb (embedded ClickHouse) must never load in a worker thread: it crashes the process at exit.
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    // Vitest's default (one worker fewer than cores) is a single worker on a 2-core machine, so
    // test files ran one at a time. A file spends most of its time waiting on Postgres, Redis,
    // Chromium or a child process: three at once keep both cores busy (the suite took less
    // than half the time, every file passing).
    maxWorkers: 3,
  },
});
