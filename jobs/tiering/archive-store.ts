import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";

/**
 * Where the archive tier's Parquet files and their manifests live: a folder (`ARCHIVE_DIR`, the
 * default) or S3-compatible object storage (`ARCHIVE_S3_*`). A file is named by its location: an
 * absolute path, or `s3://bucket/key`. ClickHouse reads and writes both in place (`file()` and
 * `s3()`); the manifests and deletions go through the filesystem or `@aws-sdk/client-s3`.
 */

export type ArchiveManifest = {
  format: "parquet";
  table: string;
  /** The Parquet file's location: an absolute path or `s3://bucket/key`. */
  file: string;
  moveId: string;
  rows: number;
  checksum: string;
  sha256: string;
  bytes: number;
  schema: { name: string; type: string }[];
  from: string | null;
  to: string | null;
  createdAt: string;
  /** The file this one replaced (an erasure, a retention deletion or a restore rewrote it). */
  replaces?: string;
};

export interface ArchiveStore {
  readonly kind: "folder" | "s3";
  /** The location of a new archive file `name` of `table`. */
  location(table: string, name: string): string;
  /**
   * A ClickHouse table function reading `location` as Parquet, with its parameters named after
   * `param` (so several files can be read in one statement).
   */
  source(location: string, param: string): { sql: string; params: Record<string, unknown> };
  /** Writes the rows of `select` (a full SELECT) to `location` as Parquet, through ClickHouse. */
  writeParquet(
    analytics: AnalyticsStore,
    location: string,
    select: string,
    params: Record<string, unknown>,
  ): Promise<void>;
  /** sha256 and size of the stored bytes (read back from the store, not from what was sent). */
  digest(location: string): Promise<{ sha256: string; bytes: number }>;
  exists(location: string): Promise<boolean>;
  /** The manifests of a table's files, in name order; a half-written one is left out. */
  manifests(table: string): Promise<ArchiveManifest[]>;
  /** Writes a file's manifest; it appears whole or not at all. */
  writeManifest(manifest: ArchiveManifest): Promise<void>;
  /** Removes a file and its manifest (missing ones are fine). */
  remove(location: string): Promise<void>;
  /** Stored bytes per location of a table's Parquet files (one listing). */
  sizes(table: string): Promise<Map<string, number>>;
}

export function manifestLocation(file: string): string {
  return file.replace(/\.parquet$/, ".manifest.json");
}

const stores = new WeakMap<Config, ArchiveStore>();

/** The archive store the configuration names (one per config, sharing its S3 client). */
export function archiveStore(config: Config): ArchiveStore {
  let store = stores.get(config);
  if (!store) {
    store = config.archiveS3 ? s3Store(config.archiveS3) : folderStore(config.archiveDir);
    stores.set(config, store);
  }
  return store;
}

// ---------------------------------------------------------------------------------------------

