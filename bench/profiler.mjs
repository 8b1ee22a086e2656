// V8 CPU profiler over the DevTools protocol: the Worker isolate's own CPU time.
//
// `wrangler dev --inspector-port P` serves the user Worker's isolate at ws://127.0.0.1:P/ws
// (found through http://127.0.0.1:P/json). Local D1 runs in a separate isolate and is not seen
// here. The Worker's own Durable Objects (ChallengeStore, RateLimiter) share its isolate in
// workerd, so their JS/wasm time is included.
//
// Counting (see cpuOfProfile): a sample is the Worker's CPU when its leaf frame is JS or wasm
// code (including runtime functions called from JS, such as Response or TextDecoder.decode) or
// "(garbage collector)" (collecting the Worker's garbage is the Worker's work). "(idle)",
// "(root)" and "(program)" (native code with no JS on the stack: workerd's own event loop and
// I/O handling) are not counted; "(program)" is reported apart so the reader can judge.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Profiler {
  static async connect(inspectorPort, { timeoutMs = 30_000 } = {}) {
    const until = Date.now() + timeoutMs;
    let url;
    for (;;) {
      try {
        const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
        url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
        if (url) break;
      } catch {}
      if (Date.now() > until) throw new Error(`no inspector target on port ${inspectorPort}`);
      await sleep(100);
    }
    // The proxy refuses a client that sends a User-Agent but no Origin (as node does).
    const ws = new WebSocket(url, { headers: { origin: "http://localhost" } });
    await new Promise((ok, fail) => {
      ws.addEventListener("open", ok, { once: true });
      ws.addEventListener("error", () => fail(new Error(`inspector websocket ${url} failed`)), { once: true });
    });
    const p = new Profiler(ws);
    await p.send("Profiler.enable");
    await p.send("Profiler.setSamplingInterval", { interval: 100 }); // microseconds
    return p;
  }

  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    ws.addEventListener("message", (ev) => {
      const msg = JSON.parse(typeof ev.data === "string" ? ev.data : Buffer.from(ev.data).toString("utf8"));
      const waiter = msg.id !== undefined && this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.error) waiter.fail(new Error(`${waiter.method}: ${JSON.stringify(msg.error)}`));
      else waiter.ok(msg.result);
    });
  }

  send(method, params = {}, timeoutMs = 60_000) {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        fail(new Error(`${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        ok: (r) => (clearTimeout(timer), ok(r)),
        fail: (e) => (clearTimeout(timer), fail(e)),
      });
    });
  }

  async start() {
    await this.send("Profiler.start");
  }

  /** Stops the profiler and returns the CPU it saw (see cpuOfProfile). */
  async stop(saveAs) {
    const { profile } = await this.send("Profiler.stop");
    if (saveAs && process.env.BENCH_PROFILES) {
      mkdirSync(process.env.BENCH_PROFILES, { recursive: true });
      writeFileSync(join(process.env.BENCH_PROFILES, `${saveAs}.cpuprofile`), JSON.stringify(profile));
    }
    return cpuOfProfile(profile);
  }

  close() {
    try { this.ws.close(); } catch {}
  }
}

/**
 * Classifies each sample by its leaf frame and returns milliseconds per class.
 *
 * workerd's profiler samples only while the isolate is entered: samples come every ~0.15-0.2 ms
 * while the Worker runs and not at all while it waits, so the gap after a sample says nothing
 * about that sample. Each sample therefore counts as the profile's sampling spacing (the median
 * gap between consecutive samples that are less than 1 ms apart).
 */
export function cpuOfProfile(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = profile.samples ?? [];
  const gaps = (profile.timeDeltas ?? []).slice(1).filter((d) => d > 0 && d < 1000).sort((a, b) => a - b);
  const spacingMs = (gaps.length ? gaps[Math.floor(gaps.length / 2)] : 100) / 1000;
  const out = { workerMs: 0, jsMs: 0, wasmMs: 0, gcMs: 0, programMs: 0, idleMs: 0, simulatorMs: 0, samples: samples.length, spacingMs };
  // miniflare wraps each Durable Object class (__mf_do_wrapper.js) and, for every new instance,
  // writes the object's name into its SQLite storage: local-only work, absent on Cloudflare.
  const simulated = new Map();
  const isSimulator = (id) => {
    if (simulated.has(id)) return simulated.get(id);
    const url = nodes.get(id)?.callFrame?.url ?? "";
    const up = parent.get(id);
    const result = url.includes("__mf_do_wrapper") || (up !== undefined && isSimulator(up));
    simulated.set(id, result);
    return result;
  };
  for (const id of samples) {
    const frame = nodes.get(id)?.callFrame ?? {};
    const name = frame.functionName ?? "";
    if (name === "(program)") out.programMs += spacingMs;
    else if (name === "(idle)" || name === "(root)") out.idleMs += spacingMs;
    else if (isSimulator(id)) out.simulatorMs += spacingMs;
    else if (name === "(garbage collector)") out.gcMs += spacingMs;
    else if ((frame.url ?? "").startsWith("wasm://")) out.wasmMs += spacingMs;
    else out.jsMs += spacingMs;
  }
  out.workerMs = out.jsMs + out.wasmMs + out.gcMs;
  out.wallMs = (profile.endTime - profile.startTime) / 1000;
  return out;
}
