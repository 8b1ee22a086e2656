// The benchmark behind bench/run.sh (issue 5, and issue 3's verification timing).
//   node bench/bench.mjs <work dir prepared by bench/run.sh>
// Settings (environment): BENCH_COUNT ceremonies per algorithm and pass (60), BENCH_CONCURRENCY
// (4), BENCH_WARMUP ceremonies per algorithm before measuring (10), BENCH_COLD_REPS restarts per
// first-request figure (3), BENCH_ONLY=ours|peer|verify (all three when unset).
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateKeyPairSync, randomBytes } from "node:crypto";

import { SoftAuthenticator } from "../tests/e2e/soft-authenticator.mjs";
import { freshSecrets, writeDevVars } from "../scripts/make-dev-vars.mjs";
import { DevServer, applyMigrations, processCpuMs } from "./dev_server.mjs";
import { Profiler } from "./profiler.mjs";
import { runPool, percentile, median } from "./load.mjs";
import { AuthazTarget, PeerTarget, ORIGIN } from "./targets.mjs";
import { ALGORITHMS, verifyFixtures } from "./fixtures.mjs";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const WORK = process.argv[2];
if (!WORK || !existsSync(WORK)) {
  console.error("usage: node bench/bench.mjs <work dir> (run bench/run.sh)");
  process.exit(2);
}
const int = (name, dflt, max) => Math.min(max, Math.max(1, Number(process.env[name] ?? dflt) | 0));
const CFG = {
  count: int("BENCH_COUNT", 60, 2000),
  concurrency: int("BENCH_CONCURRENCY", 4, 64),
  warmup: int("BENCH_WARMUP", 10, 200),
  coldReps: int("BENCH_COLD_REPS", 3, 20),
  only: process.env.BENCH_ONLY ?? "",
};
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const STEPS = ["regStart", "regComplete", "loginStart", "loginComplete"];
const log = (...a) => console.error("[bench]", ...a);
const slug = (s) => s.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : "-");

let userCounter = 0;
function newUser(label, alg) {
  const n = ++userCounter;
  return { n, alg, email: `bench-${label}-${n}-${randomBytes(4).toString("hex")}@bench.test`, auth: new SoftAuthenticator({ alg: alg.cose }) };
}

// ---------------------------------------------------------------------------------------------
// Servers

async function startOurs() {
  const dir = join(WORK, "ours");
  const envFile = join(dir, "dev.vars");
  const secrets = freshSecrets();
  writeDevVars(envFile, secrets);
  const config = join(dir, "wrangler.toml");
  applyMigrations({ wrangler: WRANGLER, config, stateDir: join(dir, "state"), cwd: dir });
  const server = await new DevServer({ wrangler: WRANGLER, config, stateDir: join(dir, "state"), envFile, cwd: dir, label: "authaz" }).start();
  const target = new AuthazTarget(server, secrets.AUTHAZ_ADMIN_KEY);
  await target.setup();
  return { server, target };
}

async function startPeer() {
  const dir = join(WORK, "peer");
  mkdirSync(dir, { recursive: true });
  const envFile = join(dir, "dev.vars");
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  writeFileSync(envFile, `PEER_SIGNING_JWK="${Buffer.from(JSON.stringify(jwk)).toString("base64url")}"\nPEER_HMAC_KEY="${randomBytes(32).toString("base64url")}"\n`, { mode: 0o600 });
  const config = join(ROOT, "bench/peers/simplewebauthn/wrangler.toml");
  applyMigrations({ wrangler: WRANGLER, config, stateDir: join(dir, "state"), cwd: dir });
  const server = await new DevServer({ wrangler: WRANGLER, config, stateDir: join(dir, "state"), envFile, cwd: dir, label: "peer" }).start();
  const target = new PeerTarget(server);
  await target.setup();
  return { server, target };
}

// ---------------------------------------------------------------------------------------------
// Ceremonies

