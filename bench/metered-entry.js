/**
 * The benchmark's metered entry (`bench:fanout -- --usage <file>`): wraps the app's bundle
 * (copied beside it as `./index.js`) and counts what Cloudflare bills, per runtime process,
 * without touching the app's code:
 *  - Worker requests: calls of the default `fetch` (the Worker's own inbound requests);
 *  - Durable Object requests: every `fetch` or RPC method call made on a stub of a
 *    namespace binding (one billed request each, docs: "every RPC method call on a stub is
 *    its own RPC session") — counted at the caller, so calls between the root and the
 *    shards count whichever process makes them; plus incoming WebSocket messages
 *    (`webSocketMessage` runs) and alarms, counted at the object;
 *  - Durable Object instances (constructor runs) by class, for duration;
 *  - D1 queries, rows read and rows written (from each result's `meta`; `first()` and
 *    `raw()` return no meta, so for those the rows returned stand in for rows read);
 *  - R2 class A / class B operations and Queue messages sent.
 * `GET /__usage` answers the counters as JSON. Plain JS: bench/usage.ts appends it to the
 * bundle and exports what `meter` returns in place of the bundle's own exports.
 */
/**
 * The app's module (`app`: its default export; `mod`: its Durable Object classes) with
 * every billable path counted.
 */
