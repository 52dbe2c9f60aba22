import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig, withDatabase } from "../schema/config.ts";

describe("config", () => {
  test("defaults describe a local development machine", () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe("postgres://postgres@127.0.0.1:5432/govern");
    expect(config.appDatabaseUrl).toBe("postgres://govern_app:govern_app@127.0.0.1:5432/govern");
    expect(config.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(config.clickhouse.url).toBeUndefined();
    expect(config.clickhouse.dataDir).toMatch(/\.data\/clickhouse$/);
    expect(config.port).toBe(8080);
    expect(config.secret).toHaveLength(64);
  });

  test("PUBLIC_URL defaults to the listener, a wildcard address read as localhost, and must be an origin", () => {
    expect(loadConfig({}).publicUrl).toBe("http://127.0.0.1:8080");
    expect(loadConfig({ HOST: "0.0.0.0", PORT: "9000" }).publicUrl).toBe("http://localhost:9000");
    expect(loadConfig({ HOST: "::1" }).publicUrl).toBe("http://[::1]:8080");
    expect(loadConfig({ PUBLIC_URL: "https://Govern.Example.com:443/" }).publicUrl).toBe(
      "https://govern.example.com",
    );
    expect(() => loadConfig({ PUBLIC_URL: "https://govern.example.com/console" })).toThrow(
      /PUBLIC_URL/,
    );
    expect(() => loadConfig({ PUBLIC_URL: "ftp://govern.example.com" })).toThrow(/PUBLIC_URL/);
  });

  test("every bad value is reported at once, by name", () => {
    let error: unknown;
    try {
      loadConfig({
        DATABASE_URL: "mysql://x",
        PORT: "99999",
        REDIS_URL: "nope",
        CLICKHOUSE_URL: "ftp://h",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ["DATABASE_URL", "PORT", "REDIS_URL", "CLICKHOUSE_URL"]) {
      expect(message).toContain(name);
    }
  });

  test("production refuses to start without a real secret", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/GOVERN_SECRET/);
    expect(() => loadConfig({ NODE_ENV: "production", GOVERN_SECRET: "short" })).toThrow(/32/);
    expect(loadConfig({ NODE_ENV: "production", GOVERN_SECRET: "x".repeat(32) }).secret).toBe(
      "x".repeat(32),
    );
  });

  test("withDatabase points owner and application connections at another database", () => {
    const config = withDatabase(loadConfig({ APP_DB_PASSWORD: "s3cret" }), "other");
    expect(config.databaseUrl).toBe("postgres://postgres@127.0.0.1:5432/other");
    expect(config.appDatabaseUrl).toBe("postgres://govern_app:s3cret@127.0.0.1:5432/other");
  });
});