async function register(target, user) {
  const options = await target.regStart(user);
  const credential = user.auth.create(options, { origin: ORIGIN, alg: user.alg.cose });
  await target.regComplete(user, credential);
  user.credentialId = credential.id;
}

async function login(target, user) {
  const options = await target.loginStart(user);
  await target.loginComplete(user, user.auth.get(options, { origin: ORIGIN, credentialId: user.credentialId }));
}

/**
 * One measured phase: `task` for every user at the bench's concurrency. With a profiler, the
 * isolate's CPU; always the workerd process's CPU, client latencies and throughput.
 */
async function phase(ctx, endpoint, alg, users, task, profiler) {
  if (profiler) await profiler.start();
  const cpu0 = processCpuMs(ctx.server.workerdPid);
  const { latencies, wallMs } = await runPool(users, CFG.concurrency, task);
  const cpu1 = processCpuMs(ctx.server.workerdPid);
  const prof = profiler ? await profiler.stop(slug(`${ctx.target.name} ${endpoint} ${alg.name}`)) : null;
  const n = users.length;
  return {
    endpoint, alg: alg.name, n,
    isolateMs: prof ? prof.workerMs / n : NaN,
    wasmMs: prof ? prof.wasmMs / n : NaN,
    programMs: prof ? prof.programMs / n : NaN,
    simulatorMs: prof ? prof.simulatorMs / n : NaN,
    workerdMs: (cpu1 - cpu0) / n,
    p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99),
    rps: (n / wallMs) * 1000,
  };
}

/**
 * One pass over every algorithm: registration start/complete then login start/complete, each
 * step a phase of its own. The authenticator's work (key generation, signing) happens between
 * phases, outside the measurement.
 */
async function pass(ctx, label, profiler) {
  const rows = [];
  const { target } = ctx;
  for (const alg of ALGORITHMS) {
    const users = Array.from({ length: CFG.count }, () => newUser(label, alg));
    const regOptions = new Map();
    rows.push(await phase(ctx, target.steps.regStart, alg, users, async (u) => regOptions.set(u, await target.regStart(u)), profiler));
    const regCredentials = new Map(users.map((u) => [u, u.auth.create(regOptions.get(u), { origin: ORIGIN, alg: alg.cose })]));
    rows.push(await phase(ctx, target.steps.regComplete, alg, users, async (u) => {
      await target.regComplete(u, regCredentials.get(u));
      u.credentialId = regCredentials.get(u).id;
    }, profiler));
    const loginOptions = new Map();
    rows.push(await phase(ctx, target.steps.loginStart, alg, users, async (u) => loginOptions.set(u, await target.loginStart(u)), profiler));
    const assertions = new Map(users.map((u) => [u, u.auth.get(loginOptions.get(u), { origin: ORIGIN, credentialId: u.credentialId })]));
    rows.push(await phase(ctx, target.steps.loginComplete, alg, users, (u) => target.loginComplete(u, assertions.get(u)), profiler));
  }
  return rows;
}

/** Warm figures: a warm-up, a profiled pass (isolate CPU) and a clean pass (process CPU, latency, throughput). */
async function warm(ctx, label) {
  log(`${ctx.target.name}: warm-up (${CFG.warmup} ceremonies per algorithm)`);
  for (const alg of ALGORITHMS) {
    const users = Array.from({ length: CFG.warmup }, () => newUser(`${label}-warm`, alg));
    await runPool(users, CFG.concurrency, async (u) => { await register(ctx.target, u); await login(ctx.target, u); });
  }
  log(`${ctx.target.name}: profiled pass (${CFG.count} per algorithm, concurrency ${CFG.concurrency})`);
  const profiler = await Profiler.connect(ctx.server.inspectorPort);
  const profiled = await pass(ctx, `${label}-prof`, profiler);
  profiler.close();
  log(`${ctx.target.name}: clean pass`);
  const clean = await pass(ctx, `${label}-clean`, null);
  return clean.map((row, i) => ({ ...row, isolateMs: profiled[i].isolateMs, wasmMs: profiled[i].wasmMs, programMs: profiled[i].programMs, simulatorMs: profiled[i].simulatorMs }));
}

