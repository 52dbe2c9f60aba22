import { useEffect, useRef, useState } from "react";

/**
 * Calls `onChange` (at most twice a second) when a retention request changes state or
 * progress, from the server's event stream. "polling" while the stream is down: the caller
 * then refreshes on a timer instead.
 */
export function useRetentionEvents(onChange: () => void): "live" | "polling" {
  const [mode, setMode] = useState<"live" | "polling">("live");
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    if (typeof EventSource === "undefined") {
      setMode("polling");
      return;
    }
    let timer: number | undefined;
    const source = new EventSource("/api/v1/events?topics=retention");
    source.addEventListener("ready", () => setMode("live"));
    source.addEventListener("change", () => {
      if (timer === undefined) {
        timer = window.setTimeout(() => {
          timer = undefined;
          callback.current();
        }, 500);
      }
    });
    source.onerror = () => setMode("polling");
    return () => {
      source.close();
      window.clearTimeout(timer);
    };
  }, []);
  return mode;
}
