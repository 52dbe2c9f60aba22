/**
 * Works through `items` with `parallel` workers. Each worker opens what it needs once (`open`:
 * a database session with its temporary functions), handles items one at a time, and closes it
 * at the end. The first failure stops the other workers after their current item, and is
 * thrown once every worker has closed, so none still uses a pool its caller goes on to end.
 */
export async function inParallel<T, S>(
  items: readonly T[],
  parallel: number,
  worker: {
    open: () => Promise<S>;
    each: (session: S, item: T) => Promise<void>;
    close: (session: S) => Promise<void>;
  },
): Promise<void> {
  const queue = [...items];
  const run = async () => {
    const session = await worker.open();
    try {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        await worker.each(session, item);
      }
    } catch (error) {
      queue.length = 0;
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
