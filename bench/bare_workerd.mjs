// First request of a fresh isolate in bare workerd (issue 14, deliverable 2): the built Worker run
// by workerd alone, without wrangler, miniflare or a debugger, as close to production as this
// machine gets. Under `wrangler dev` a profiler or DevTools connects through wrangler's inspector
// proxy, which sends `Debugger.enable`: V8 then swaps the wasm for debug code, and what was
// compiled at start-up (the warm-up in src/edge/mod.rs) is compiled again on the first request.
// This measures, per restart, the whole process's CPU (every thread, /proc/<pid>/task/*/schedstat,
// nanoseconds) from exec to listening (start-up), for the first and the second `GET /healthz`,
// without a debugger and with one enabled (as wrangler dev's proxy does). No binding is
// configured, so only `/healthz` can be served.
//   node bench/bare_workerd.mjs [build dir, default build] [restarts, default 8]
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const build = resolve(process.argv[2] ?? join(root, "build"));
const restarts = Number(process.argv[3] ?? 8);
const workerd = join(root, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
const compatibilityDate = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(join(root, "wrangler.toml"), "utf8"))[1];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

function cpuMs(pid) {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
  }
  return ns / 1e6;
}

async function listening(port, until) {
  for (;;) {
    const up = await new Promise((ok) => {
      const c = connect(port, "127.0.0.1", () => (c.destroy(), ok(true))).on("error", () => ok(false));
    });
    if (up) return;
    if (Date.now() > until) throw new Error(`workerd did not listen on ${port}`);
    await sleep(5);
  }
}

/**
 * Connects to workerd's own inspector and sends `Debugger.enable` (mode "debugger") or starts
 * V8's CPU profiler as the bench does (mode "profiler"); their answers come when the isolate next runs.
 */
async function attach(port, mode) {
  let targets = [];
  for (let i = 0; i < 200 && !targets.length; i++) {
    try {
      targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    } catch {
      await sleep(10);
    }
  }
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl.replace("localhost", "127.0.0.1"));
  await new Promise((ok, fail) => ((ws.onopen = ok), (ws.onerror = fail)));
  const calls = mode === "debugger" ? ["Debugger.enable"] : ["Profiler.enable", "Profiler.start"];
  calls.forEach((method, i) => ws.send(JSON.stringify({ id: i + 1, method, params: {} })));
  return ws;
}

async function once(dir, mode) {
  const [http, inspector] = [await freePort(), await freePort()];
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w) ],
  sockets = [ (name = "http", address = "127.0.0.1:${http}", http = (), service = "main") ],
);
const w :Workerd.Worker = (
  modules = [ (name = "index.js", esModule = embed "index.js"), (name = "index_bg.wasm", wasm = embed "index_bg.wasm") ],
  compatibilityDate = "${compatibilityDate}",
);
`;
  writeFileSync(join(dir, "config.capnp"), config);
  const child = spawn(workerd, ["serve", join(dir, "config.capnp"), `--inspector-addr=127.0.0.1:${inspector}`], { stdio: "ignore" });
  try {
    await listening(http, Date.now() + 20_000);
    const startup = cpuMs(child.pid);
    const ws = mode ? await attach(inspector, mode) : null;
    await sleep(300);
    const get = async () => {
      const before = cpuMs(child.pid);
      const res = await fetch(`http://127.0.0.1:${http}/healthz`);
      if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
      await res.text();
      await sleep(300);
      return cpuMs(child.pid) - before;
    };
    const first = await get();
    const second = await get();
    ws?.close();
    return { startup, first, second };
  } finally {
    child.kill("SIGKILL");
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), "authaz-bare-"));
try {
  for (const f of ["index.js", "index_bg.wasm"]) copyFileSync(join(build, f), join(dir, f));
  const rows = [];
  const modes = [
    ["no debugger (production-like)", null],
    ["Debugger.enable (DevTools attached when the runtime starts)", "debugger"],
    ["Profiler.start (the bench's profiler, no debugger)", "profiler"],
  ];
  for (const [label, mode] of modes) {
    const runs = [];
    for (let i = 0; i < restarts; i++) runs.push(await once(dir, mode));
    const col = (k) => `${median(runs.map((r) => r[k])).toFixed(1)} (${Math.min(...runs.map((r) => r[k])).toFixed(1)}-${Math.max(...runs.map((r) => r[k])).toFixed(1)})`;
    rows.push([label, col("startup"), col("first"), col("second")]);
  }
  console.log(`bare workerd (${workerd.split("/").pop()} ${compatibilityDate}), ${build}, ${restarts} restarts each; whole-process CPU ms, median (min-max)`);
  const header = ["", "start-up (exec to listening)", "first GET /healthz", "second GET /healthz"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i])).join("  "));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
