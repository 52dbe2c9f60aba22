import { de, en, Faker, fr } from "@faker-js/faker";
import { bytea, esc, NULL, T, textArray } from "../demo-platform/copy-text.ts";
import { cumulative, hash32, Prng, type Weighted } from "../demo-platform/prng.ts";
import { type Language, textFor } from "./free-text.ts";
import { SKETCH_POINTS } from "./profile.ts";
import { pickIndex } from "./sampling.ts";
import { referenceOf, type ShapeColumn, type TableShape } from "./schema-shape.ts";
import type { ColumnModel, TableModel } from "./table-model.ts";

/**
 * Rows for any table of the platform from its fitted model (table-fit.ts): as many per parent row
 * of its anchoring foreign key as the real store has, or as many per customer; each column drawn
 * from its model; every reference pointing at a row already generated for the same tenant, so
 * foreign keys (declared or implied by a `<table>_id` name) resolve. The hand-written core tables
 * (generate.ts) get the columns they do not write from here too.
 */

const DAY = 86_400_000;

export type TenantRef = { id: string; index: number; language: Language };

/** Ids generated so far: table → tenant id → ids. */
export type Parents = Map<string, Map<string, string[]>>;

export type TableContext = {
  seed: number;
  asOf: number;
  tenants: TenantRef[];
  customersPerTenant: number;
  parents: Parents;
  tables: ReadonlySet<string>;
};

const FAKERS: Record<Language, Faker> = {
  en: new Faker({ locale: [en] }),
  de: new Faker({ locale: [de, en] }),
  fr: new Faker({ locale: [fr, en] }),
};

/** Draws the values of some columns of one table, for rows of one tenant at a time. */
export class RowDrawer {
  private readonly weights = new Map<string, Weighted<string>>();
  private readonly refs = new Map<string, string | null>();
  private rng = Prng.derive(0, "unused");
  private faker: Faker = FAKERS.en;
  private tenant: TenantRef | null = null;
  private row = 0;
  /** Ids of this table's rows drawn so far for the current tenant (self references). */
  readonly own: string[] = [];

  constructor(
    private readonly ctx: TableContext,
    private readonly shape: TableShape,
    private readonly model: TableModel,
  ) {
    for (const c of shape.columns) {
      this.refs.set(c.name, referenceOf(shape, c.name, ctx.tables));
    }
  }

  /** Starts the rows of a tenant (null: a table without tenants), on its own stream. */
  startTenant(tenant: TenantRef | null): void {
    this.tenant = tenant;
    this.rng = Prng.derive(this.ctx.seed, "synthetic-table", this.shape.table, tenant?.index ?? -1);
    this.faker = FAKERS[tenant?.language ?? "en"];
    this.faker.seed(hash32(`${this.ctx.seed}|${this.shape.table}|${tenant?.index ?? -1}`));
    this.own.length = 0;
  }

  /** The COPY fields of `columns` for one row; null when a required reference has no target. */
  draw(columns: readonly ShapeColumn[], fixed: Record<string, string> = {}): string[] | null {
    this.row++;
    const out: string[] = [];
    for (const c of columns) {
      const v = fixed[c.name] ?? this.value(c);
      if (v === null) {
        return null;
      }
      out.push(v);
    }
    return out;
  }

