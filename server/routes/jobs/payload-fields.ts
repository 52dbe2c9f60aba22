import { z } from "zod";
import type { TPayloadField } from "../../../schema/contracts/jobs.ts";

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  description?: string;
};

/**
 * A job's payload as form fields, read from its zod schema (through its JSON Schema): a flat
 * object of numbers, strings, booleans and lists. A payload of another shape (a union of actions,
 * a preprocessed default) gets no form: null, and the job runs with its defaults.
 */
export function payloadFields(schema: z.ZodType): TPayloadField[] | null {
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  } catch {
    return null;
  }
  if (json.type !== "object" || !json.properties) {
    return null;
  }
  const required = new Set(json.required ?? []);
  const fields: TPayloadField[] = [];
  for (const [name, property] of Object.entries(json.properties)) {
    const kind =
      property.type === "array"
        ? "list"
        : property.type === "integer" ||
            property.type === "number" ||
            property.type === "string" ||
            property.type === "boolean"
          ? property.type
          : undefined;
    if (!kind) {
      return null;
    }
    const values = kind === "list" ? property.items?.enum : property.enum;
    fields.push({
      name,
      kind,
      options: Array.isArray(values) ? values.map(String) : null,
      minimum: property.minimum ?? null,
      maximum: property.maximum ?? null,
      maxItems: property.maxItems ?? null,
      required: required.has(name),
      description: property.description ?? null,
    });
  }
  return fields;
}
