/**
 * Key paths found in sampled JSON values, in the catalog's path syntax: object keys joined with
 * `.`, array elements as `[]` (`address.street`, `items[].email`, `tags[]`, `[].name` when the
 * value itself is an array). Only leaves (scalars) make a path; objects and arrays are walked.
 */

export type JsonPathSample = {
  path: string;
  /** Leaf values seen at this path (bounded), in sample order. */
  values: unknown[];
  /** JSON types seen at this path: string, number, boolean, null. */
  types: Set<string>;
  /** Sampled documents in which the path occurs at least once. */
  documents: number;
};

export type JsonPathLimits = { maxPaths: number; maxDepth: number; maxValuesPerPath: number };

export const DEFAULT_JSON_PATH_LIMITS: JsonPathLimits = {
  maxPaths: 200,
  maxDepth: 6,
  maxValuesPerPath: 500,
};

/**
 * Walks every sampled JSON document and collects its leaf paths with their values. Bounded:
 * documents with ever-new keys (ids as keys) stop adding paths at `maxPaths`, and nesting
 * deeper than `maxDepth` is not followed.
 */
export function collectJsonPaths(
  samples: unknown[],
  limits: JsonPathLimits = DEFAULT_JSON_PATH_LIMITS,
): JsonPathSample[] {
  const paths = new Map<string, JsonPathSample>();
  for (const document of samples) {
    if (document === null || typeof document !== "object") {
      continue;
    }
    const seen = new Set<string>();
    walk(document, "", 0, (path, value) => {
      let entry = paths.get(path);
      if (!entry) {
        if (paths.size >= limits.maxPaths) {
          return;
        }
        entry = { path, values: [], types: new Set(), documents: 0 };
        paths.set(path, entry);
      }
      entry.types.add(value === null ? "null" : typeof value);
      if (entry.values.length < limits.maxValuesPerPath) {
        entry.values.push(value);
      }
      if (!seen.has(path)) {
        seen.add(path);
        entry.documents += 1;
      }
    });
  }
  return [...paths.values()];

  function walk(
    value: unknown,
    path: string,
    depth: number,
    leaf: (path: string, value: unknown) => void,
  ): void {
    if (Array.isArray(value)) {
      if (depth >= limits.maxDepth) {
        return;
      }
      for (const item of value) {
        walk(item, `${path}[]`, depth + 1, leaf);
      }
      return;
    }
    if (value !== null && typeof value === "object") {
      if (depth >= limits.maxDepth) {
        return;
      }
      for (const [key, child] of Object.entries(value)) {
        walk(child, path ? `${path}.${key}` : key, depth + 1, leaf);
      }
      return;
    }
    if (path) {
      leaf(path, value);
    }
  }
}
