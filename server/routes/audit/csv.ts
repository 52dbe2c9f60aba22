/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break. A cell a
 * spreadsheet would run as a formula (starting with = + - @, or a tab/CR that hides one) gets a
 * leading apostrophe first (OWASP CSV injection).
 */
export function csvCell(value: unknown): string {
  let text =
    value === null || value === undefined
      ? ""
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  if (/^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: unknown[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
