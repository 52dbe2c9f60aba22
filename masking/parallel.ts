/**
 * Where workers take their items from: a list, or a function that hands out the next item (or
 * undefined when there is none) through the asking worker's session, for work found as it goes.
 */
export type ItemSource<T, S> = readonly T[] | ((session: S) => Promise<T | undefined>);

/**
 * Works through `items` with `parallel` workers. Each worker opens what it needs once (`open`:
 * a database session with its temporary functions), handles items one at a time, and closes it
 * at the end. The first failure stops the other workers after their current item, and is
 * thrown once every worker has closed, so none still uses a pool its caller goes on to end.
 */
export async function inParallel<T, S>(
  items: ItemSource<T, S>,
  parallel: number,
  worker: {
    open: () => Promise<S>;
    each: (session: S, item: T) => Promise<void>;
    close: (session: S) => Promise<void>;
  },
): Promise<void> {
  let failed = false;
  const queue = typeof items === "function" ? undefined : [...items];
  const take = async (session: S) =>
    queue ? queue.shift() : await (items as (s: S) => Promise<T | undefined>)(session);
  const run = async () => {
    const session = await worker.open();
    try {
      for (
        let item = await take(session);
        item !== undefined && !failed;
        item = await take(session)
      ) {
        await worker.each(session, item);
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      await worker.close(session);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, parallel) }, run));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure) {
    throw failure.reason;
  }
}
