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
  },
});
