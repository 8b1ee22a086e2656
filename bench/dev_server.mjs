// Runs a Worker under `wrangler dev` for the bench: its own state directory, secrets file,
// ports and inspector, no build step (the bench builds once and runs a snapshot), restartable on
// the same state (a fresh isolate with the same data), and the workerd process it runs in.
import { spawn, execFileSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * Writes a copy of a wrangler.toml with `main` and `migrations_dir` made absolute and the
 * `[build]` table dropped, so wrangler runs exactly the files given and never rebuilds.
 */
export function writeConfig(srcToml, outPath, { main, migrationsDir, ceremonyStartsLimit }) {
  const out = [];
  let inBuild = false;
  for (const line of readFileSync(srcToml, "utf8").split("\n")) {
    const header = /^\s*\[\[?([^\]]+)\]\]?\s*$/.exec(line);
    if (header) inBuild = header[1].trim() === "build";
    if (inBuild) continue;
    if (/^\s*main\s*=/.test(line)) out.push(`main = ${JSON.stringify(main)}`);
    else if (/^\s*migrations_dir\s*=/.test(line)) out.push(`migrations_dir = ${JSON.stringify(migrationsDir)}`);
    else if (ceremonyStartsLimit && /^\s*simple\s*=\s*\{\s*limit\s*=/.test(line)) out.push(line.replace(/limit\s*=\s*\d+/, `limit = ${ceremonyStartsLimit}`));
    else out.push(line);
  }
  writeFileSync(outPath, out.join("\n"));
  return outPath;
}

export function wranglerEnv() {
  return { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
}

/** `wrangler d1 migrations apply DB --local` into the state directory. */
export function applyMigrations({ wrangler, config, stateDir, cwd, database = "DB" }) {
  execFileSync(wrangler, ["d1", "migrations", "apply", database, "--local", "--config", config, "--persist-to", stateDir],
    { cwd, env: wranglerEnv(), stdio: "pipe" });
}

export class DevServer {
  constructor({ wrangler, config, stateDir, envFile, cwd, label }) {
    Object.assign(this, { wrangler, config, stateDir, envFile, cwd, label });
    this.child = null;
  }

  /** Starts wrangler dev and waits until it says it is ready, without sending a request. */
  async start({ timeoutMs = 180_000 } = {}) {
    this.port = await freePort();
    this.inspectorPort = await freePort();
    const args = ["dev", "--config", this.config, "--port", String(this.port), "--ip", "127.0.0.1",
      "--persist-to", this.stateDir, "--inspector-port", String(this.inspectorPort),
      "--show-interactive-dev-session=false", "--log-level", "info"];
    if (this.envFile) args.push("--env-file", this.envFile);
    const child = spawn(this.wrangler, args, { cwd: this.cwd, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
    this.child = child;
    this.output = "";
    this.exited = null;
    child.stdout.on("data", (d) => (this.output += d));
    child.stderr.on("data", (d) => (this.output += d));
    child.on("exit", (code) => (this.exited = code ?? "signal"));
    const started = Date.now();
    while (!/Ready on http/.test(this.output)) {
      if (this.exited !== null) throw new Error(`${this.label}: wrangler dev exited (${this.exited}):\n${this.output}`);
      if (Date.now() - started > timeoutMs) throw new Error(`${this.label}: not ready after ${timeoutMs} ms:\n${this.output}`);
      await sleep(50);
    }
    this.base = `http://127.0.0.1:${this.port}`;
    this.readyMs = Date.now() - started;
    this.workerdPid = await this.findWorkerd();
    return this;
  }

  /**
   * The workerd process that runs the Worker with its local D1 and Durable Objects: the one with
   * the inspector. (wrangler runs a second workerd, its dev proxy, in front; it is not counted.)
   */
  async findWorkerd() {
    for (let i = 0; i < 100; i++) {
      const pids = descendants(this.child.pid).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd"
            && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--inspector-addr");
        } catch { return false; }
      });
      if (pids.length) return pids[0];
      await sleep(50);
    }
    throw new Error(`${this.label}: no workerd process under wrangler ${this.child.pid}`);
  }

  async stop() {
    const child = this.child;
    if (!child || this.exited !== null) return;
    try { process.kill(-child.pid, "SIGTERM"); } catch {}
    for (let i = 0; i < 100 && this.exited === null; i++) await sleep(50);
    if (this.exited === null) try { process.kill(-child.pid, "SIGKILL"); } catch {}
    for (let i = 0; i < 40 && this.exited === null; i++) await sleep(50);
  }

  async restart() {
    await this.stop();
    return this.start();
  }
}

function descendants(root) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {}
  }
  const out = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift()) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * CPU time (user + system, milliseconds) a process has used so far: the sum over its threads of
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds; the same time as utime + stime in
 * /proc/<pid>/stat, which counts in 10 ms ticks), or /proc/<pid>/stat where schedstat is missing.
 */
export function processCpuMs(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    }
    if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
  } catch {}
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}

const CLOCK_TICKS = (() => {
  try { return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100; } catch { return 100; }
})();

/**
 * Writes the bench's counting entry (bench/count_entry.mjs) into `dir`, wrapping the Worker
 * module `innerPath` and its Durable Object classes `doClasses`; answers the entry's path.
 */
export function writeCountingEntry(dir, innerPath, doClasses, { wrapCtx = false } = {}) {
  const template = readFileSync(new URL("./count_entry.mjs", import.meta.url), "utf8");
  const alarm = `async alarm(...args) { this.__flags.inAlarm = true; try { return await super.alarm(...args); } finally { this.__flags.inAlarm = false; } }`;
  const classes = [`export * from ${JSON.stringify(innerPath)};`, ...doClasses.map((name) =>
    wrapCtx
      // A class on cloudflare:workers' DurableObject: its constructor takes only the real state; `this.ctx` is wrapped after.
      ? `export class ${name} extends inner.${name} { constructor(state, env) { const flags = {}; super(state, wrapEnv(env)); this.__flags = flags; Object.defineProperty(this, "ctx", { value: wrapState(state, ${JSON.stringify(name)}, flags), writable: true, configurable: true }); } ${alarm} }`
      : `export class ${name} extends inner.${name} { constructor(state, env) { const flags = {}; super(wrapState(state, ${JSON.stringify(name)}, flags), wrapEnv(env)); this.__flags = flags; } ${alarm} }`)].join("\n");
  const out = join(dir, "count_entry.mjs");
  writeFileSync(out, template.replaceAll("__INNER__", innerPath).replace("__DO_CLASSES__", classes));
  return out;
}
