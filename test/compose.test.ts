import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../schema/config.ts";

/** No Docker engine runs here, so docker-compose.yml is kept valid by reading it. */

type Service = {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
};

const compose = parse(readFileSync(join(import.meta.dirname, "../docker-compose.yml"), "utf8")) as {
  services: Record<string, Service>;
};

test("declares Postgres, Redis, a ClickHouse server and the app, each with a health check", () => {
  expect(Object.keys(compose.services).sort()).toEqual([
    "clickhouse",
    "govern",
    "postgres",
    "redis",
  ]);
  for (const name of ["postgres", "redis", "clickhouse"]) {
    expect(compose.services[name]?.healthcheck, name).toBeDefined();
    expect(compose.services.govern?.depends_on?.[name]?.condition).toBe("service_healthy");
  }
});

test("the app's environment is accepted by the config module", () => {
  const env = Object.fromEntries(
    Object.entries(compose.services.govern?.environment ?? {}).map(([k, v]) => [
      k,
      String(v).replace(/\$\{\w+:-([^}]*)\}/g, "$1"),
    ]),
  );
  const config = loadConfig(env);
  expect(config.env).toBe("production");
  expect(config.clickhouse.url).toMatch(/^http:\/\//);
});
