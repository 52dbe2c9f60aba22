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
    experimental: {
      // Transformed modules persist on disk (node_modules/.experimental-vitest-cache, keyed by
      // content): without it every run transforms the whole server graph again, which took a
      // two-file run from 80 s to 208 s under the same load. `vitest --clearCache` empties it.
      fsModuleCache: true,
    },
  },
});
