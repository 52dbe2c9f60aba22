/**
 * Masked values that keep their original's format (tokenized numbers, phones, streets, IP
 * addresses), as they are computed. At scale one of them now and then equals another person's
 * real value, and the leak scan must know the copy holds that value because masking made it:
 * leak-scan/identifiers.ts computes the images of the source's PII columns, and a masking
 * thread records here what it makes inside free text and JSON. Nothing is recorded unless a
 * recorder is set.
 */
let recorder: ((masked: string) => void) | undefined;

/** Sets (or, with undefined, removes) the recorder of this thread's format-kept values. */
export function recordFormatKept(record: ((masked: string) => void) | undefined): void {
  recorder = record;
}

/** Hands a format-kept masked value to the recorder; returns it. */
export function formatKept(masked: string): string {
  recorder?.(masked);
  return masked;
}
