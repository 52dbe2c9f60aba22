import { loadModule, parseSync, scanSync } from "libpg-query";
import { columnNode } from "./node-ids.ts";
import type { LineageEdge, Transformation } from "./types.ts";

/**
 * Column lineage of one SELECT (a view's definition, an ETL expression), read from the real
 * PostgreSQL parse tree: column references are resolved through aliases, subqueries, CTEs,
 * joins, set operations and `*`. A construct this resolver does not follow degrades the whole
 * statement to table-level edges with the reason in `note`; it never throws.
 */

/** A relation the statement may read: its node id and its columns in order. */
export type RelationInfo = { id: string; columns: string[] };
/** Looks a relation up by (schema or undefined, name); undefined when unknown. */
export type RelationLookup = (schema: string | undefined, name: string) => RelationInfo | undefined;

type Source = { node: string; transformation: Transformation; expression: string | null };
type Relation = { order: string[]; columns: Map<string, Source[]> };
type ScopeEntry = { alias: string; relation: Relation };
type Scope = { entries: ScopeEntry[]; parent: Scope | undefined; ctes: Map<string, Relation> };

export type SelectLineage = {
  /** Output columns in order with the base columns each is computed from. */
  columns: { name: string; sources: Source[] }[];
  /** Columns that decide which rows appear (WHERE, HAVING, GROUP BY, JOIN ... ON). */
  indirect: Source[];
  /** Every relation node the statement reads. */
  tables: string[];
  /** Set when column lineage could not be resolved: why. */
  unsupported?: string;
};

class Unsupported extends Error {}

// Aggregates whose result is a function of many rows (PII propagation reads the name too).
const AGGREGATES = new Set([
  "count",
  "sum",
  "avg",
  "min",
  "max",
  "array_agg",
  "string_agg",
  "json_agg",
  "jsonb_agg",
  "json_object_agg",
  "jsonb_object_agg",
  "bool_and",
  "bool_or",
  "every",
  "stddev",
  "stddev_pop",
  "stddev_samp",
  "variance",
  "var_pop",
  "var_samp",
  "percentile_cont",
  "percentile_disc",
  "mode",
  "bit_and",
  "bit_or",
  "xmlagg",
  "any_value",
  // ClickHouse spellings met in materialized views.
  "uniq",
  "uniqexact",
  "sumstate",
  "countstate",
  "avgstate",
  "argmax",
  "argmin",
]);

const RANK: Record<Transformation, number> = {
  direct: 0,
  filter: 0,
  join: 0,
  calculation: 1,
  aggregation: 2,
  masking: 3,
};

let loaded: Promise<void> | undefined;
/** libpg-query's WebAssembly module, loaded once per process. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

// biome-ignore lint/suspicious/noExplicitAny: the parse tree is walked generically
type Node = any;

const STOP_WORDS = new Set([
  "AS",
  "FROM",
  "WHERE",
  "GROUP",
  "HAVING",
  "ORDER",
  "LIMIT",
  "OFFSET",
  "UNION",
  "INTERSECT",
  "EXCEPT",
  "WINDOW",
  "ON",
  "JOIN",
  "LEFT",
  "RIGHT",
  "INNER",
  "FULL",
  "CROSS",
  "USING",
  "INTO",
  "SETTINGS",
]);

/** Analyses one SELECT statement; `sql` must be a single SELECT (or WITH ... SELECT). */
export function selectLineage(sql: string, lookup: RelationLookup): SelectLineage {
  let tree: Node;
  try {
    tree = parseSync(sql);
  } catch (error) {
    return {
      columns: [],
      indirect: [],
      tables: [],
      unsupported: `parse error: ${(error as Error).message}`,
    };
  }
  const stmt = tree.stmts?.[0]?.stmt;
  const tables = new Set<string>();
  collectRangeVars(stmt, lookup, tables);
  if (!stmt?.SelectStmt) {
    return {
      columns: [],
      indirect: [],
      tables: [...tables],
      unsupported: "not a SELECT statement",
    };
  }
  const tokens = scanSync(sql).tokens;
  const resolver = new Resolver(sql, tokens, lookup);
  try {
    const relation = resolver.select(stmt.SelectStmt, undefined);
    return {
      columns: relation.order.map((name) => ({ name, sources: relation.columns.get(name) ?? [] })),
      indirect: dedupe(resolver.indirect),
      tables: [...tables],
    };
  } catch (error) {
    if (error instanceof Unsupported) {
      return { columns: [], indirect: [], tables: [...tables], unsupported: error.message };
    }
    return {
      columns: [],
      indirect: [],
      tables: [...tables],
      unsupported: `could not resolve columns: ${(error as Error).message}`,
    };
  }
}

