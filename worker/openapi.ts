/**
 * The REST API's OpenAPI 3.1 document, generated from the app itself: every endpoint Hono
 * registers, with its path parameters, query, JSON body and roles taken from the
 * validator and access middleware in front of it (worker/validate.ts, worker/auth/access.ts),
 * the schemas converted by `@valibot/to-json-schema`. Served at `GET /api/openapi.json`
 * and checked by worker/openapi.test.ts, so the document cannot drift from the code.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import type { Hono } from "hono";
import type * as v from "valibot";
import { roleRequirements } from "./auth/access.ts";
import { inputSchemas } from "./validate.ts";

/** A JSON Schema object, as the converter emits it. */
type JsonSchema = Record<string, unknown>;

/** One operation of the document. */
export interface OpenApiOperation {
  operationId: string;
  tags: string[];
  summary: string;
  parameters?: { name: string; in: "path" | "query"; required: boolean; schema: JsonSchema }[];
  requestBody?: { required: true; content: { "application/json": { schema: JsonSchema } } };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
  "x-roles"?: string[];
}

/** The document (the parts this generator writes). */
export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}

const jsonSchema = (schema: v.GenericSchema): JsonSchema => {
  const { $schema: _, ...rest } = toJsonSchema(schema, {
    target: "draft-2020-12",
    typeMode: "input",
    errorMode: "ignore",
  }) as JsonSchema;
  return rest;
};

/** `/api/classes/:id` → `/api/classes/{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

/** Whether middleware registered at `mwPath` runs for an endpoint at `path`. */
function covers(mwPath: string, path: string): boolean {
  if (mwPath === path) return true;
  if (mwPath === "*" || mwPath === "/*") return true;
  return mwPath.endsWith("/*") && path.startsWith(mwPath.slice(0, -1));
}

const ERROR_BODY: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: {
          type: "string",
          description: "A stable error code (protocol/api.ts ApiErrorCode).",
        },
        message: { type: "string", description: "A sentence fit to show a person." },
        issues: { type: "array", items: { type: "string" } },
      },
    },
  },
};

/** Endpoints the document leaves out: the page fallback, and the API's not-found catch-all. */
const skipped = (method: string, path: string) => method === "ALL" || path.endsWith("*");

/** Build the document for `hono` (the Worker's app). */
export function openApiDocument(hono: Pick<Hono, "routes">): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  const middleware = hono.routes.filter((r) => r.handler.length >= 2);
  for (const r of hono.routes) {
    if (r.handler.length >= 2 || skipped(r.method, r.path)) continue;
    const method = r.method.toLowerCase();
    const path = openApiPath(r.path);
    if (paths[path]?.[method]) continue;
    const inputs = middleware
      .filter((m) => (m.method === "ALL" || m.method === r.method) && covers(m.path, r.path))
      .map((m) => m.handler);
    const op: OpenApiOperation = {
      operationId: `${method} ${r.path}`,
      tags: [r.path.split("/").filter((s) => s && s !== "api")[0] ?? "root"],
      summary: `${r.method} ${r.path}`,
      responses: {
        "2XX": { description: "Success." },
        default: {
          description: "An error with a stable code.",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    };
    const roles = inputs.flatMap((h) => roleRequirements.get(h) ?? []);
    if (roles.length > 0) op["x-roles"] = [...new Set(roles)];
    const parameters: NonNullable<OpenApiOperation["parameters"]> = [];
    const paramSchema = inputs.map((h) => inputSchemas.get(h)).find((i) => i?.target === "param");
    const paramProps = (paramSchema ? jsonSchema(paramSchema.schema).properties : {}) as Record<
      string,
      JsonSchema
    >;
    for (const [, name] of r.path.matchAll(/:([A-Za-z0-9_]+)/g))
      parameters.push({
        name: name!,
        in: "path",
        required: true,
        schema: paramProps[name!] ?? { type: "string" },
      });
    for (const h of inputs) {
      const input = inputSchemas.get(h);
      if (!input) continue;
      if (input.target === "query") {
        const s = jsonSchema(input.schema);
        const props = (s.properties ?? {}) as Record<string, JsonSchema>;
        const required = (s.required ?? []) as string[];
        for (const [name, schema] of Object.entries(props))
          parameters.push({ name, in: "query", required: required.includes(name), schema });
      } else if (input.target === "json") {
        op.requestBody = {
          required: true,
          content: { "application/json": { schema: jsonSchema(input.schema) } },
        };
        op.responses["400"] = {
          description: "`invalid_json` or `validation_failed` (with `issues`).",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        };
      }
    }
    if (parameters.length > 0) op.parameters = parameters;
    paths[path] = { ...paths[path], [method]: op };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Mass Class API",
      version: "1",
      description:
        "Generated from the Worker's routes and their valibot schemas; docs/protocol.md §6 says who may call each route and what it answers.",
    },
    paths,
    components: { schemas: { Error: ERROR_BODY } },
  };
}
