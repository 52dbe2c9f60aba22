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
  const inFlight = useRef(false);
  const again = useRef(false);
  const controller = useRef<AbortController | undefined>(undefined);
  const current = useRef(path);
  current.current = path;

  // A reload while a request is in flight never cancels it: one more load follows it instead (a
  // list refreshed by every pushed event or poll would otherwise abort request after request).
  const load = useCallback(() => {
    const target = current.current;
    if (target === null) {
      return;
    }
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    const ticket = ++latest.current;
    const abort = new AbortController();
    controller.current = abort;
    setLoading(true);
    api<T>(target, { signal: abort.signal })
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
        if (ticket !== latest.current) {
          return; // superseded by another path: its own load runs
        }
        inFlight.current = false;
        setLoading(false);
        if (again.current) {
          again.current = false;
          load();
        }
      });
  }, []);

  // A new path (or leaving the page) does cancel: the old answer is no longer wanted.
  useEffect(() => {
    if (path === null) {
      return;
    }
    load();
    return () => {
      controller.current?.abort();
      latest.current++;
      inFlight.current = false;
      again.current = false;
    };
  }, [path, load]);

  useEffect(() => {
    if (generation) {
      load();
    }
  }, [generation, load]);

  useEffect(() => {
    if (!options.pollMs || path === null) {
      return;
    }
    const timer = window.setInterval(reload, options.pollMs);
    return () => window.clearInterval(timer);
  }, [options.pollMs, path, reload]);

  return { data, error, loading, reload };
}
