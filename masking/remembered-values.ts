/** Characters (of values and results) one memory holds at most before it starts over. */
const REMEMBERED_CHARS = 16 << 20;
/** Lookups after which a memory that found fewer than one value in ten again stops. */
const TRIAL = 4096;

/**
 * `work` remembering its results for recent values, within REMEMBERED_CHARS (`size` says how
 * many characters a result holds). A platform repeats most of its values (a status, a
 * reminder's wording, a provider's metadata): a repeated one then costs a lookup instead of
 * being masked or scanned again. Where values hardly repeat (an audit row's new values) the
 * memory stops after a trial and every value goes to `work`. `work` must be a function of the
 * value alone.
 */
export function rememberedValues<T>(
  work: (text: string) => T,
  size: (result: T) => number,
): (text: string) => T {
  const recent = new Map<string, T>();
  let chars = 0;
  let lookups = 0;
  let hits = 0;
  let remembering = true;
  return (text) => {
    if (!remembering) {
      return work(text);
    }
    let out = recent.get(text);
    if (out === undefined) {
      out = work(text);
      chars += text.length + size(out);
      if (chars > REMEMBERED_CHARS) {
        recent.clear();
        chars = text.length + size(out);
      }
      recent.set(text, out);
    } else {
      hits++;
    }
    if (++lookups === TRIAL && hits * 10 < TRIAL) {
      remembering = false;
      recent.clear();
    }
    return out;
  };
}