/**
 * First request of a fresh isolate: the prerequisites of `step` run on the current server, then
 * wrangler dev restarts on the same state (a new workerd, a new isolate), the profiler attaches,
 * and `step` is the first request the new isolate serves.
 */
async function firstRequest(ctx, step, alg) {
  const { target } = ctx;
  const user = newUser("cold", alg);
  let payload;
  if (step === "regComplete") payload = user.auth.create(await target.regStart(user), { origin: ORIGIN, alg: alg.cose });
  if (step === "loginStart" || step === "loginComplete") await register(target, user);
  if (step === "loginComplete") payload = user.auth.get(await target.loginStart(user), { origin: ORIGIN, credentialId: user.credentialId });
  await ctx.server.restart();
  const profiler = await Profiler.connect(ctx.server.inspectorPort);
  await profiler.start();
  const cpu0 = processCpuMs(ctx.server.workerdPid);
  const t0 = performance.now();
  await target[step](user, payload);
  const latency = performance.now() - t0;
  const cpu1 = processCpuMs(ctx.server.workerdPid);
  const prof = await profiler.stop(slug(`${target.name} first ${target.steps[step]} ${alg.name} ${Date.now()}`));
  profiler.close();
  return { isolateMs: prof.workerMs, programMs: prof.programMs, simulatorMs: prof.simulatorMs, workerdMs: cpu1 - cpu0, latency };
}

async function cold(ctx) {
  const rows = [];
  const plan = [
    ...STEPS.map((step) => [step, ALGORITHMS[0]]),
    ...ALGORITHMS.slice(1).flatMap((alg) => [["regComplete", alg], ["loginComplete", alg]]),
  ];
  for (const [step, alg] of plan) {
    log(`${ctx.target.name}: first request ${ctx.target.steps[step]} ${alg.name} (${CFG.coldReps} restarts)`);
    const reps = [];
    for (let i = 0; i < CFG.coldReps; i++) reps.push(await firstRequest(ctx, step, alg));
    rows.push({
      endpoint: ctx.target.steps[step], alg: alg.name, n: reps.length,
      isolateMs: median(reps.map((r) => r.isolateMs)), programMs: median(reps.map((r) => r.programMs)),
      workerdMs: median(reps.map((r) => r.workerdMs)), latency: median(reps.map((r) => r.latency)),
      isolateMsAll: reps.map((r) => r.isolateMs),
    });
  }
  return rows;
}

