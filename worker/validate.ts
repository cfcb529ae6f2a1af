/**
 * Input validation at the edge, as Hono middleware: every route's JSON body, query and
 * path parameters are parsed by a valibot schema (protocol/) before its handler runs,
 * which reads the typed result with `c.req.valid("json" | "query" | "param")`. The same
 * middleware types the route's input for `hc<AppType>` (web/lib/api.ts) and registers the
 * schema for the generated OpenAPI document (worker/openapi.ts), so the contract is
 * written once.
 *
 * Bodies are read as `readJson` always did (whatever the content type, a size cap, then
 * `invalid_json` / `validation_failed`): Hono's own `validator("json")` would hand a
 * body without `content-type: application/json` to the schema as `{}`.
 */
import type { MiddlewareHandler } from "hono";
import * as v from "valibot";
import type { ApiErrorCode } from "../protocol/api.ts";
import { ApiError, MAX_JSON_BYTES } from "./errors.ts";
import type { AppEnv } from "./types.ts";

/** Where a validated input comes from. */
export type InputTarget = "json" | "query" | "param";

/** The schema each validator middleware checks, for the OpenAPI document. */
export const inputSchemas = new WeakMap<
  object,
  { target: InputTarget; schema: v.GenericSchema; code: ApiErrorCode }
>();

function issuesOf(issues: readonly v.BaseIssue<unknown>[], root: string): string[] {
  return issues.map((i) => {
    const path = v.getDotPath(i);
    return path ? `${path}: ${i.message}` : root ? `${root}: ${i.message}` : i.message;
  });
}

function parse<S extends v.GenericSchema>(
  schema: S,
  raw: unknown,
  root: string,
  onError: (issues: string[]) => ApiError,
): v.InferOutput<S> {
  const r = v.safeParse(schema, raw);
  if (!r.success) throw onError(issuesOf(r.issues, root));
  return r.output;
}

const failed = (fallback: string) => (issues: string[]) =>
  new ApiError(400, "validation_failed", issues[0] ?? fallback, issues);

/** Parse and validate a JSON body; throws ApiError (413 / 400 invalid_json / 400 validation_failed). */
export async function readJson<S extends v.GenericSchema>(
  req: Request | { text(): Promise<string> },
  schema: S,
): Promise<v.InferOutput<S>> {
  const text = await req.text();
  if (text.length > MAX_JSON_BYTES)
    throw new ApiError(413, "payload_too_large", "Request body too large.");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "Request body is not valid JSON.");
  }
  return parse(schema, raw, "", failed("Invalid request."));
}

/**
 * The route's JSON body, validated by `schema`; the handler reads `c.req.valid("json")`.
 * `forEnv` (optional) builds the schema a deployment enforces from its env (an allowlist,
 * say); `schema` is then the production one the OpenAPI document describes.
 */
export function jsonBody<S extends v.GenericSchema, P extends string = string>(
  schema: S,
  forEnv?: (env: Env) => S,
): MiddlewareHandler<
  AppEnv,
  P,
  { in: { json: v.InferInput<S> }; out: { json: v.InferOutput<S> } }
> {
  const mw: MiddlewareHandler<AppEnv, P> = async (c, next) => {
    const body = await readJson(c.req, forEnv ? forEnv(c.env) : schema);
    c.req.addValidatedData("json", body as object);
    await next();
  };
  inputSchemas.set(mw, { target: "json", schema, code: "validation_failed" });
  return mw as never;
}

/** The route's query string (first value of each key), validated by `schema` (400 `validation_failed`). */
export function query<S extends v.GenericSchema, P extends string = string>(
  schema: S,
): MiddlewareHandler<
  AppEnv,
  P,
  { in: { query: v.InferInput<S> }; out: { query: v.InferOutput<S> } }
> {
  const mw: MiddlewareHandler<AppEnv, P> = async (c, next) => {
    c.req.addValidatedData(
      "query",
      parse(schema, c.req.query(), "query", failed("Invalid query.")) as object,
    );
    await next();
  };
  inputSchemas.set(mw, { target: "query", schema, code: "validation_failed" });
  return mw as never;
}

/**
 * The route's path parameters, validated by `schema`. A parameter that cannot name anything
 * answers `code` with `message` (404 `not_found` by default, as a lookup of a malformed id
 * always did).
 */
export function params<S extends v.GenericSchema, P extends string = string>(
  schema: S,
  message = "Not found.",
  code: ApiErrorCode = "not_found",
): MiddlewareHandler<AppEnv, P, { out: { param: v.InferOutput<S> } }> {
  const status = code === "not_found" ? 404 : 400;
  const mw: MiddlewareHandler<AppEnv, P> = async (c, next) => {
    c.req.addValidatedData(
      "param",
      parse(schema, c.req.param(), "", () => new ApiError(status, code, message)) as object,
    );
    await next();
  };
  inputSchemas.set(mw, { target: "param", schema, code });
  return mw as never;
}
