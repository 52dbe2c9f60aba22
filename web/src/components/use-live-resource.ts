import { useCallback, useEffect, useRef, useState } from "react";
import { api, query } from "../api/client.ts";

/** What `GET /api/v1/events` pushes: one change of one piece of running work. */
export type LiveEvent = {
  topic: "jobs" | "datasets" | "retention";
  id: string;
  status: string;
  progress: number | null;
};

export type LiveResource<T> = {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** "live" while the event stream is open, "polling" when it fell back to polling. */
  mode: "live" | "polling";
  /** The latest pushed event that matched (progress between two loads). */
  lastEvent: LiveEvent | undefined;
  reload: () => void;
};

/**
 * Loads `path` and keeps it current: it subscribes to the server's events for `topics` and
 * reloads when one matches (`match`, default any), never with more than one request in flight:
 * changes that arrive meanwhile cause one more load after it, and nothing is cancelled. Where
 * the stream cannot be had (no EventSource, the connection fails), it polls every `fallbackMs`.
 */
export function useLiveResource<T>(
  path: string | null,
  options: {
    topics: LiveEvent["topic"][];
    match?: (event: LiveEvent) => boolean;
    fallbackMs?: number;
  },
): LiveResource<T> {
  const { topics, fallbackMs = 3_000 } = options;
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(path !== null);
  const [mode, setMode] = useState<"live" | "polling">("live");
  const [lastEvent, setLastEvent] = useState<LiveEvent>();
  const match = useRef(options.match);
  match.current = options.match;
  const inFlight = useRef(false);
  const again = useRef(false);
  const current = useRef(path);
  current.current = path;

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
    setLoading(true);
    api<T>(target)
      .then((result) => {
        if (current.current === target) {
          setData(result);
          setError(undefined);
        }
      })
      .catch((caught: Error) => {
        if (current.current === target) {
          setError(caught);
        }
      })
      .finally(() => {
        inFlight.current = false;
        setLoading(false);
        if (again.current) {
          again.current = false;
          load();
        }
      });
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: path is read through `current`
  useEffect(() => {
    setData(undefined);
    load();
  }, [path, load]);

  const topicList = topics.join(",");
  useEffect(() => {
    if (path === null || topicList === "") {
      return;
    }
    let timer: number | undefined;
    const poll = () => {
      setMode("polling");
      if (timer === undefined) {
        timer = window.setInterval(load, fallbackMs);
      }
    };
    if (typeof EventSource === "undefined") {
      poll();
      return () => window.clearInterval(timer);
    }
    const source = new EventSource(`/api/v1/events${query({ topics: topicList })}`);
    source.addEventListener("ready", () => {
      setMode("live");
      if (timer !== undefined) {
        window.clearInterval(timer);
        timer = undefined;
      }
      load(); // whatever changed while the stream was down
    });
    source.addEventListener("change", (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as LiveEvent;
      if (!match.current || match.current(event)) {
        setLastEvent(event);
        load();
      }
    });
    // EventSource retries by itself; until it is back, polling keeps the page current.
    source.onerror = () => poll();
    return () => {
      source.close();
      window.clearInterval(timer);
    };
  }, [path, topicList, fallbackMs, load]);

  return { data, error, loading, mode, lastEvent, reload: load };
}