  private value(c: ShapeColumn): string | null {
    const rng = this.rng;
    const model = this.model.columns[c.name] ?? {
      kind: "opaque" as const,
      nulls: c.nullable ? 1 : 0,
    };
    if (c.name === "tenant_id" && this.tenant) {
      return this.tenant.id;
    }
    const ref = this.refs.get(c.name);
    if (ref) {
      const pool =
        ref === this.shape.table
          ? this.own
          : (this.ctx.parents.get(ref)?.get(this.tenant?.id ?? "") ?? []);
      if (c.nullable && (rng.float() < model.nulls || pool.length === 0)) {
        return NULL;
      }
      return pool.length ? (rng.pick(pool) as string) : null;
    }
    if (c.nullable && rng.float() < model.nulls) {
      return NULL;
    }
    const tag = `${(this.tenant?.index ?? 0) + 1}-${this.shape.table.length}${this.row}`;
    switch (model.kind) {
      case "numeric":
        return numeric(c, model, rng);
      case "age": {
        const at = this.ctx.asOf - fromSketch(rng, model.q) * DAY;
        const iso = new Date(at).toISOString();
        return model.date ? iso.slice(0, 10) : iso;
      }
      case "clock": {
        const s = Math.min(86_399, Math.max(0, Math.round(fromSketch(rng, model.q))));
        return [s / 3600, (s % 3600) / 60, s % 60]
          .map((x) => String(Math.floor(x)).padStart(2, "0"))
          .join(":");
      }
      case "interval":
        return `${Math.max(0, Math.round(fromSketch(rng, model.q)))} seconds`;
      case "boolean":
        return rng.float() < model.trueShare ? "t" : "f";
      case "category": {
        let w = this.weights.get(c.name);
        if (!w) {
          w = cumulative(Object.entries(model.mix));
          this.weights.set(c.name, w);
        }
        return esc(rng.pickWeighted(w));
      }
      case "text": {
        const text = textFor(c.name, rng, this.faker, this.tenant?.language ?? "en", tag);
        return text === null ? (c.nullable ? NULL : "withheld") : esc(clip(text, c.type));
      }
      case "json":
        return esc(JSON.stringify(this.json(model, tag)));
      case "array":
        return this.array(c, model, tag);
      default:
        return opaque(c, rng);
    }
  }

  private json(model: Extract<ColumnModel, { kind: "json" }>, tag: string): unknown {
    const rng = this.rng;
    if (rng.float() < model.arrays) {
      return [];
    }
    const out: Record<string, unknown> = {};
    for (const [key, k] of Object.entries(model.keys)) {
      if (rng.float() >= k.share) {
        continue;
      }
      out[key] =
        k.type === "string"
          ? clip(textFor(key, rng, this.faker, this.tenant?.language ?? "en", tag) ?? "", "(80)")
          : k.type === "number"
            ? rng.int(0, 100)
            : k.type === "boolean"
              ? rng.chance(0.5)
              : k.type === "object"
                ? {}
                : k.type === "array"
                  ? []
                  : null;
    }
    return out;
  }

  private array(
    c: ShapeColumn,
    model: Extract<ColumnModel, { kind: "array" }>,
    tag: string,
  ): string {
    const rng = this.rng;
    const n = Math.max(0, Math.round(fromSketch(rng, model.length)));
    if (c.udt === "_uuid") {
      const users = this.ctx.parents.get("users")?.get(this.tenant?.id ?? "") ?? [];
      return `{${users.length ? Array.from({ length: Math.min(n, 5) }, () => rng.pick(users)).join(",") : ""}}`;
    }
    if (c.udt === "_float4" || c.udt === "_float8" || c.udt === "_numeric") {
      return `{${Array.from({ length: n }, () => (rng.float() * 2 - 1).toFixed(4)).join(",")}}`;
    }
    if (c.udt.startsWith("_int")) {
      return `{${Array.from({ length: n }, () => rng.int(0, 100)).join(",")}}`;
    }
    return textArray(
      Array.from({ length: Math.min(n, 8) }, () =>
        c.name.includes("tag") || c.name.includes("feature") || c.name.includes("field")
          ? this.faker.commerce.productAdjective().toLowerCase()
          : (textFor(c.name, rng, this.faker, this.tenant?.language ?? "en", tag) ?? ""),
      ),
    );
  }
}

/** A value between the sketch's percentiles, linear within each step (no tail beyond them). */
export function fromSketch(rng: Prng, q: readonly number[]): number {
  if (q.length === 0) {
    return 0;
  }
  const u = rng.float();
  const lo = SKETCH_POINTS[0] as number;
  const hi = SKETCH_POINTS[SKETCH_POINTS.length - 1] as number;
  if (u <= lo || q.length !== SKETCH_POINTS.length) {
    return q[0] as number;
  }
  if (u >= hi) {
    return q[q.length - 1] as number;
  }
  let i = 0;
  while (i < SKETCH_POINTS.length - 2 && u >= (SKETCH_POINTS[i + 1] as number)) {
    i++;
  }
  const p0 = SKETCH_POINTS[i] as number;
  const p1 = SKETCH_POINTS[i + 1] as number;
  const x0 = q[i] as number;
  const x1 = q[i + 1] as number;
  return x0 + ((x1 - x0) * (u - p0)) / (p1 - p0);
}

