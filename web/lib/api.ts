/**
 * The web apps' API client: Hono's typed client `hc<AppType>` over same-origin fetch, so
 * every call's path, parameters, body and answer type come from the Worker's routes and
 * their valibot schemas (worker/validate.ts) — a changed route fails `npm run typecheck`,
 * not the page. Error bodies (`{ error: { code, message } }`) become a thrown
 * {@link ApiClientError}.
 *
 * `AppType` comes from the Worker's declaration output (`.types/`, written by
 * `npm run typecheck` from tsconfig.worker-types.json): the web tsconfig cannot compile
 * Worker sources. Types only, from there and from protocol/ — importing values would pull
 * valibot into every bundle, including the student page; `hono/client` is a few hundred bytes.
 */
import { type ClientResponse, hc } from "hono/client";
import type { AppType } from "../../.types/worker/app.ts";
import type { ApiErrorBody, ApiErrorCode } from "../../protocol/api.ts";
import { apiErrorText, t } from "../i18n/common.ts";
import { locale } from "../i18n/core.ts";

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

/**
 * The typed client of `/api`, e.g. `call(client.classes[":id"].$get({ param: { id } }))`.
 * Same-origin, with the session cookie.
 */
export const client = hc<AppType>("/", {
  init: { credentials: "same-origin" },
  headers: { accept: "application/json" },
}).api;

/** The body a typed call resolves to: its JSON, `undefined` for a 204. */
export type Body<R> =
  R extends ClientResponse<infer T, infer S, infer _F> ? (S extends 204 ? undefined : T) : never;

/** Await a typed call from {@link client}: resolves to its body, throws ApiClientError. */
export async function call<R extends ClientResponse<unknown, number, string>>(
  request: Promise<R>,
): Promise<Body<R>> {
  let res: Response;
  try {
    res = (await request) as unknown as Response;
  } catch {
    throw new ApiClientError(0, "network", t("common.error.network"));
  }
  return (await settle(res)) as Body<R>;
}

/** A response's body, or its error thrown as an ApiClientError. */
async function settle(res: Response): Promise<unknown> {
  if (res.status === 204) return undefined;
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    // Not JSON (a proxy error page, say): fall through to a generic error below.
  }
  if (res.ok) return data;
  if (isErrorBody(data))
    throw new ApiClientError(res.status, data.error.code, data.error.message, data.error.issues);
  throw new ApiClientError(
    res.status,
    res.status === 401 ? "unauthenticated" : "internal",
    t("common.error.status", { status: res.status }),
  );
}

/** Whether `err` is an API error with one of `codes`. */
export function isApiError(
  err: unknown,
  ...codes: (ApiErrorCode | "network")[]
): err is ApiClientError {
  return err instanceof ApiClientError && (codes.length === 0 || codes.includes(err.code));
}

/**
 * A message fit to show a person for any thrown value, in their language: in English the
 * Worker's own message (it names the field or limit), in other languages the catalog's
 * message for the error code (the Worker speaks English only).
 */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiClientError)
    return locale() === "en" || err.code === "network" ? err.message : apiErrorText(err.code);
  return t("common.error.generic");
}
