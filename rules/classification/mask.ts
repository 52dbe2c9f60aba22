import type { Category } from "../../schema/domain/classification.ts";

/**
 * Masked examples for evidence and for the LLM second opinion: enough shape to judge the
 * detector's call (an email's structure, a card's brand digit and last four, a hash's scheme),
 * never enough to recover the value.
 */

const MAX = 48;

function star(s: string, keepStart: number, keepEnd: number): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    const keep = i < keepStart || i >= s.length - keepEnd;
    out += keep || !/[\p{L}\p{N}]/u.test(c) ? c : "*";
  }
  return out;
}

export function maskValue(value: string, category: Category = "none"): string {
  const v = value.length > 200 ? value.slice(0, 200) : value;
  let out: string;
  switch (category) {
    case "email": {
      const at = v.lastIndexOf("@");
      const dot = v.lastIndexOf(".");
      out = at > 0 && dot > at ? `${v[0]}***@${v[at + 1]}***${v.slice(dot)}` : star(v, 1, 0);
      break;
    }
    case "payment_card":
      out = star(v, 1, 4);
      break;
    case "credential": {
      const scheme =
        /^(\$[a-z0-9-]+\$|[a-z]{2,6}_(?:live|test)_|gh[pousr]_|eyJ|AKIA|xox[a-z]-|\\x|pbkdf2_sha\d+\$)/i.exec(
          v,
        );
      out = `${scheme ? scheme[0] : ""}****`;
      break;
    }
    case "phone":
    case "government_id":
    case "bank_account":
      out = star(v, 0, 2);
      break;
    case "free_text_pii":
      out = star(v, 0, 0);
      break;
    default:
      out = star(v, 1, 0);
  }
  return out.length > MAX ? `${out.slice(0, MAX)}…` : out;
}

/** Masks only the entities found in a text, keeping the prose around them readable. */
export function maskSpans(
  text: string,
  spans: { start: number; end: number; category: Category }[],
): string {
  let out = "";
  let pos = 0;
  for (const s of spans) {
    out += `${text.slice(pos, s.start)}[${s.category}]`;
    pos = s.end;
  }
  out += text.slice(pos);
  return out.length > 120 ? `${out.slice(0, 120)}…` : out;
}
