import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client.ts";

export type ApiState<T> = {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
};

/**
 * GETs `path` whenever it changes (null waits), keeping the previous data while the next page
 * loads so a table does not flash empty; `pollMs` refreshes in the background.
 */
export function useApi<T>(path: string | null, options: { pollMs?: number } = {}): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(path !== null);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const latest = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation is the reload trigger
  useEffect(() => {
    if (path === null) {
      return;
    }
    const ticket = ++latest.current;
    const controller = new AbortController();
    setLoading(true);
    api<T>(path, { signal: controller.signal })
      .then((result) => {
        if (ticket === latest.current) {
          setData(result);
          setError(undefined);
        }
      })
      .catch((caught: Error) => {
        if (ticket === latest.current && caught.name !== "AbortError") {
          setError(caught);
        }
      })
      .finally(() => {
        if (ticket === latest.current) {
          setLoading(false);
        }
      });
    return () => controller.abort();
  }, [path, generation]);

  useEffect(() => {
    if (!options.pollMs || path === null) {
      return;
    }
    const timer = window.setInterval(reload, options.pollMs);
    return () => window.clearInterval(timer);
  }, [options.pollMs, path, reload]);

  return { data, error, loading, reload };
}
