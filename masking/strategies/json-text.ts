/**
 * JSON text rewritten leaf by leaf without losing numbers: JSON.parse turns 12345678901234567890
 * into 12345678901234567000 and 12.50 into 12.5, and a masked copy must keep every number it
 * does not mask exactly as the source wrote it. Numbers stay their source text (RawNumber), and
 * the text between the leaves is copied as it is.
 */

export class RawNumber {
  constructor(readonly text: string) {}
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** A leaf of a JSON text: a string, a number as written, true, false or null. */
export type JsonLeaf = string | RawNumber | boolean | null;

/**
 * Visits a leaf at its path (`a.b`, `items[].email`, `[].line1`) and returns the JSON text that
 * replaces it, or undefined to keep it as written.
 */
export type JsonLeafVisitor = (path: string, leaf: JsonLeaf) => string | undefined;

const LITERALS: [string, JsonLeaf][] = [
  ["true", true],
  ["false", false],
  ["null", null],
];

/** One pass over a JSON text (see rewriteJsonLeaves); one per call, so visits may nest. */
class LeafWalker {
  private at = 0;
  private copied = 0;
  private readonly out: string[] = [];

  constructor(
    private readonly text: string,
    private readonly visit: JsonLeafVisitor,
  ) {}

  run(): string {
    this.value("");
    this.space();
    if (this.at !== this.text.length) {
      this.fail();
    }
    if (this.out.length === 0) {
      return this.text;
    }
    this.out.push(this.text.slice(this.copied));
    return this.out.join("");
  }

  private fail(): never {
    throw new SyntaxError(`invalid JSON at position ${this.at}`);
  }

  // Spaces and strings are scanned by character code: a regular expression's match array per
  // token was most of the garbage a document made.
  private space(): void {
    const { text } = this;
    let at = this.at;
    for (let c = text.charCodeAt(at); c === 32 || c === 10 || c === 13 || c === 9; ) {
      c = text.charCodeAt(++at);
    }
    this.at = at;
  }

  private string(): string {
    const { text } = this;
    const start = this.at;
    if (text.charCodeAt(start) !== 34) {
      this.fail();
    }
    let escaped = false;
    let at = start + 1;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 34) {
        break;
      }
      if (Number.isNaN(c)) {
        this.fail();
      }
      if (c === 92) {
        escaped = true;
        at++;
      }
      at++;
    }
    this.at = at + 1;
    return escaped ? (JSON.parse(text.slice(start, at + 1)) as string) : text.slice(start + 1, at);
  }

  private leaf(path: string, start: number, leaf: JsonLeaf): void {
    const replacement = this.visit(path, leaf);
    if (replacement !== undefined) {
      this.out.push(this.text.slice(this.copied, start), replacement);
      this.copied = this.at;
    }
  }

  private value(path: string): void {
    this.space();
    const { text } = this;
    const c = text[this.at];
    if (c === "{") {
      this.at++;
      this.space();
      if (text[this.at] === "}") {
        this.at++;
        return;
      }
      for (;;) {
        this.space();
        const key = this.string();
        this.space();
        if (text[this.at++] !== ":") {
          this.fail();
        }
        this.value(path === "" ? key : `${path}.${key}`);
        this.space();
        const next = text[this.at++];
        if (next === "}") {
          return;
        }
        if (next !== ",") {
          this.fail();
        }
      }
    }
    if (c === "[") {
      this.at++;
      this.space();
      if (text[this.at] === "]") {
        this.at++;
        return;
      }
      for (;;) {
        this.value(`${path}[]`);
        this.space();
        const next = text[this.at++];
        if (next === "]") {
          return;
        }
        if (next !== ",") {
          this.fail();
        }
      }
    }
    const start = this.at;
    if (c === '"') {
      this.leaf(path, start, this.string());
      return;
    }
    for (const [word, v] of LITERALS) {
      if (text.startsWith(word, start)) {
        this.at += word.length;
        this.leaf(path, start, v);
        return;
      }
    }
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(text);
    if (!m) {
      this.fail();
    }
    this.at = NUMBER.lastIndex;
    this.leaf(path, start, new RawNumber(m[0]));
  }
}

/**
 * Rewrites a JSON text leaf by leaf in one pass, without building the document: each leaf the
 * visitor replaces is swapped for its new text, and everything else (keys, structure, spacing,
 * numbers as written) is copied. Throws SyntaxError on invalid JSON.
 */
export function rewriteJsonLeaves(text: string, visit: JsonLeafVisitor): string {
  return new LeafWalker(text, visit).run();
}

/** The strings and numbers (as written) of a JSON text, in document order. */
export function jsonTextLeaves(text: string): string[] {
  const leaves: string[] = [];
  rewriteJsonLeaves(text, (_path, leaf) => {
    if (typeof leaf === "string") {
      leaves.push(leaf);
    } else if (leaf instanceof RawNumber) {
      leaves.push(leaf.text);
    }
    return undefined;
  });
  return leaves;
}