async function benchTarget(start, label) {
  const ctx = await start();
  try {
    log(`${ctx.target.name}: wrangler dev ready in ${ctx.server.readyMs} ms (workerd pid ${ctx.server.workerdPid})`);
    const warmRows = await warm(ctx, label);
    const coldRows = await cold(ctx);
    return { name: ctx.target.name, steps: ctx.target.steps, warm: warmRows, cold: coldRows };
  } finally {
    await ctx.server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Issue 3: one authentication verification, native / wasm in workerd / WebCrypto in workerd

async function benchVerify() {
  const fixtures = verifyFixtures();
  const fixturesPath = join(WORK, "fixtures.json");
  writeFileSync(fixturesPath, JSON.stringify(fixtures));
  log("verification: native");
  const native = execFileSync(join(WORK, "verify/bench-verify"), [fixturesPath, "300"], { encoding: "utf8" })
    .trim().split("\n").map((l) => JSON.parse(l));
  const us = (alg, mode) => native.find((r) => r.alg === alg && r.mode === mode)?.usPerOp;

  log("verification: wasm and WebCrypto inside workerd");
  const dir = join(WORK, "verify/worker");
  const server = await new DevServer({ wrangler: WRANGLER, config: join(dir, "wrangler.toml"), stateDir: join(dir, "state"), cwd: dir, label: "verify" }).start();
  const rows = [];
  try {
    for (const f of fixtures) {
      const row = { alg: f.alg, nativeFull: us(f.alg, "full"), nativeChecks: us(f.alg, "checks") };
      row.wasmFull = await timeInWorker(server, "/wasm?mode=full", f);
      row.wasmChecks = await timeInWorker(server, "/wasm?mode=checks", f);
      row.webcryptoImportVerify = await timeInWorker(server, "/webcrypto?mode=import", f);
      row.webcryptoVerify = await timeInWorker(server, "/webcrypto?mode=verify", f);
      rows.push(row);
    }
  } finally {
    await server.stop();
  }
  return rows;
}

/**
 * Microseconds per iteration of a loop inside the Worker: the fastest of 5 requests with n
 * iterations minus the fastest of 5 with none, over n; n is sized so a request computes ~300 ms.
 */
async function timeInWorker(server, path, fixture) {
  const body = JSON.stringify(fixture);
  const once = async (n) => {
    const t0 = performance.now();
    const res = await fetch(`${server.base}${path}&n=${n}`, { method: "POST", body });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`);
    return performance.now() - t0;
  };
  const best = async (n) => { let m = Infinity; for (let i = 0; i < 5; i++) m = Math.min(m, await once(n)); return m; };
  await once(50); // compile and tier up
  const base = await best(0);
  const probe = Math.max(0.01, ((await best(20)) - base) / 20);
  const n = Math.min(100_000, Math.max(20, Math.round(300 / probe)));
  return (((await best(n)) - base) / n) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Report

function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  return [`\n${title}`, line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function warmTable(result) {
  return table(
    `${result.name}: warm, per request (mean of ${CFG.count} per algorithm at concurrency ${CFG.concurrency})`,
    ["endpoint", "alg", "isolate CPU ms", "(wasm ms)", "(not counted: miniflare ms)", "workerd CPU ms", "p50 ms", "p95 ms", "p99 ms", "req/s"],
    result.warm.map((r) => [r.endpoint, r.alg, fmt(r.isolateMs, 3), fmt(r.wasmMs, 3), fmt(r.simulatorMs, 3), fmt(r.workerdMs), fmt(r.p50, 1), fmt(r.p95, 1), fmt(r.p99, 1), fmt(r.rps, 0)]),
  );
}

function coldTable(result) {
  return table(
    `${result.name}: first request of a fresh isolate (median of ${CFG.coldReps} restarts)`,
    ["endpoint", "alg", "isolate CPU ms", "(each run)", "workerd CPU ms", "latency ms"],
    result.cold.map((r) => [r.endpoint, r.alg, fmt(r.isolateMs, 2), r.isolateMsAll.map((v) => fmt(v, 1)).join("/"), fmt(r.workerdMs), fmt(r.latency, 1)]),
  );
}

function ceremonyCost(result, alg, steps, key) {
  return steps.reduce((sum, step) => sum + (result.warm.find((r) => r.alg === alg && r.endpoint === result.steps[step])?.[key] ?? NaN), 0);
}

function ratioTable(ours, peer) {
  const rows = [];
  for (const alg of ALGORITHMS.map((a) => a.name)) {
    for (const [name, steps] of [["login", ["loginStart", "loginComplete"]], ["registration", ["regStart", "regComplete"]]]) {
      const oi = ceremonyCost(ours, alg, steps, "isolateMs"), pi = ceremonyCost(peer, alg, steps, "isolateMs");
      const ow = ceremonyCost(ours, alg, steps, "workerdMs"), pw = ceremonyCost(peer, alg, steps, "workerdMs");
      rows.push([name, alg, fmt(oi, 3), fmt(pi, 3), fmt(oi / pi), fmt(ow), fmt(pw), fmt(ow / pw)]);
    }
  }
  return table(
    "Authaz Edge / SimpleWebAuthn peer, CPU per ceremony (start + complete), warm",
    ["ceremony", "alg", "ours isolate ms", "peer isolate ms", "ratio", "ours workerd ms", "peer workerd ms", "ratio"],
    rows,
  );
}

function verifyTable(rows) {
  const t = table(
    "One authentication verification (µs): parse AuthenticationResponseJSON + every check + signature ('full'); without the signature ('checks')",
    ["alg", "", "native full", "native checks", "wasm full", "wasm checks", "WebCrypto import+verify", "WebCrypto verify"],
    rows.map((r) => [r.alg, "", fmt(r.nativeFull, 1), fmt(r.nativeChecks, 1), fmt(r.wasmFull, 1), fmt(r.wasmChecks, 1), fmt(r.webcryptoImportVerify, 1), fmt(r.webcryptoVerify, 1)]),
  );
  const sig = table(
    "The signature check alone (µs): native and wasm = full - checks; WebCrypto = importKey + verify",
    ["alg", "", "native", "wasm in workerd", "WebCrypto in workerd", "wasm / WebCrypto"],
    rows.map((r) => {
      const wasmSig = r.wasmFull - r.wasmChecks;
      return [r.alg, "", fmt(r.nativeFull - r.nativeChecks, 1), fmt(wasmSig, 1), fmt(r.webcryptoImportVerify, 1), fmt(wasmSig / r.webcryptoImportVerify, 1)];
    }),
  );
  const faster = rows.filter((r) => r.webcryptoImportVerify * 1.5 < r.wasmFull - r.wasmChecks).map((r) => r.alg);
  const decision = faster.length
    ? `Decision: WebCrypto (importKey + verify) is clearly faster in workerd for ${faster.join(", ")}: the Worker should check those signatures through crypto.subtle (the pure Rust path stays for native use and tests).`
    : "Decision: WebCrypto is not clearly faster (by 1.5x) for any algorithm: keep the pure Rust signature check in the Worker.";
  return `${t}\n${sig}\n\n${decision}`;
}

function machine() {
  const model = cpus()[0]?.model ?? "unknown CPU";
  const version = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim().split("\n")[0]; } catch { return "?"; } };
  return {
    cpu: `${cpus().length} x ${model}`,
    load: loadavg().map((l) => l.toFixed(2)).join(" "),
    node: process.version,
    wrangler: version(WRANGLER, ["--version"]),
    workerd: version(join(ROOT, "node_modules/.bin/workerd"), ["--version"]),
  };
}

const started = machine();
log(`machine: ${started.cpu}; load average ${started.load}; node ${started.node}; wrangler ${started.wrangler}; ${started.workerd}`);
const results = { config: CFG, machine: started };
if (!CFG.only || CFG.only === "ours") results.ours = await benchTarget(startOurs, "ours");
if (!CFG.only || CFG.only === "peer") results.peer = await benchTarget(startPeer, "peer");
if (!CFG.only || CFG.only === "verify") results.verify = await benchVerify();
results.machineAfter = machine();
writeFileSync(join(WORK, "results.json"), JSON.stringify(results, null, 2));
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));

const out = [];
out.push(`Machine: ${started.cpu}; load average at start ${started.load}, at end ${results.machineAfter.load}`);
out.push(`node ${started.node}, wrangler ${started.wrangler}, ${started.workerd}`);
out.push(`CPU: "isolate" = the Worker isolate's own CPU from V8's profiler (JS + wasm + GC samples; its Durable Objects run in the same isolate and are included, miniflare's Durable Object wrapper is not; local D1 is not); "workerd" = the whole workerd process from /proc (Worker, local D1 and Durable Object simulators, HTTP).`);
for (const r of [results.ours, results.peer].filter(Boolean)) out.push(warmTable(r), coldTable(r));
if (results.ours && results.peer) out.push(ratioTable(results.ours, results.peer));
if (results.verify) out.push(verifyTable(results.verify));
const sizes = join(WORK, "bundle-size.txt");
if (existsSync(sizes)) out.push(`\nBundle (scripts/bundle-size.mjs on the measured build):\n${readFileSync(sizes, "utf8").trim()}`);
console.log(out.join("\n"));
