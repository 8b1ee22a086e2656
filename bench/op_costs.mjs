// What one platform operation costs the runtime process under `wrangler dev` (issue 14,
// deliverable 1: where the whole-process CPU goes). A small JS Worker (generated here, with the
// same kinds of bindings as ours: D1, a SQLite Durable Object, the Rate Limiting binding) answers
// one path per operation; each path is driven `OPS_COUNT` times at concurrency 4, and workerd's
// CPU per request (every thread, /proc) is printed minus that of a request doing nothing, as the
// median of `OPS_ROUNDS` interleaved rounds. The isolate's own JS here is a few lines: the figures
// are the cost of the operation in workerd, its local simulators and wrangler's log plumbing.
//   node bench/op_costs.mjs
// Settings: OPS_COUNT (200), OPS_ROUNDS (3), OPS_PATHS (a comma-separated subset of the paths),
// OPS_COMPAT (the compatibility date, default 2025-11-01), OPS_TOML_EXTRA (wrangler.toml lines
// added, e.g. an `[assets]` table on the `assets` directory made here).
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DevServer, applyMigrations, processCpuMs } from "./dev_server.mjs";
import { runPool, median } from "./load.mjs";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const COUNT = Number(process.env.OPS_COUNT ?? 200);
const ROUNDS = Number(process.env.OPS_ROUNDS ?? 3);

const WORKER = `
import { DurableObject } from "cloudflare:workers";
export class Store extends DurableObject {
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/put") {
      await this.ctx.storage.put("entry", await req.text());
      await this.ctx.storage.setAlarm(Date.now() + 900000);
    }
    return new Response(null, { status: 204 });
  }
  async put(text) {
    await this.ctx.storage.put("entry", text);
    await this.ctx.storage.setAlarm(Date.now() + 900000);
  }
  async nothing() {}
  async alarm() { await this.ctx.storage.deleteAll(); }
}
const LINE = JSON.stringify({ event: "ceremony", app: "app_0123456789abcdef", endpoint: "POST /login/complete", result: "ok", error: null, durationMs: 12 });
const stub = (env) => env.STORE.get(env.STORE.idFromName(crypto.randomUUID()));
const pooled = (env) => env.STORE.get(env.STORE.idFromName("pool-" + Math.floor(Math.random() * 16)));
const OPS = {
  "/noop": async () => {},
  "/log": async () => console.log(LINE),
  "/ratelimit": async (env) => { await env.RL.limit({ key: "bench" }); },
  "/do-fetch-empty": async (env) => { await stub(env).fetch("https://do/none", { method: "POST" }); },
  "/do-fetch-put": async (env) => { await stub(env).fetch("https://do/put", { method: "POST", body: "x".repeat(200) }); },
  "/do-pooled-put": async (env) => { await pooled(env).fetch("https://do/put", { method: "POST", body: "x".repeat(200) }); },
  "/do-pooled-empty": async (env) => { await pooled(env).fetch("https://do/none", { method: "POST" }); },
  "/do-rpc-empty": async (env) => { await stub(env).nothing(); },
  "/do-rpc-put": async (env) => { await stub(env).put("x".repeat(200)); },
  "/d1-first": async (env) => { await env.DB.prepare("SELECT id, v FROM t WHERE id = ?").bind(1).first(); },
  "/d1-batch1": async (env) => { await env.DB.batch([env.DB.prepare("SELECT id, v FROM t WHERE id = ?").bind(1)]); },
  "/d1-batch4": async (env) => {
    const s = env.DB.prepare("SELECT id, v FROM t WHERE id = ?");
    await env.DB.batch([s.bind(1), s.bind(2), s.bind(3), s.bind(4)]);
  },
  "/d1-insert": async (env) => { await env.DB.prepare("INSERT INTO w (v) VALUES (?)").bind("x".repeat(100)).run(); },
};
export default {
  async fetch(req, env) {
    const op = OPS[new URL(req.url).pathname];
    if (!op) return new Response("no such op", { status: 404 });
    await op(env);
    return new Response("ok");
  },
};
`;

const TOML = `name = "authaz-op-costs"
main = "worker.mjs"
compatibility_date = "${process.env.OPS_COMPAT ?? "2025-11-01"}"
[[d1_databases]]
binding = "DB"
database_name = "ops"
database_id = "00000000-0000-0000-0000-000000000000"
migrations_dir = "migrations"
[[durable_objects.bindings]]
name = "STORE"
class_name = "Store"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Store"]
[[ratelimits]]
name = "RL"
namespace_id = "7009"
simple = { limit = 100000, period = 60 }
${process.env.OPS_TOML_EXTRA ?? ""}
`;

const dir = mkdtempSync(join(tmpdir(), "authaz-ops-"));
writeFileSync(join(dir, "worker.mjs"), WORKER);
writeFileSync(join(dir, "wrangler.toml"), TOML);
mkdirSync(join(dir, "assets"), { recursive: true });
writeFileSync(join(dir, "assets/page.css"), "body{}");
mkdirSync(join(dir, "migrations"));
writeFileSync(join(dir, "migrations/0001_t.sql"),
  "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO t VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d');\nCREATE TABLE w (id INTEGER PRIMARY KEY, v TEXT);\n");
const config = join(dir, "wrangler.toml");
applyMigrations({ wrangler: WRANGLER, config, stateDir: join(dir, "state"), cwd: dir });
const server = await new DevServer({ wrangler: WRANGLER, config, stateDir: join(dir, "state"), cwd: dir, label: "ops" }).start();
try {
  const all = ["/noop", "/log", "/ratelimit", "/do-fetch-empty", "/do-fetch-put", "/do-pooled-empty", "/do-pooled-put", "/do-rpc-empty", "/do-rpc-put", "/d1-first", "/d1-batch1", "/d1-batch4", "/d1-insert"];
  const paths = process.env.OPS_PATHS ? ["/noop", ...process.env.OPS_PATHS.split(",")] : all;
  const hit = async (path) => {
    const res = await fetch(server.base + path);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    await res.text();
  };
  for (const p of paths) await runPool(Array(20).fill(p), 4, hit); // warm
  const perRequest = new Map(paths.map((p) => [p, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of paths) {
      const cpu0 = processCpuMs(server.workerdPid);
      await runPool(Array(COUNT).fill(p), 4, hit);
      perRequest.get(p).push((processCpuMs(server.workerdPid) - cpu0) / COUNT);
    }
  }
  const base = median(perRequest.get("/noop"));
  console.log(`workerd CPU per request under wrangler dev, ${COUNT} requests x ${ROUNDS} rounds at concurrency 4 (median; the operation alone = minus /noop)`);
  console.log(`${"operation".padEnd(18)}  ${"per request ms".padStart(14)}  ${"operation alone ms".padStart(18)}`);
  for (const p of paths) {
    const m = median(perRequest.get(p));
    console.log(`${p.padEnd(18)}  ${m.toFixed(3).padStart(14)}  ${(p === "/noop" ? "-" : (m - base).toFixed(3)).padStart(18)}`);
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