/**
 * Edges of a relation computed by a SELECT: column → column (direct, calculation, aggregation),
 * filter/join columns → the target table, and a table → table edge per relation read. When the
 * columns cannot be resolved, only the table edges, each saying why.
 */
export function selectEdges(target: RelationInfo, lineage: SelectLineage): LineageEdge[] {
  const edges: LineageEdge[] = [];
  const note = lineage.unsupported ? `table-level only: ${lineage.unsupported}` : null;
  for (const table of lineage.tables) {
    if (table !== target.id) {
      edges.push({
        from: table,
        to: target.id,
        kind: "flow",
        transformation: null,
        expression: null,
        note,
      });
    }
  }
  if (lineage.unsupported) {
    return edges;
  }
  lineage.columns.forEach((column, index) => {
    // Postgres names a view's columns as the SELECT does; a CREATE VIEW v(a, b) renames them.
    const name = target.columns[index] ?? column.name;
    for (const source of column.sources) {
      edges.push({
        from: source.node,
        to: columnNode(target.id, name),
        kind: "flow",
        transformation: source.transformation,
        expression: source.expression,
      });
    }
  });
  for (const source of lineage.indirect) {
    edges.push({
      from: source.node,
      to: target.id,
      kind: "flow",
      transformation: source.transformation,
      expression: source.expression,
    });
  }
  return dedupeEdges(edges);
}

function dedupe(sources: Source[]): Source[] {
  const seen = new Map<string, Source>();
  for (const s of sources) {
    const key = `${s.node}|${s.transformation}`;
    if (!seen.has(key)) {
      seen.set(key, s);
    }
  }
  return [...seen.values()];
}

function dedupeEdges(edges: LineageEdge[]): LineageEdge[] {
  const byKey = new Map<string, LineageEdge>();
  for (const e of edges) {
    const key = `${e.from}|${e.to}|${e.kind}`;
    const prior = byKey.get(key);
    // One edge per pair: the strongest transformation wins (a column both read and filtered on).
    if (!prior || rank(e.transformation) > rank(prior.transformation)) {
      byKey.set(key, e);
    }
  }
  return [...byKey.values()];
}

function rank(t: Transformation | null): number {
  return t === null ? -1 : RANK[t];
}

function collectRangeVars(node: Node, lookup: RelationLookup, out: Set<string>): void {
  if (!node || typeof node !== "object") {
    return;
  }
  if (Array.isArray(node)) {
    for (const child of node) {
      collectRangeVars(child, lookup, out);
    }
    return;
  }
  if (node.RangeVar) {
    const found = lookup(node.RangeVar.schemaname, node.RangeVar.relname);
    if (found) {
      out.add(found.id);
    }
  }
  for (const value of Object.values(node)) {
    collectRangeVars(value, lookup, out);
  }
}

function stringsOf(list: Node[] | undefined): string[] {
  return (list ?? []).map((n: Node) => (n.String ? n.String.sval : n.A_Star ? "*" : "?"));
}

function combine(outer: Transformation, inner: Source, expression: string | null): Source {
  const transformation = RANK[inner.transformation] > RANK[outer] ? inner.transformation : outer;
  return {
    node: inner.node,
    transformation,
    expression: outer === "direct" ? inner.expression : expression,
  };
}

class Resolver {
  readonly indirect: Source[] = [];
  constructor(
    private readonly sql: string,
    private readonly tokens: { start: number; end: number; text: string }[],
    private readonly lookup: RelationLookup,
  ) {}