export function meter(app, mod) {
  const usage = {
    workerRequests: 0,
    /** Billed DO requests by callee class and method (`fetch` or the RPC name). */
    doCalls: {},
    /** Incoming WebSocket messages by class. */
    wsMessagesIn: {},
    alarms: {},
    /** Constructor runs by class. */
    instances: {},
    d1: { queries: 0, queriesWithoutMeta: 0, rowsRead: 0, rowsWritten: 0 },
    /**
     * D1 queries by where they were made: `upgrade` (the Worker serving a socket upgrade,
     * `/ws/…`), `mint` (a join ticket, `…/ticket`), `worker` (any other Worker request),
     * or the Durable Object class.
     */
    d1QueriesBy: {},
    r2: { classA: 0, classB: 0 },
    queueMessages: 0,
    /** SQLite-backed Durable Object storage (`ctx.storage.sql.exec` cursors), all classes. */
    doStorage: { rowsRead: 0, rowsWritten: 0 },
    /** Rows written by statement (its first 70 characters): where the writes come from. */
    d1WritesBySql: {},
    doWritesBySql: {},
  };
  const sqlKey = (sql) => String(sql).replace(/\s+/g, " ").trim().slice(0, 70);
  /** Cursors of recent `sql.exec` calls; their row counts are summed once they are consumed. */
  let cursors = [];
  function settleCursors(keep = 0) {
    const done = cursors.length - keep;
    for (let i = 0; i < done; i++) {
      const { c, sql } = cursors[i];
      usage.doStorage.rowsRead += c.rowsRead ?? 0;
      usage.doStorage.rowsWritten += c.rowsWritten ?? 0;
      if (c.rowsWritten) bump(usage.doWritesBySql, sqlKey(sql), c.rowsWritten);
    }
    cursors = cursors.slice(done);
  }
  /** Count the rows a Durable Object's SQL storage reads and writes (billed like D1's). */
  function meterStorage(ctx) {
    try {
      const sql = ctx.storage.sql;
      const exec = sql.exec;
      sql.exec = (...a) => {
        const c = exec.apply(sql, a);
        cursors.push({ c, sql: a[0] });
        // Cursors are consumed in the turn that made them; settle all but the newest.
        if (cursors.length > 4000) settleCursors(100);
        return c;
      };
    } catch {
      // A storage object that cannot be patched: its rows go uncounted (the JSON says 0).
    }
  }
  const bump = (rec, key, n = 1) => {
    rec[key] = (rec[key] ?? 0) + n;
  };

  /** Which class each namespace binding serves (by binding name). */
  const classOf = (binding) =>
    binding === "CLASSROOM"
      ? "Classroom"
      : binding.startsWith("CLASSROOM_SHARD")
        ? "ClassroomShard"
        : binding;

  function meterStub(stub, cls) {
    return new Proxy(stub, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (typeof prop !== "string" || prop === "then" || typeof v !== "function") return v;
        return (...args) => {
          bump(usage.doCalls, `${cls}.${prop}`);
          return Reflect.apply(v, target, args);
        };
      },
    });
  }

  function meterNamespace(ns, cls) {
    return new Proxy(ns, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (prop === "get" || prop === "getByName")
          return (...args) => meterStub(Reflect.apply(v, target, args), cls);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  }

  const unwrap = new WeakMap();
  const sqlOf = new WeakMap();
  function meterResult(res, returnedRows, sql, where) {
    usage.d1.queries++;
    bump(usage.d1QueriesBy, where);
    const meta = res?.meta;
    if (meta && typeof meta.rows_read === "number") {
      usage.d1.rowsRead += meta.rows_read;
      usage.d1.rowsWritten += meta.rows_written ?? 0;
      if (meta.rows_written) bump(usage.d1WritesBySql, sqlKey(sql), meta.rows_written);
    } else {
      usage.d1.queriesWithoutMeta++;
      usage.d1.rowsRead += returnedRows;
    }
    return res;
  }
  function meterStatement(stmt, sql, where) {
    const p = new Proxy(stmt, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (typeof v !== "function") return v;
        switch (prop) {
          case "bind":
            return (...a) => meterStatement(v.apply(target, a), sql, where);
          case "run":
          case "all":
            return async (...a) => meterResult(await v.apply(target, a), 0, sql, where);
          case "first":
            return async (...a) => {
              const r = await v.apply(target, a);
              meterResult(null, r == null ? 0 : 1, sql, where);
              return r;
            };
          case "raw":
            return async (...a) => {
              const r = await v.apply(target, a);
              meterResult(null, Array.isArray(r) ? r.length : 0, sql, where);
              return r;
            };
          default:
            return v.bind(target);
        }
      },
    });
    unwrap.set(p, stmt);
    sqlOf.set(p, sql);
    return p;
  }
  function meterD1(db, where) {
    return new Proxy(db, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (prop === "prepare") return (...a) => meterStatement(v.apply(target, a), a[0], where);
        if (prop === "batch")
          return async (stmts, ...rest) => {
            const results = await v.apply(target, [stmts.map((s) => unwrap.get(s) ?? s), ...rest]);
            for (const [k, r] of results.entries()) meterResult(r, 0, sqlOf.get(stmts[k]), where);
            return results;
          };
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  }

  const R2_CLASS_A = new Set([
    "put",
    "delete",
    "list",
    "createMultipartUpload",
    "resumeMultipartUpload",
  ]);
  const R2_CLASS_B = new Set(["get", "head"]);
  /** `target` with `count(method, args)` called before each of its methods runs. */
  function meterCalls(target, count) {
    return new Proxy(target, {
      get(t, prop) {
        const v = Reflect.get(t, prop);
        if (typeof v !== "function") return v;
        return (...a) => {
          count(prop, a);
          return v.apply(t, a);
        };
      },
    });
  }
  function meterR2(bucket) {
    return meterCalls(bucket, (prop) => {
      if (R2_CLASS_A.has(prop)) usage.r2.classA++;
      else if (R2_CLASS_B.has(prop)) usage.r2.classB++;
    });
  }
  function meterQueue(q) {
    return meterCalls(q, (prop, a) => {
      if (prop === "send") usage.queueMessages++;
      if (prop === "sendBatch") usage.queueMessages += a[0]?.length ?? 0;
    });
  }

  /** The same env with every billable binding metered; `where` names its D1 queries. */
  function meterEnv(env, where) {
    const out = { ...env };
    for (const [k, v] of Object.entries(env)) {
      if (k === "DB") out[k] = meterD1(v, where);
      else if (k === "SLIDES") out[k] = meterR2(v);
      else if (k === "PUSH_QUEUE") out[k] = meterQueue(v);
      else if (k === "CLASSROOM" || k.startsWith("CLASSROOM_SHARD"))
        out[k] = meterNamespace(v, classOf(k));
    }
    return out;
  }

  /** A subclass of an app Durable Object that gets a metered env and counts what runs in it. */
  function meterClass(Base, name) {
    return class extends Base {
      constructor(ctx, env) {
        meterStorage(ctx);
        super(ctx, meterEnv(env, name));
        bump(usage.instances, name);
      }
      webSocketMessage(...a) {
        bump(usage.wsMessagesIn, name);
        return super.webSocketMessage?.(...a);
      }
      alarm(...a) {
        bump(usage.alarms, name);
        return super.alarm?.(...a);
      }
    };
  }

  return {
    Classroom: meterClass(mod.Classroom, "Classroom"),
    ClassroomShard: meterClass(mod.ClassroomShard, "ClassroomShard"),
    default: {
      ...app,
      fetch(req, env, ctx) {
        if (new URL(req.url).pathname === "/__usage") {
          settleCursors();
          return Response.json(usage);
        }
        usage.workerRequests++;
        const path = new URL(req.url).pathname;
        const where = path.startsWith("/ws/")
          ? "upgrade"
          : path.endsWith("/ticket")
            ? "mint"
            : "worker";
        return app.fetch(req, meterEnv(env, where), ctx);
      },
    },
  };
}
