/**
 * The web apps' tiny API client: same-origin fetch with JSON in and out. Error
 * bodies (`{ error: { code, message } }`) become a thrown {@link ApiClientError}.
 * Types only from protocol/ — importing its values would pull valibot into every
 * bundle, including the student page.
 */
import type { ApiErrorBody, ApiErrorCode } from "../../protocol/api.ts";

/** A failed API call; `code` is the Worker's stable error code, or `network` when no response came. */
export class ApiClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode | "network",
    message: string,
    readonly issues?: string[],
  ) {
    super(message);
    this.name = "ApiClientError";
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  const e = (body as ApiErrorBody | null)?.error;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.code === "string" &&
    typeof e.message === "string"
  );
}

/** Call `/api${path}`; resolves to the parsed JSON body (or undefined for 204). */
export async function api<T>(
  method: "GET" | "POST" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      credentials: "same-origin",
      headers:
        body === undefined
          ? { accept: "application/json" }
          : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ApiClientError(
      0,
      "network",
      "Could not reach the server. Check your connection and try again.",
    );
  }
  if (res.status === 204) return undefined as T;
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    // Not JSON (a proxy error page, say): fall through to a generic error below.
  }
  if (res.ok) return data as T;
  if (isErrorBody(data))
    throw new ApiClientError(res.status, data.error.code, data.error.message, data.error.issues);
  throw new ApiClientError(
    res.status,
    res.status === 401 ? "unauthenticated" : "internal",
    `Request failed (${res.status}).`,
  );
}

/** Whether `err` is an API error with one of `codes`. */
export function isApiError(
  err: unknown,
  ...codes: (ApiErrorCode | "network")[]
): err is ApiClientError {
  return err instanceof ApiClientError && (codes.length === 0 || codes.includes(err.code));
}

/** A message fit to show a person for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiClientError) return err.message;
  return "Something went wrong. Please try again.";
}
