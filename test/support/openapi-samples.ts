/**
 * Valid sample requests for a route, generated from the app's own OpenAPI document, so tests
 * generated from ROUTES can reach a handler's access check with input that passes validation.
 */

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  items?: JsonSchema;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  example?: unknown;
};
export type OpenApiParameter = {
  name: string;
  in: string;
  required?: boolean;
  schema?: JsonSchema;
};
export type OpenApiOperation = {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
};
export type OpenApiDoc = {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
};

export type SampleRequest = {
  /** The concrete path with parameters filled in. */
  path: string;
  query: string;
  body?: unknown;
  operation: OpenApiOperation;
};

function resolve(doc: OpenApiDoc, schema: JsonSchema): JsonSchema {
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop() ?? "";
    return resolve(doc, doc.components?.schemas?.[name] ?? {});
  }
  return schema;
}

/** A value the schema accepts (the simplest one: required fields only, minimal lengths). */
export function sampleOf(doc: OpenApiDoc, input: JsonSchema): unknown {
  const schema = resolve(doc, input);
  if (schema.const !== undefined) {
    return schema.const;
  }
  if (schema.enum?.length) {
    return schema.enum[0];
  }
  if (schema.default !== undefined) {
    return schema.default;
  }
  const union = schema.anyOf ?? schema.oneOf;
  if (union?.length) {
    const nonNull = union.find((s) => resolve(doc, s).type !== "null") ?? union[0];
    return sampleOf(doc, nonNull ?? {});
  }
  if (schema.allOf?.length) {
    return Object.assign({}, ...schema.allOf.map((s) => sampleOf(doc, s) as object));
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "string":
      return sampleString(schema);
    case "integer":
    case "number":
      return schema.minimum ?? (schema.exclusiveMinimum ?? 0) + 1;
    case "boolean":
      return false;
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleOf(doc, schema.items ?? {}));
    default: {
      const out: Record<string, unknown> = {};
      // With no required field, one field is sent: "send at least one of" bodies need it.
      const firstOptional = Object.keys(schema.properties ?? {}).slice(0, 1);
      const names = schema.required?.length ? schema.required : firstOptional;
      for (const name of names) {
        out[name] = sampleOf(doc, schema.properties?.[name] ?? {});
      }
      return out;
    }
  }
}

function sampleString(schema: JsonSchema): string {
  // A patterned string documents a valid example (e.g. a request's short id).
  if (schema.pattern && typeof schema.example === "string") {
    return schema.example;
  }
  switch (schema.format) {
    case "uuid":
      return "00000000-0000-4000-8000-00000000abcd";
    case "email":
      return "sample.person@example.org";
    case "date-time":
      return "2026-01-01T00:00:00.000Z";
    case "date":
      return "2026-01-01";
    case "uri":
      return "https://example.org/sample";
    default:
      return "sample-value-x".padEnd(schema.minLength ?? 0, "x").slice(0, schema.maxLength ?? 100);
  }
}

/** A request to `method path` that passes the route's validation. */
export function sampleRequest(doc: OpenApiDoc, method: string, path: string): SampleRequest {
  const operation = doc.paths[path]?.[method.toLowerCase()];
  if (!operation) {
    throw new Error(`${method} ${path} is in ROUTES but not in the OpenAPI document`);
  }
  let concrete = path;
  const query = new URLSearchParams();
  for (const parameter of operation.parameters ?? []) {
    const value = String(sampleOf(doc, parameter.schema ?? { type: "string" }));
    if (parameter.in === "path") {
      concrete = concrete.replace(`{${parameter.name}}`, encodeURIComponent(value));
    } else if (parameter.in === "query" && parameter.required) {
      query.set(parameter.name, value);
    }
  }
  const bodySchema = operation.requestBody?.content?.["application/json"]?.schema;
  return {
    path: concrete,
    query: query.toString(),
    body: bodySchema ? sampleOf(doc, bodySchema) : undefined,
    operation,
  };
}

/** The app's own OpenAPI document, read as a signed-in caller (the document needs one). */
export async function fetchOpenApi(
  request: (path: string, init?: RequestInit) => Promise<Response>,
  token: string,
): Promise<OpenApiDoc> {
  const response = await request("/api/v1/openapi.json", {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await response.json()) as OpenApiDoc;
}