function folderStore(archiveDir: string): ArchiveStore {
  const dirOf = (table: string) => join(archiveDir, "tiering", table);
  return {
    kind: "folder",
    location: (table, name) => join(dirOf(table), name),
    source: (location, param) => ({
      sql: `file({${param}:String}, 'Parquet')`,
      params: { [param]: location },
    }),
    async writeParquet(analytics, location, select, params) {
      await mkdir(dirname(location), { recursive: true });
      await analytics.command(
        `INSERT INTO FUNCTION file({outfile:String}, 'Parquet') ${select} SETTINGS engine_file_truncate_on_insert = 1`,
        { ...params, outfile: location },
      );
    },
    async digest(location) {
      const hash = createHash("sha256");
      for await (const chunk of createReadStream(location)) {
        hash.update(chunk as Buffer);
      }
      return { sha256: hash.digest("hex"), bytes: (await stat(location)).size };
    },
    exists: async (location) => existsSync(location),
    async manifests(table) {
      let names: string[];
      try {
        names = await readdir(dirOf(table));
      } catch {
        return [];
      }
      const out: ArchiveManifest[] = [];
      for (const name of names.filter((n) => n.endsWith(".manifest.json")).sort()) {
        try {
          out.push(JSON.parse(await readFile(join(dirOf(table), name), "utf8")) as ArchiveManifest);
        } catch {
          // unreadable: its move is still open and is redone
        }
      }
      return out;
    },
    async writeManifest(manifest) {
      const path = manifestLocation(manifest.file);
      await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
      await rename(`${path}.tmp`, path);
    },
    async remove(location) {
      await rm(manifestLocation(location), { force: true });
      await rm(`${manifestLocation(location)}.tmp`, { force: true });
      await rm(location, { force: true });
    },
    async sizes(table) {
      const out = new Map<string, number>();
      let names: string[];
      try {
        names = await readdir(dirOf(table));
      } catch {
        return out;
      }
      for (const name of names.filter((n) => n.endsWith(".parquet"))) {
        const path = join(dirOf(table), name);
        const size = await stat(path).then(
          (s) => s.size,
          () => undefined,
        );
        if (size !== undefined) {
          out.set(path, size);
        }
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------

type S3Settings = NonNullable<Config["archiveS3"]>;

function s3Store(settings: S3Settings): ArchiveStore {
  // The SDK loads with the bucket's first operation: a process that never touches an S3
  // archive (most never do) does not load it.
  let connected: Promise<{ s3: typeof import("@aws-sdk/client-s3"); client: S3Client }> | undefined;
  const connect = () =>
    (connected ??= import("@aws-sdk/client-s3").then((s3) => ({
      s3,
      client: new s3.S3Client({
        region: settings.region,
        ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
        ...(settings.accessKeyId && settings.secretAccessKey
          ? {
              credentials: {
                accessKeyId: settings.accessKeyId,
                secretAccessKey: settings.secretAccessKey,
              },
            }
          : {}),
      }),
    })));
  const bucket = settings.bucket;
  const prefixOf = (table: string) => `${settings.prefix}tiering/${table}/`;
  const keyOf = (location: string): string => {
    const head = `s3://${bucket}/`;
    if (!location.startsWith(head)) {
      throw new Error(`${location} is not in the archive bucket ${bucket}`);
    }
    return location.slice(head.length);
  };
  // The HTTP address ClickHouse's s3() reads and writes: path-style on a configured endpoint,
  // virtual-hosted on AWS.
  const urlOf = (location: string): string => {
    const key = keyOf(location).split("/").map(encodeURIComponent).join("/");
    return settings.endpoint
      ? `${settings.endpoint.replace(/\/$/, "")}/${bucket}/${key}`
      : `https://${bucket}.s3.${settings.region}.amazonaws.com/${key}`;
  };
  const s3Function = (param: string): string =>
    settings.accessKeyId
      ? `s3({${param}:String}, {${param}_ak:String}, {${param}_sk:String}, 'Parquet')`
      : `s3({${param}:String}, 'Parquet')`;
  const s3Params = (param: string, location: string): Record<string, unknown> => ({
    [param]: urlOf(location),
    ...(settings.accessKeyId
      ? { [`${param}_ak`]: settings.accessKeyId, [`${param}_sk`]: settings.secretAccessKey }
      : {}),
  });
  const bodyText = async (key: string): Promise<string> => {
    const { s3, client } = await connect();
    const out = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await out.Body?.transformToString("utf8")) ?? "";
  };
  const list = async (prefix: string): Promise<{ key: string; size: number }[]> => {
    const out: { key: string; size: number }[] = [];
    let token: string | undefined;
    const { s3, client } = await connect();
    do {
      const page = await client.send(
        new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key) {
          out.push({ key: o.Key, size: Number(o.Size ?? 0) });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  };
  return {
    kind: "s3",
    location: (table, name) => `s3://${bucket}/${prefixOf(table)}${name}`,
    source: (location, param) => ({ sql: s3Function(param), params: s3Params(param, location) }),
    async writeParquet(analytics, location, select, params) {
      await analytics.command(
        `INSERT INTO FUNCTION ${s3Function("outfile")} ${select} SETTINGS s3_truncate_on_insert = 1`,
        { ...params, ...s3Params("outfile", location) },
      );
    },
    async digest(location) {
      const { s3, client } = await connect();
      const out = await client.send(
        new s3.GetObjectCommand({ Bucket: bucket, Key: keyOf(location) }),
      );
      const hash = createHash("sha256");
      let bytes = 0;
      for await (const chunk of out.Body as Readable) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
      return { sha256: hash.digest("hex"), bytes };
    },
    async exists(location) {
      try {
        const { s3, client } = await connect();
        await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: keyOf(location) }));
        return true;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
          ?.httpStatusCode;
        if (status === 404 || (error as Error).name === "NotFound") {
          return false;
        }
        throw error;
      }
    },
    async manifests(table) {
      const keys = (await list(prefixOf(table)))
        .map((o) => o.key)
        .filter((k) => k.endsWith(".manifest.json"))
        .sort();
      const out: ArchiveManifest[] = [];
      for (const key of keys) {
        try {
          out.push(JSON.parse(await bodyText(key)) as ArchiveManifest);
        } catch {
          // removed meanwhile, or unreadable: its move is still open and is redone
        }
      }
      return out;
    },
    async writeManifest(manifest) {
      // A PUT is atomic: the object appears whole or not at all.
      const { s3, client } = await connect();
      await client.send(
        new s3.PutObjectCommand({
          Bucket: bucket,
          Key: keyOf(manifestLocation(manifest.file)),
          Body: `${JSON.stringify(manifest, null, 2)}\n`,
          ContentType: "application/json",
        }),
      );
    },
    async remove(location) {
      // The manifest first: a file without one is not read, a manifest without its file would be.
      const { s3, client } = await connect();
      await client.send(
        new s3.DeleteObjectCommand({ Bucket: bucket, Key: keyOf(manifestLocation(location)) }),
      );
      await client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: keyOf(location) }));
    },
    async sizes(table) {
      const out = new Map<string, number>();
      for (const o of await list(prefixOf(table))) {
        if (o.key.endsWith(".parquet")) {
          out.set(`s3://${bucket}/${o.key}`, o.size);
        }
      }
      return out;
    },
  };
}
