/**
 * Renders an OpenAPI 3.1 document as one readable HTML page: plain HTML and an inline stylesheet,
 * no scripts and nothing fetched from elsewhere, so it works under the app's CSP and offline.
 */

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
  additionalProperties?: boolean | Schema;
};
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema };
type Content = Record<string, { schema?: Schema }>;
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content?: Content };
  responses?: Record<string, { description?: string; content?: Content }>;
};
export type OpenApiDocument = {
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

const METHODS = ["get", "post", "put", "patch", "delete"];

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
main{max-width:960px;margin:0 auto;padding:24px}
h1{margin:0 0 4px}h2{margin-top:40px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
nav ul{columns:2;padding-left:18px}
section.op{background:#fff;border:1px solid #d5d9e0;border-radius:6px;padding:12px 16px;margin:16px 0}
.method{display:inline-block;min-width:64px;font-weight:700;text-transform:uppercase}
.get{color:#1565c0}.post{color:#2e7d32}.patch,.put{color:#8d6e00}.delete{color:#c62828}
code,.path{font-family:ui-monospace,monospace}.path{font-weight:600}
.access{float:right;font-size:13px;background:#eef1f5;border-radius:4px;padding:2px 8px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{text-align:left;border-top:1px solid #e3e6eb;padding:4px 8px;vertical-align:top}
th{font-weight:600;font-size:13px;color:#536070}
`;

function htmlText(value: unknown): string {
  return String(value)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function anchor(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "-");
}

/** A one-line description of a schema's type, linking named schemas. */
function typeOf(schema: Schema | undefined): string {
  if (!schema) {
    return "any";
  }
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop() ?? schema.$ref;
    return `<a href="#schema-${anchor(name)}">${htmlText(name)}</a>`;
  }
  if (schema.enum) {
    return schema.enum.map((v) => `<code>${htmlText(JSON.stringify(v))}</code>`).join(" | ");
  }
  if (schema.const !== undefined) {
    return `<code>${htmlText(JSON.stringify(schema.const))}</code>`;
  }
  const union = schema.anyOf ?? schema.oneOf;
  if (union) {
    return union.map(typeOf).join(" | ");
  }
  if (schema.allOf) {
    return schema.allOf.map(typeOf).join(" &amp; ");
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.includes("array")) {
    return `array of ${typeOf(schema.items)}`;
  }
  if (types.includes("object") && schema.properties) {
    const fields = Object.entries(schema.properties).map(
      ([name, field]) => `<code>${htmlText(name)}</code>: ${typeOf(field)}`,
    );
    return `{ ${fields.join(", ")} }`;
  }
  const base = types.join(" | ") || "any";
  return schema.format ? `${htmlText(base)} (${htmlText(schema.format)})` : htmlText(base);
}

function constraints(schema: Schema | undefined): string {
  if (!schema) {
    return "";
  }
  const parts: string[] = [];
  if (schema.minLength !== undefined) {
    parts.push(`min length ${schema.minLength}`);
  }
  if (schema.maxLength !== undefined) {
    parts.push(`max length ${schema.maxLength}`);
  }
  if (schema.minimum !== undefined) {
    parts.push(`≥ ${schema.minimum}`);
  }
  if (schema.maximum !== undefined) {
    parts.push(`≤ ${schema.maximum}`);
  }
  if (schema.default !== undefined) {
    parts.push(`default ${JSON.stringify(schema.default)}`);
  }
  if (schema.description) {
    parts.push(schema.description);
  }
  return htmlText(parts.join("; "));
}

function fieldsTable(schema: Schema): string {
  const properties = Object.entries(schema.properties ?? {});
  if (!properties.length) {
    return `<p>${typeOf(schema)}</p>`;
  }
  const required = new Set(schema.required ?? []);
  const rows = properties.map(
    ([name, field]) =>
      `<tr><td><code>${htmlText(name)}</code>${required.has(name) ? "" : " (optional)"}</td>` +
      `<td>${typeOf(field)}</td><td>${constraints(field)}</td></tr>`,
  );
  const closed = schema.additionalProperties === false ? "<p>Other fields are rejected.</p>" : "";
  return `<table><tr><th>field</th><th>type</th><th>notes</th></tr>${rows.join("")}</table>${closed}`;
}

function bodySchema(content: Content | undefined): Schema | undefined {
  return content?.["application/json"]?.schema;
}

function renderOperation(
  method: string,
  path: string,
  operation: Operation,
  access: string | undefined,
): string {
  const parts = [
    `<section class="op" id="${anchor(`${method}-${path}`)}">`,
    access ? `<span class="access">access: ${htmlText(access)}</span>` : "",
    `<div><span class="method ${method}">${method}</span> <span class="path">${htmlText(path)}</span></div>`,
    operation.summary ? `<p>${htmlText(operation.summary)}</p>` : "",
  ];
  if (operation.parameters?.length) {
    const rows = operation.parameters.map(
      (p) =>
        `<tr><td><code>${htmlText(p.name)}</code>${p.required ? "" : " (optional)"}</td>` +
        `<td>${htmlText(p.in)}</td><td>${typeOf(p.schema)}</td><td>${constraints(p.schema)}</td></tr>`,
    );
    parts.push(
      `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>notes</th></tr>${rows.join("")}</table>`,
    );
  }
  const body = bodySchema(operation.requestBody?.content);
  if (body) {
    parts.push(
      `<h4>Body (application/json)</h4>${body.$ref ? `<p>${typeOf(body)}</p>` : fieldsTable(body)}`,
    );
  }
  const responses = Object.entries(operation.responses ?? {}).map(
    ([status, r]) =>
      `<tr><td>${htmlText(status)}</td><td>${htmlText(r.description ?? "")}</td>` +
      `<td>${bodySchema(r.content) ? typeOf(bodySchema(r.content)) : ""}</td></tr>`,
  );
  parts.push(
    `<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>body</th></tr>${responses.join("")}</table>`,
    "</section>",
  );
  return parts.join("\n");
}

/**
 * The page. `accessOf` names who may call an operation (from the route table), since that is the
 * first thing a reader of an API reference wants to know.
 */
export function renderApiReference(
  doc: OpenApiDocument,
  accessOf: (method: string, path: string) => string | undefined,
): string {
  const byTag = new Map<string, string[]>();
  const toc: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) {
        continue;
      }
      const tag = operation.tags?.[0] ?? "other";
      const list = byTag.get(tag) ?? [];
      list.push(renderOperation(method, path, operation, accessOf(method, path)));
      byTag.set(tag, list);
      toc.push(
        `<li><a href="#${anchor(`${method}-${path}`)}"><code>${method.toUpperCase()} ${htmlText(path)}</code></a></li>`,
      );
    }
  }
  const sections = [...byTag.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([tag, ops]) => `<h2 id="tag-${anchor(tag)}">${htmlText(tag)}</h2>\n${ops.join("\n")}`);
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, schema]) =>
        `<section class="op" id="schema-${anchor(name)}"><div class="path">${htmlText(name)}</div>${fieldsTable(schema)}</section>`,
    );
  const title = doc.info?.title ?? "API";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlText(title)} reference</title><style>${STYLE}</style></head>
<body><main>
<h1>${htmlText(title)} <small>v${htmlText(doc.info?.version ?? "")}</small></h1>
<p>${htmlText(doc.info?.description ?? "")}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>.
Errors always have the shape <code>{"error":{"code","message","details","requestId"}}</code>.</p>
<nav><h2>Operations</h2><ul>${toc.join("")}</ul></nav>
${sections.join("\n")}
<h2 id="schemas">Schemas</h2>
${schemas.join("\n")}
</main></body></html>`;
}
