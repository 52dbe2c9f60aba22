const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "binary");

/** A binary COPY stream of text tuples, as Postgres sends it (null as a null field). */
export function encodeBinaryCopy(rows: (string | null)[][]): Buffer {
  const parts = [SIGNATURE, Buffer.alloc(8)];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const field of row) {
      const len = Buffer.alloc(4);
      if (field === null) {
        len.writeInt32BE(-1);
        parts.push(len);
      } else {
        const bytes = Buffer.from(field, "utf8");
        len.writeInt32BE(bytes.length);
        parts.push(len, bytes);
      }
    }
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return Buffer.concat(parts);
}