  select(stmt: Node, parent: Scope | undefined): Relation {
    const scope: Scope = { entries: [], parent, ctes: new Map(parent?.ctes ?? []) };
    for (const cte of stmt.withClause?.ctes ?? []) {
      const c = cte.CommonTableExpr;
      if (stmt.withClause.recursive) {
        throw new Unsupported("recursive CTE");
      }
      if (!c.ctequery?.SelectStmt) {
        throw new Unsupported(`CTE ${c.ctename} is not a SELECT`);
      }
      let relation = this.select(c.ctequery.SelectStmt, scope);
      const names = stringsOf(c.aliascolnames);
      if (names.length > 0) {
        relation = rename(relation, names);
      }
      scope.ctes.set(c.ctename, relation);
    }
    if (stmt.op && stmt.op !== "SETOP_NONE") {
      const left = this.select(stmt.larg, scope);
      const right = this.select(stmt.rarg, scope);
      const columns = new Map<string, Source[]>();
      left.order.forEach((name, i) => {
        const other = right.columns.get(right.order[i] ?? "") ?? [];
        columns.set(name, [...(left.columns.get(name) ?? []), ...other]);
      });
      return { order: left.order, columns };
    }
    if (stmt.valuesLists) {
      return { order: [], columns: new Map() };
    }
    for (const item of stmt.fromClause ?? []) {
      this.fromItem(item, scope);
    }
    for (const clause of [stmt.whereClause, stmt.havingClause]) {
      if (clause) {
        this.addIndirect(clause, scope, "filter");
      }
    }
    const order: string[] = [];
    const columns = new Map<string, Source[]>();
    let position = 0;
    for (const target of stmt.targetList ?? []) {
      const rt = target.ResTarget;
      const val = rt.val;
      if (val?.ColumnRef && stringsOf(val.ColumnRef.fields).at(-1) === "*") {
        const fields = stringsOf(val.ColumnRef.fields);
        const entries =
          fields.length === 1 ? scope.entries : scope.entries.filter((e) => e.alias === fields[0]);
        if (entries.length === 0) {
          throw new Unsupported(`cannot expand ${fields.join(".")}`);
        }
        for (const entry of entries) {
          for (const name of entry.relation.order) {
            order.push(name);
            columns.set(name, entry.relation.columns.get(name) ?? []);
          }
        }
        continue;
      }
      position += 1;
      const name =
        rt.name ??
        (val?.ColumnRef ? stringsOf(val.ColumnRef.fields).at(-1) : undefined) ??
        (val?.FuncCall ? stringsOf(val.FuncCall.funcname).at(-1) : undefined) ??
        `?column?${position}`;
      const expression = trimAlias(this.text(val), rt.name);
      const sources = this.expression(val, scope, expression);
      order.push(name);
      columns.set(name, dedupe(sources));
    }
    return { order, columns };
  }

  private fromItem(item: Node, scope: Scope): void {
    if (item.RangeVar) {
      const rv = item.RangeVar;
      const alias = rv.alias?.aliasname ?? rv.relname;
      const cte = rv.schemaname ? undefined : scope.ctes.get(rv.relname);
      let relation: Relation;
      if (cte) {
        relation = cte;
      } else {
        const info = this.lookup(rv.schemaname, rv.relname);
        if (!info) {
          throw new Unsupported(
            `unknown relation ${rv.schemaname ? `${rv.schemaname}.` : ""}${rv.relname}`,
          );
        }
        relation = {
          order: info.columns,
          columns: new Map(
            info.columns.map((c) => [
              c,
              [
                {
                  node: columnNode(info.id, c),
                  transformation: "direct" as const,
                  expression: null,
                },
              ],
            ]),
          ),
        };
      }
      const names = stringsOf(rv.alias?.colnames);
      scope.entries.push({ alias, relation: names.length ? rename(relation, names) : relation });
      return;
    }
    if (item.RangeSubselect) {
      const rs = item.RangeSubselect;
      if (rs.lateral) {
        throw new Unsupported("LATERAL subquery");
      }
      let relation = this.select(rs.subquery.SelectStmt, scope);
      const names = stringsOf(rs.alias?.colnames);
      if (names.length) {
        relation = rename(relation, names);
      }
      scope.entries.push({ alias: rs.alias?.aliasname ?? "?subquery", relation });
      return;
    }
    if (item.JoinExpr) {
      const join = item.JoinExpr;
      this.fromItem(join.larg, scope);
      this.fromItem(join.rarg, scope);
      if (join.quals) {
        this.addIndirect(join.quals, scope, "join");
      }
      for (const name of stringsOf(join.usingClause)) {
        for (const entry of scope.entries) {
          for (const s of entry.relation.columns.get(name) ?? []) {
            this.indirect.push({
              node: s.node,
              transformation: "join",
              expression: `USING (${name})`,
            });
          }
        }
      }
      return;
    }
    const kind = Object.keys(item)[0] ?? "unknown";
    throw new Unsupported(`${kind} in FROM`);
  }

  private addIndirect(expr: Node, scope: Scope, transformation: "filter" | "join"): void {
    const text = this.text(expr);
    for (const ref of this.refs(expr, scope, false)) {
      this.indirect.push({ node: ref.source.node, transformation, expression: text });
    }
  }

