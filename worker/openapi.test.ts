/**
 * The OpenAPI document at `/api/openapi.json` is the app, not a copy: it lists every
 * endpoint the Hono app registers (the same list docs/protocol.md §6 is checked against),
 * each with its path parameters, and the body and query schemas of the validators in front
 * of it; and it is a structurally valid OpenAPI 3.1 document.
 */
import { describe, expect, it } from "vitest";
import { ROOT } from "../scripts/stack.ts";

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: { "application/json": { schema: Record<string, unknown> } } };
  responses: Record<string, unknown>;
  "x-roles"?: string[];
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}
/** Loaded by path: these modules are typed for workerd (tsconfig.json). */
const { app } = (await import(`${ROOT}worker/app.ts`)) as { app: unknown };
const { openApiDocument, openApiPath } = (await import(`${ROOT}worker/openapi.ts`)) as {
  openApiDocument(hono: unknown): Doc;
  openApiPath(path: string): string;
};
const { appRoutes } = (await import(`${ROOT}worker/protocol-doc.ts`)) as {
  appRoutes(hono?: unknown): string[];
};

const doc = openApiDocument(app);
const op = (method: string, path: string) => doc.paths[openApiPath(path)]?.[method.toLowerCase()];

describe("the OpenAPI document", () => {
  it("lists every endpoint of the app (but the page fallback and the API's 404 catch-all)", () => {
    const routes = appRoutes(app).filter((r) => !r.startsWith("ALL ") && !r.endsWith("*"));
    expect(routes.length).toBeGreaterThan(40);
    const missing = routes.filter((r) => {
      const [method, path] = r.split(" ") as [string, string];
      return !op(method, path);
    });
    expect(missing).toEqual([]);
    expect(op("GET", "/api/openapi.json")).toBeDefined();
    const listed = Object.values(doc.paths).reduce((n, p) => n + Object.keys(p).length, 0);
    expect(listed).toBe(routes.length);
  });

  it("is structurally valid OpenAPI 3.1: every path parameter declared, every operation answered", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBeTruthy();
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\//);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, o] of Object.entries(ops)) {
        expect(["get", "post", "put", "patch", "delete", "head", "options"]).toContain(method);
        expect(ids.has(o.operationId), o.operationId).toBe(false);
        ids.add(o.operationId);
        expect(Object.keys(o.responses).length).toBeGreaterThan(0);
        const declared = (o.parameters ?? [])
          .filter((p) => p.in === "path")
          .map((p) => p.name)
          .sort();
        expect(declared, `${method} ${path}`).toEqual(templated);
        for (const p of o.parameters ?? []) {
          expect(["path", "query"]).toContain(p.in);
          expect(typeof p.schema).toBe("object");
          if (p.in === "path") expect(p.required).toBe(true);
        }
        // Every $ref resolves inside the document.
        for (const [, ref] of JSON.stringify(o).matchAll(
          /"\$ref":"#\/components\/schemas\/([^"]+)"/g,
        ))
          expect(doc.components.schemas[ref!], ref).toBeDefined();
      }
    }
    // Serializable as is (what the route sends).
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it("takes bodies, queries and roles from the validators and access middleware", () => {
    const signup = op("POST", "/api/auth/signup")?.requestBody?.content["application/json"].schema;
    expect(signup).toMatchObject({
      type: "object",
      properties: { email: { type: "string" }, password: { type: "string" } },
    });
    const classes = op("GET", "/api/admin/classes");
    expect(classes?.parameters?.find((p) => p.name === "status")?.schema).toMatchObject({
      enum: ["all", "live", "scheduled", "past"],
    });
    expect(classes?.["x-roles"]).toEqual(["admin"]);
    expect(op("POST", "/api/classes")?.["x-roles"]).toEqual(["admin", "teacher"]);
    expect(op("POST", "/api/classes/:id/moderators")?.requestBody).toBeDefined();
    expect(op("GET", "/api/classes/:id/replay/events")?.parameters?.map((p) => p.name)).toEqual([
      "id",
      "after",
      "limit",
    ]);
    expect(op("POST", "/api/bridge/health")?.requestBody).toBeDefined();
  });
});
