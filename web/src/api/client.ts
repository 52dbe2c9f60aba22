/** A failed API call, carrying the server's error model. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    /** The API's `details`: for invalid requests, `{ path, message }` per field. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Dispatched on window when the server no longer knows the session. */
export const SIGNED_OUT = "govern:signed-out";

type ErrorBody = {
  error?: { code?: string; message?: string; requestId?: string; details?: unknown };
};

/**
 * Calls the API with the session cookie. Bodies go as application/json: the server refuses
 * mutations of any other type (its CSRF defence).
 */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? "GET",
    credentials: "same-origin",
    signal: init.signal,
    headers: {
      accept: "application/json",
      // A mutation says JSON even without a body: the server cannot tell an empty DELETE over
      // HTTP/1.1 without Content-Length from one with a body, and refuses any non-JSON body.
      ...(init.body === undefined && (init.method ?? "GET") === "GET"
        ? {}
        : { "content-type": "application/json" }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.status === 401 && !path.startsWith("/api/v1/auth/")) {
    // The session ended (expired, signed out elsewhere, user disabled): back to the sign-in page.
    window.dispatchEvent(new Event(SIGNED_OUT));
  }
  if (!response.ok) {
    const error = (parsed as ErrorBody | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? "http_error",
      error?.message ?? `The server answered ${response.status}.`,
      error?.requestId,
      error?.details,
    );
  }
  return parsed as T;
}

/** `?a=1&b=2` from the defined, non-empty entries. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