  /** The sources of one output expression, each with its own transformation. */
  private expression(val: Node, scope: Scope, expression: string | null): Source[] {
    const bare = Boolean(val?.ColumnRef);
    return this.refs(val, scope, false).map(({ source, aggregated }) =>
      combine(aggregated ? "aggregation" : bare ? "direct" : "calculation", source, expression),
    );
  }

  /** Every column source an expression reads, and whether it is read inside an aggregate. */
  private refs(
    node: Node,
    scope: Scope,
    aggregated: boolean,
  ): { source: Source; aggregated: boolean }[] {
    if (!node || typeof node !== "object") {
      return [];
    }
    if (Array.isArray(node)) {
      return node.flatMap((child) => this.refs(child, scope, aggregated));
    }
    if (node.ColumnRef) {
      return this.resolve(stringsOf(node.ColumnRef.fields), scope).map((source) => ({
        source,
        aggregated,
      }));
    }
    if (node.FuncCall) {
      const name = (stringsOf(node.FuncCall.funcname).at(-1) ?? "").toLowerCase();
      const inside = aggregated || AGGREGATES.has(name) || Boolean(node.FuncCall.agg_star);
      const over = node.FuncCall.over ? this.refs(node.FuncCall.over, scope, aggregated) : [];
      return [
        ...this.refs(node.FuncCall.args, scope, inside),
        ...this.refs(node.FuncCall.agg_filter, scope, inside),
        ...over,
      ];
    }
    if (node.SubLink) {
      const sub = node.SubLink;
      const relation = this.select(sub.subselect.SelectStmt, scope);
      const fromSub = relation.order.flatMap((name) => relation.columns.get(name) ?? []);
      return [
        ...this.refs(sub.testexpr, scope, aggregated),
        ...fromSub.map((source) => ({
          source: {
            ...source,
            transformation:
              RANK[source.transformation] > RANK.calculation
                ? source.transformation
                : "calculation",
          },
          aggregated,
        })),
      ];
    }
    return Object.values(node).flatMap((child) => this.refs(child, scope, aggregated));
  }

  private resolve(fields: string[], scope: Scope): Source[] {
    if (fields.at(-1) === "*") {
      return []; // count(*): reads rows, no column
    }
    const column = fields.at(-1) as string;
    const qualifier = fields.length >= 2 ? fields[fields.length - 2] : undefined;
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      for (const entry of s.entries) {
        if (qualifier !== undefined && entry.alias !== qualifier) {
          continue;
        }
        const found = entry.relation.columns.get(column);
        if (found) {
          return found;
        }
      }
    }
    if (fields.length === 1) {
      return []; // a name that is not a column (a parameter-less function like current_date)
    }
    throw new Unsupported(`cannot resolve column ${fields.join(".")}`);
  }

  /** The source text of an expression: from its first token to where the list item ends. */
  text(node: Node): string | null {
    const start = minLocation(node);
    if (start === undefined) {
      return null;
    }
    let depth = 0;
    let end = start;
    for (const token of this.tokens) {
      if (token.start < start) {
        continue;
      }
      const upper = token.text.toUpperCase();
      if (
        depth === 0 &&
        (token.text === "," || token.text === ";" || token.text === ")" || STOP_WORDS.has(upper))
      ) {
        break;
      }
      if (token.text === "(") {
        depth += 1;
      } else if (token.text === ")") {
        depth -= 1;
      }
      end = token.end;
    }
    const text = this.sql.slice(start, end).replace(/\s+/g, " ").trim();
    return text.length > 0 ? text : null;
  }
}

function minLocation(node: Node): number | undefined {
  let min: number | undefined;
  const walk = (n: Node): void => {
    if (!n || typeof n !== "object") {
      return;
    }
    if (Array.isArray(n)) {
      n.forEach(walk);
      return;
    }
    for (const [key, value] of Object.entries(n)) {
      if (key === "location" && typeof value === "number" && value >= 0) {
        min = min === undefined ? value : Math.min(min, value);
      } else if (typeof value === "object") {
        walk(value);
      }
    }
  };
  walk(node);
  return min;
}

/** `upper(s.e) u`: an alias written without AS is not part of the expression. */
function trimAlias(text: string | null, alias: string | undefined): string | null {
  if (text && alias && text.toLowerCase().endsWith(` ${alias.toLowerCase()}`)) {
    return text.slice(0, text.length - alias.length - 1).trim();
  }
  return text;
}

function rename(relation: Relation, names: string[]): Relation {
  const columns = new Map<string, Source[]>();
  const order = relation.order.map((old, i) => {
    const name = names[i] ?? old;
    columns.set(name, relation.columns.get(old) ?? []);
    return name;
  });
  return { order, columns };
}
