// The bench's counting entry (issue 14, deliverable 1): a Worker module that wraps another one
// (Authaz Edge's build/index.js or the peer's src/index.ts, named by __INNER__, which
// bench/dev_server.mjs `writeCountingEntry` replaces) and counts, by instrumentation, what every
// request does with its bindings:
//   d1        D1 round trips to the primary: a batch is one; prepare().first/run/all/raw each one
//   d1Replica the same through a D1 session (withSession): reads a nearby replica may serve
//   doCalls   Durable Object calls (stub.fetch or an RPC method of a stub)
//   doStorage storage operations inside the Durable Objects (state.storage.*: get, put, delete,
//             setAlarm, deleteAll, ...; each SQL statement, sql.exec, is one; the objects run
//             in this isolate under wrangler dev)
//   rateLimit rate-limit binding calls (CEREMONY_STARTS.limit)
//   mail      send_email calls (EMAIL.send)
// `GET /__counts` answers the counts since the last `GET /__counts` (and resets them) plus the
// last mail's text (so the bench can read a verification code). Only the bench runs this file;
// it is never deployed and changes nothing in the Worker it wraps.
import * as inner from "__INNER__";

const blank = () => ({ d1: 0, d1Replica: 0, doCalls: 0, doStorage: 0, rateLimit: 0, mail: 0, alarmStorage: 0, ops: [] });
let counts = blank();
let lastMail = null;
const note = (kind, what) => {
  counts[kind]++;
  if (counts.ops.length < 64) counts.ops.push(`${kind}:${what}`);
};

// --- D1 -----------------------------------------------------------------------------------------
const realOf = new WeakMap(); // wrapped statement -> the binding's own statement

function wrapStatement(stmt, kind) {
  const wrapped = new Proxy(stmt, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || prop === "constructor") return value;
      if (prop === "bind") return (...args) => wrapStatement(Reflect.apply(value, target, args), kind);
      if (prop === "first" || prop === "run" || prop === "all" || prop === "raw") {
        return (...args) => { note(kind, prop); return Reflect.apply(value, target, args); };
      }
      return value.bind(target);
    },
  });
  realOf.set(wrapped, stmt);
  return wrapped;
}

function wrapDatabase(db, kind) {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || prop === "constructor") return value;
      if (prop === "prepare") return (sql) => wrapStatement(Reflect.apply(value, target, [sql]), kind);
      if (prop === "batch") return (stmts) => { note(kind, `batch(${stmts.length})`); return Reflect.apply(value, target, [stmts.map((s) => realOf.get(s) ?? s)]); };
      if (prop === "exec" || prop === "dump") return (...args) => { note(kind, prop); return Reflect.apply(value, target, args); };
      if (prop === "withSession") return (...args) => wrapDatabase(Reflect.apply(value, target, args), args[0] === "first-primary" ? "d1" : "d1Replica");
      return value.bind(target);
    },
  });
}

// --- Durable Objects ------------------------------------------------------------------------------
function wrapStub(stub, ns) {
  return new Proxy(stub, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof value !== "function" || prop === "then" || typeof prop === "symbol") return value;
      return (...args) => { note("doCalls", `${ns}.${String(prop)}`); return Reflect.apply(value, target, args); };
    },
  });
}

function wrapNamespace(namespace, ns) {
  return new Proxy(namespace, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || prop === "constructor") return value;
      if (prop === "get" || prop === "getByName") return (...args) => wrapStub(Reflect.apply(value, target, args), ns);
      return value.bind(target);
    },
  });
}

// Storage operations an object makes inside its alarm handler (`flags.inAlarm`, set by the
// subclass's alarm()) are no request's: they are counted apart, as alarmStorage.
function wrapStorage(storage, ns, flags) {
  return new Proxy(storage, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      const count = (name) => note(flags.inAlarm ? "alarmStorage" : "doStorage", `${flags.inAlarm ? "alarm " : ""}${ns}.${name}`);
      // The SQLite API (`storage.sql.exec`): each statement is one storage operation.
      if (prop === "sql" && value && typeof value === "object") {
        return new Proxy(value, {
          get(sql, key) {
            const member = Reflect.get(sql, key, sql);
            if (typeof member !== "function") return member;
            return (...args) => { if (key === "exec") count("sql"); return Reflect.apply(member, sql, args); };
          },
        });
      }
      if (typeof value !== "function" || prop === "constructor") return value;
      return (...args) => {
        count(String(prop));
        return Reflect.apply(value, target, args);
      };
    },
  });
}

function wrapState(state, ns, flags = {}) {
  const storage = wrapStorage(state.storage, ns, flags);
  return new Proxy(state, {
    get(target, prop) {
      if (prop === "storage") return storage;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" && prop !== "constructor" ? value.bind(target) : value;
    },
  });
}

// --- the other bindings ---------------------------------------------------------------------------
function wrapCalls(binding, kind, onCall) {
  return new Proxy(binding, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || prop === "constructor") return value;
      return (...args) => { note(kind, String(prop)); onCall?.(args); return Reflect.apply(value, target, args); };
    },
  });
}

function mailText(message) {
  try {
    if (message && typeof message === "object") return [message.subject, message.text, message.html].filter(Boolean).join("\n") || JSON.stringify(message);
  } catch {}
  return String(message);
}

const wrappedEnvs = new WeakMap();
function wrapEnv(env) {
  if (wrappedEnvs.has(env)) return wrappedEnvs.get(env);
  const wrapped = new Proxy(env, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (value === undefined || value === null || typeof value !== "object") return value;
      if (prop === "DB") return wrapDatabase(value, "d1");
      if (prop === "CHALLENGES" || prop === "RATE_LIMITER") return wrapNamespace(value, prop);
      if (prop === "CEREMONY_STARTS") return wrapCalls(value, "rateLimit");
      if (prop === "EMAIL") return wrapCalls(value, "mail", ([message]) => (lastMail = mailText(message)));
      return value;
    },
  });
  wrappedEnvs.set(env, wrapped);
  return wrapped;
}

// --- the entry --------------------------------------------------------------------------------------
const Inner = inner.default;
function handler(name, arg, env, ctx) {
  if (typeof Inner === "function") return new Inner(ctx, wrapEnv(env))[name](arg);
  return Inner[name](arg, wrapEnv(env), ctx);
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/__counts") {
      const body = JSON.stringify({ ...counts, lastMail });
      counts = blank();
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    return handler("fetch", request, env, ctx);
  },
  scheduled(controller, env, ctx) { return handler("scheduled", controller, env, ctx); },
  queue(batch, env, ctx) { return handler("queue", batch, env, ctx); },
};

// The Durable Object classes, as subclasses whose state.storage and env are wrapped (replaced
// per class name by writeCountingEntry).
__DO_CLASSES__