function numeric(
  c: ShapeColumn,
  model: Extract<ColumnModel, { kind: "numeric" }>,
  rng: Prng,
): string {
  const x = Math.min(model.max, Math.max(model.min, fromSketch(rng, model.q)));
  if (model.integer) {
    return String(Math.round(x));
  }
  const scale = /numeric\(\d+,(\d+)\)/.exec(c.type)?.[1];
  return x.toFixed(scale === undefined ? 4 : Number(scale));
}

function opaque(c: ShapeColumn, rng: Prng): string {
  if (c.udt === "uuid") {
    return rng.uuid();
  }
  if (c.udt === "bytea") {
    return bytea(Uint8Array.from({ length: 16 }, () => rng.int(0, 255)));
  }
  if (c.udt === "inet" || c.udt === "cidr") {
    return `192.0.2.${rng.int(1, 254)}`;
  }
  return c.nullable ? NULL : "";
}

/** Cut to a varchar(n)'s length. */
function clip(text: string, type: string): string {
  const n = /\((\d+)\)/.exec(type)?.[1];
  return n ? text.slice(0, Number(n)) : text;
}

/** Lines of a table generated from its model alone (every table but the hand-written core). */
export function* genericLines(
  ctx: TableContext,
  shape: TableShape,
  model: TableModel,
): Generator<string> {
  const drawer = new RowDrawer(ctx, shape, model);
  const hasTenant = shape.columns.some((c) => c.name === "tenant_id");
  const idColumn = shape.columns.find((c) => c.name === "id" && c.udt === "uuid");
  const emit = (fixed: Record<string, string> = {}) => {
    const id = idColumn ? drawer.draw([idColumn])?.[0] : undefined;
    const fields = drawer.draw(shape.columns, id ? { ...fixed, id } : fixed);
    if (!fields) {
      return null;
    }
    if (id) {
      drawer.own.push(id);
    }
    return `${fields.join(T)}\n`;
  };
  if (!hasTenant) {
    drawer.startTenant(null);
    const n = Math.round(model.perCustomer * ctx.customersPerTenant * ctx.tenants.length);
    for (let i = 0; i < n; i++) {
      const line = emit();
      if (line) {
        yield line;
      }
    }
    return;
  }
  const pick = Prng.derive(ctx.seed, "synthetic-counts", shape.table);
  for (const tenant of ctx.tenants) {
    drawer.startTenant(tenant);
    if (model.anchor) {
      const anchor = model.anchor;
      for (const parent of ctx.parents.get(anchor.parent)?.get(tenant.id) ?? []) {
        const k = pickIndex(pick, anchor.counts);
        for (let j = 0; j < k; j++) {
          const line = emit({ [anchor.column]: parent });
          if (line) {
            yield line;
          }
        }
      }
      continue;
    }
    const n = Math.round(model.perCustomer * ctx.customersPerTenant);
    for (let i = 0; i < n; i++) {
      const line = emit();
      if (line) {
        yield line;
      }
    }
  }
}

/**
 * The lines of a hand-written core table, completed with the columns its writer leaves out
 * (drawn from the table's model, per tenant): `tenantField` is the position of the tenant's id
 * in the writer's lines.
 */
export function* withExtraColumns(
  ctx: TableContext,
  shape: TableShape,
  model: TableModel,
  extra: readonly ShapeColumn[],
  tenantField: number,
  lines: Iterable<string>,
): Generator<string> {
  const drawer = new RowDrawer(ctx, shape, model);
  const byId = new Map(ctx.tenants.map((t) => [t.id, t]));
  let current: string | null = null;
  for (const line of lines) {
    const tenantId = line.split(T, tenantField + 1)[tenantField] ?? "";
    if (tenantId !== current) {
      current = tenantId;
      drawer.startTenant(byId.get(tenantId) ?? null);
    }
    const fields = drawer.draw(extra) ?? extra.map((c) => (c.nullable ? NULL : ""));
    yield `${line.slice(0, -1)}${T}${fields.join(T)}\n`;
  }
}
