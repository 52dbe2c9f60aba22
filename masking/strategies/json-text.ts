/**
 * JSON text to values and back without losing numbers: JSON.parse turns 12345678901234567890
 * into 12345678901234567000 and 12.50 into 12.5, and a masked copy must keep every number it
 * does not mask exactly as the source wrote it. Numbers stay their source text (RawNumber);
 * everything else is what JSON.parse gives.
 */

export class RawNumber {
  constructor(readonly text: string) {}
}

export type JsonValue =
  | string
  | boolean
  | null
  | RawNumber
  | JsonValue[]
  | { [key: string]: JsonValue };

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const STRING = /"(?:[^"\\]|\\.)*"/y;
const SPACE = /[ \t\n\r]*/y;

export function parseJsonText(text: string): JsonValue {
  let at = 0;
  const space = () => {
    SPACE.lastIndex = at;
    SPACE.exec(text);
    at = SPACE.lastIndex;
  };
  const fail = (): never => {
    throw new SyntaxError(`invalid JSON at position ${at}`);
  };
  const value = (): JsonValue => {
    space();
    const c = text[at];
    if (c === "{") {
      at++;
      const out: { [key: string]: JsonValue } = {};
      space();
      if (text[at] === "}") {
        at++;
        return out;
      }
      for (;;) {
        space();
        const key = string();
        space();
        if (text[at++] !== ":") {
          fail();
        }
        out[key] = value();
        space();
        const next = text[at++];
        if (next === "}") {
          return out;
        }
        if (next !== ",") {
          fail();
        }
      }
    }
    if (c === "[") {
      at++;
      const out: JsonValue[] = [];
      space();
      if (text[at] === "]") {
        at++;
        return out;
      }
      for (;;) {
        out.push(value());
        space();
        const next = text[at++];
        if (next === "]") {
          return out;
        }
        if (next !== ",") {
          fail();
        }
      }
    }
    if (c === '"') {
      return string();
    }
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (!m) {
      return fail();
    }
    at = NUMBER.lastIndex;
    return new RawNumber(m[0]);
  };
  const string = (): string => {
    STRING.lastIndex = at;
    const m = STRING.exec(text);
    if (!m) {
      return fail();
    }
    at = STRING.lastIndex;
    return JSON.parse(m[0]) as string;
  };
  const out = value();
  space();
  if (at !== text.length) {
    fail();
  }
  return out;
}

export function stringifyJsonText(value: JsonValue): string {
  if (value instanceof RawNumber) {
    return value.text;
  }
  if (Array.isArray(value)) {
    return `[${value.map(stringifyJsonText).join(", ")}]`;
  }
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${stringifyJsonText(v)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value);
}
