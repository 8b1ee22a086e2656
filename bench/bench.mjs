// The benchmark behind bench/run.sh (issue 5, issue 3's verification timing, issue 14's round
// trips, start-up, idle CPU and ratios; node bench/latency.mjs turns its round-trip counts into
// latencies).
//   node bench/bench.mjs <work dir prepared by bench/run.sh>
// Settings (environment): BENCH_COUNT ceremonies per algorithm and pass (60), BENCH_CONCURRENCY
// (4), BENCH_WARMUP ceremonies per algorithm before measuring (10), BENCH_COLD_REPS restarts per
// first-request figure (3), BENCH_STARTUP_REPS (3), BENCH_IDLE_SECONDS (10), BENCH_ONLY: a comma
// list of ours, peer, verify (all three when unset), BENCH_PHASES: a comma list of idle, warm,
// cold, startup, trips (all when unset), BENCH_COLD_PROFILER=0: first requests without the
// profiler (then only their workerd CPU and latency; V8's profiler, connected through wrangler's
// inspector proxy, makes the first request compile again what start-up compiled: README).
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateKeyPairSync, randomBytes } from "node:crypto";

import { SoftAuthenticator } from "../tests/e2e/soft-authenticator.mjs";
import { freshSecrets, writeDevVars } from "../scripts/make-dev-vars.mjs";
import { DevServer, applyMigrations, processCpuMs, writeConfig, writeCountingEntry } from "./dev_server.mjs";
import { countOurs, countPeer, KINDS } from "./counts.mjs";
import { Profiler } from "./profiler.mjs";
import { runPool, percentile, median } from "./load.mjs";
import { AuthazTarget, PeerTarget, ORIGIN, BENCH_CEREMONY_STARTS_PER_MINUTE } from "./targets.mjs";
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
  startupReps: int("BENCH_STARTUP_REPS", 3, 20),
  idleSeconds: int("BENCH_IDLE_SECONDS", 10, 120),
  only: process.env.BENCH_ONLY ?? "",
  phases: (process.env.BENCH_PHASES ?? "idle,warm,cold,startup,trips").split(","),
  coldProfiler: process.env.BENCH_COLD_PROFILER !== "0",
};
const wanted = (part) => !CFG.only || CFG.only.split(",").includes(part);
const phaseOn = (name) => CFG.phases.includes(name);
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
  const configOf = (name, main) => writeConfig(join(ROOT, "wrangler.toml"), join(dir, name), { main, migrationsDir: join(ROOT, "migrations"), ceremonyStartsLimit: BENCH_CEREMONY_STARTS_PER_MINUTE });
  const doClasses = ["ChallengeStore", "RateLimiter"];
  const config = configOf("wrangler.toml", join(dir, "build/index.js"));
  const variants = {
    counting: configOf("count.toml", writeCountingEntry(dir, join(dir, "build/index.js"), doClasses)),
    empty: configOf("empty.toml", writeEmptyEntry(dir, doClasses)),
  };
  applyMigrations({ wrangler: WRANGLER, config, stateDir: join(dir, "state"), cwd: dir });
  const opts = { wrangler: WRANGLER, stateDir: join(dir, "state"), envFile, cwd: dir };
  const server = await new DevServer({ ...opts, config, label: "authaz" }).start();
  const target = new AuthazTarget(server, secrets.AUTHAZ_ADMIN_KEY);
  await target.setup();
  return { server, target, opts, variants, count: (base) => countOurs(base, target.appId, ALGORITHMS[0], secrets.AUTHAZ_ADMIN_KEY) };
}

/** A Worker that does nothing, with the same bindings and Durable Object classes: the start-up baseline. */
function writeEmptyEntry(dir, doClasses) {
  const path = join(dir, "empty_entry.mjs");
  writeFileSync(path, [`export default { fetch() { return new Response("empty"); } };`,
    ...doClasses.map((name) => `export class ${name} { fetch() { return new Response("empty"); } }`)].join("\n"));
  return path;
}

async function startPeer() {
  const dir = join(WORK, "peer");
  mkdirSync(dir, { recursive: true });
  const envFile = join(dir, "dev.vars");
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  writeFileSync(envFile, `PEER_SIGNING_JWK="${Buffer.from(JSON.stringify(jwk)).toString("base64url")}"\nPEER_HMAC_KEY="${randomBytes(32).toString("base64url")}"\n`, { mode: 0o600 });
  const peerDir = join(ROOT, "bench/peers/simplewebauthn");
  const configOf = (name, main) => writeConfig(join(peerDir, "wrangler.toml"), join(dir, name), { main, migrationsDir: join(peerDir, "migrations") });
  const config = configOf("wrangler.toml", join(peerDir, "src/index.ts"));
  const variants = {
    counting: configOf("count.toml", writeCountingEntry(dir, join(peerDir, "src/index.ts"), ["ChallengeStore"], { wrapCtx: true })),
    empty: configOf("empty.toml", writeEmptyEntry(dir, ["ChallengeStore"])),
  };
  applyMigrations({ wrangler: WRANGLER, config, stateDir: join(dir, "state"), cwd: dir });
  const opts = { wrangler: WRANGLER, stateDir: join(dir, "state"), envFile, cwd: dir };
  const server = await new DevServer({ ...opts, config, label: "peer" }).start();
  const target = new PeerTarget(server);
  await target.setup();
  return { server, target, opts, variants, count: (base) => countPeer(base, ALGORITHMS[0]) };
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
  const profiler = CFG.coldProfiler ? await Profiler.connect(ctx.server.inspectorPort) : null;
  await profiler?.start();
  const cpu0 = processCpuMs(ctx.server.workerdPid);
  const t0 = performance.now();
  await target[step](user, payload);
  const latency = performance.now() - t0;
  const cpu1 = processCpuMs(ctx.server.workerdPid);
  if (!profiler) return { isolateMs: NaN, programMs: NaN, simulatorMs: NaN, workerdMs: cpu1 - cpu0, latency };
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

/**
 * Idle CPU of the runtime process: workerd's CPU over `BENCH_IDLE_SECONDS` with no request, on a
 * fresh start and again after the load (when the Durable Objects' alarms are pending).
 */
async function idleCpu(server) {
  const cpu0 = processCpuMs(server.workerdPid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, CFG.idleSeconds * 1000));
  return ((processCpuMs(server.workerdPid) - cpu0) / (performance.now() - t0)) * 1000;
}

/**
 * Start-up CPU: the workerd process's CPU from its start until wrangler says it is ready (module
 * evaluation and wasm compilation and instantiation happen then: workerd evaluates the module to
 * learn its exports), minus the same for an empty Worker with the same bindings; median of
 * `BENCH_STARTUP_REPS` starts each.
 */
async function startupCpu(ctx) {
  const one = async (config, label) => {
    const server = await new DevServer({ ...ctx.opts, config, label }).start();
    await new Promise((r) => setTimeout(r, 500));
    const ms = processCpuMs(server.workerdPid);
    await server.stop();
    return ms;
  };
  const real = [], empty = [];
  for (let i = 0; i < CFG.startupReps; i++) {
    real.push(await one(ctx.server.config, "startup"));
    empty.push(await one(ctx.variants.empty, "startup-empty"));
  }
  return { realMs: median(real), emptyMs: median(empty), startupMs: median(real) - median(empty), real, empty };
}

/** The round-trip table: the counting entry on the same state, one request at a time. */
async function roundTrips(ctx) {
  const server = await new DevServer({ ...ctx.opts, config: ctx.variants.counting, label: "counting" }).start();
  try {
    return await ctx.count(server.base);
  } finally {
    await server.stop();
  }
}

async function benchTarget(start, label) {
  const ctx = await start();
  try {
    log(`${ctx.target.name}: wrangler dev ready in ${ctx.server.readyMs} ms (workerd pid ${ctx.server.workerdPid})`);
    const idleFresh = phaseOn("idle") ? await idleCpu(ctx.server) : NaN;
    log(`${ctx.target.name}: idle CPU (fresh) ${fmt(idleFresh, 1)} ms/s`);
    const warmRows = phaseOn("warm") ? await warm(ctx, label) : [];
    const idleAfter = phaseOn("idle") ? await idleCpu(ctx.server) : NaN;
    log(`${ctx.target.name}: idle CPU (after the load) ${fmt(idleAfter, 1)} ms/s`);
    const coldRows = phaseOn("cold") ? await cold(ctx) : [];
    await ctx.server.stop();
    log(`${ctx.target.name}: start-up CPU (${CFG.startupReps} starts, and as many of an empty Worker)`);
    const startup = phaseOn("startup") ? await startupCpu(ctx) : { startupMs: NaN, realMs: NaN, emptyMs: NaN, real: [], empty: [] };
    log(`${ctx.target.name}: round trips (counting entry)`);
    const trips = phaseOn("trips") ? await roundTrips(ctx) : null;
    return { name: ctx.target.name, steps: ctx.target.steps, warm: warmRows, cold: coldRows, idle: { fresh: idleFresh, afterLoad: idleAfter }, startup, trips };
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

const PEER_STEP = { "signup/start": "register/start", "signup/complete": "register/complete", "login/start": "login/start", "login/complete": "login/complete" };

function tripsTable(ours, peer) {
  const cells = (r) => (r ? KINDS.map((k) => r[k]) : KINDS.map(() => "-"));
  const header = ["endpoint", "", "D1", "D1 replica", "DO calls", "DO storage", "rate limit", "mail", "| peer endpoint", "D1", "D1 replica", "DO calls", "DO storage", "rate limit", "mail"];
  const rows = (ours?.trips ?? []).map((r) => {
    const p = peer?.trips?.find((q) => q.endpoint === PEER_STEP[r.endpoint]);
    return [r.endpoint, "", ...cells(r), `| ${p ? p.endpoint : ""}`, ...(p ? cells(p) : KINDS.map(() => ""))];
  });
  const detail = (ours?.trips ?? []).map((r) => `  ${r.endpoint}: ${r.ops.join(", ")}`);
  const peerDetail = (peer?.trips ?? []).map((r) => `  peer ${r.endpoint}: ${r.ops.join(", ")}`);
  return `${table("Round trips per request, counted by instrumentation (bench/count_entry.mjs); a D1 batch is one; D1 replica = through a D1 session (withSession), served by a nearby replica in production; an application looked up in the last 30 s is answered from the isolate's cache (0 replica reads), else its lookup is one replica read (the first request, and the 'not cached' row)", header, rows)}\n\nWhat each request did, in order:\n${[...detail, ...peerDetail].join("\n")}`;
}

function ratio(a, b, d = 2) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? fmt(a / b, d) : "-";
}

function coldRatioTable(ours, peer) {
  const rows = ours.cold.map((r) => {
    const p = peer.cold.find((q) => q.alg === r.alg && q.endpoint === PEER_STEP[r.endpoint]);
    return [r.endpoint, r.alg, fmt(r.isolateMs), fmt(p?.isolateMs), ratio(r.isolateMs, p?.isolateMs), fmt(r.workerdMs), fmt(p?.workerdMs), ratio(r.workerdMs, p?.workerdMs)];
  });
  rows.push(["start-up (process CPU to ready, minus an empty Worker's)", "", fmt(ours.startup.startupMs), fmt(peer.startup.startupMs), ratio(ours.startup.startupMs, peer.startup.startupMs), fmt(ours.startup.realMs), fmt(peer.startup.realMs), ratio(ours.startup.realMs, peer.startup.realMs)]);
  return table("Cold: first request of a fresh isolate (isolate CPU ms, workerd CPU ms), and start-up; Authaz Edge / peer",
    ["endpoint", "alg", "ours isolate", "peer isolate", "ratio", "ours workerd", "peer workerd", "ratio"], rows);
}

function throughputTable(ours, peer) {
  const rows = [];
  for (const alg of ALGORITHMS.map((a) => a.name)) {
    for (const step of STEPS) {
      const o = ours.warm.find((r) => r.alg === alg && r.endpoint === ours.steps[step]);
      const p = peer.warm.find((r) => r.alg === alg && r.endpoint === peer.steps[step]);
      rows.push([ours.steps[step], alg, fmt(o?.isolateMs, 3), fmt(p?.isolateMs, 3), ratio(o?.isolateMs, p?.isolateMs), fmt(o?.workerdMs), fmt(p?.workerdMs), ratio(o?.workerdMs, p?.workerdMs), fmt(o?.rps, 0), fmt(p?.rps, 0), ratio(o?.rps, p?.rps)]);
    }
    const cer = (r, steps) => 1000 / steps.reduce((sum, st) => sum + 1000 / (r.warm.find((x) => x.alg === alg && x.endpoint === r.steps[st])?.rps ?? NaN), 0);
    const oc = cer(ours, ["loginStart", "loginComplete"]), pc = cer(peer, ["loginStart", "loginComplete"]);
    rows.push(["login ceremonies/s", alg, "", "", "", "", "", "", fmt(oc, 1), fmt(pc, 1), ratio(oc, pc)]);
  }
  rows.push(["idle workerd CPU ms/s (fresh)", "", "", "", "", fmt(ours.idle.fresh, 1), fmt(peer.idle.fresh, 1), ratio(ours.idle.fresh, peer.idle.fresh), "", "", ""]);
  rows.push(["idle workerd CPU ms/s (after load)", "", "", "", "", fmt(ours.idle.afterLoad, 1), fmt(peer.idle.afterLoad, 1), ratio(ours.idle.afterLoad, peer.idle.afterLoad), "", "", ""]);
  return table(`Warm, per endpoint: Authaz Edge / peer (concurrency ${CFG.concurrency})`,
    ["endpoint", "alg", "ours isolate ms", "peer isolate ms", "ratio", "ours workerd ms", "peer workerd ms", "ratio", "ours req/s", "peer req/s", "ratio"], rows);
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
if (wanted("ours")) results.ours = await benchTarget(startOurs, "ours");
if (wanted("peer")) results.peer = await benchTarget(startPeer, "peer");
if (wanted("verify")) results.verify = await benchVerify();
results.machineAfter = machine();
writeFileSync(join(WORK, "results.json"), JSON.stringify(results, null, 2));
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));

const out = [];
out.push(`Machine: ${started.cpu}; load average at start ${started.load}, at end ${results.machineAfter.load}`);
out.push(`node ${started.node}, wrangler ${started.wrangler}, ${started.workerd}`);
out.push(`CPU: "isolate" = the Worker isolate's own CPU from V8's profiler (JS + wasm + GC samples; its Durable Objects run in the same isolate and are included, miniflare's Durable Object wrapper is not; local D1 is not); "workerd" = the whole workerd process from /proc (Worker, local D1 and Durable Object simulators, HTTP).`);
for (const r of [results.ours, results.peer].filter(Boolean)) out.push(warmTable(r), coldTable(r));
if (results.ours && results.peer) out.push(ratioTable(results.ours, results.peer), throughputTable(results.ours, results.peer), coldRatioTable(results.ours, results.peer));
for (const r of [results.ours, results.peer].filter(Boolean)) out.push(`\n${r.name}: start-up CPU ${fmt(r.startup.startupMs)} ms (workerd to ready ${r.startup.real.map((v) => fmt(v, 0)).join("/")} ms, empty Worker ${r.startup.empty.map((v) => fmt(v, 0)).join("/")} ms); idle workerd CPU ${fmt(r.idle.fresh, 1)} ms/s fresh, ${fmt(r.idle.afterLoad, 1)} ms/s after the load`);
if (results.ours || results.peer) out.push(tripsTable(results.ours, results.peer));
if (results.verify) out.push(verifyTable(results.verify));
if (results.ours?.trips || results.peer?.trips) {
  const trips = join(WORK, "round-trips.json");
  writeFileSync(trips, JSON.stringify({ ours: results.ours?.trips, peer: results.peer?.trips }, null, 2));
  out.push(`\n${execFileSync(process.execPath, [join(ROOT, "bench/latency.mjs"), trips], { encoding: "utf8" }).trim()}`);
}
const sizes = join(WORK, "bundle-size.txt");
if (existsSync(sizes)) out.push(`\nBundle (scripts/bundle-size.mjs on the measured build):\n${readFileSync(sizes, "utf8").trim()}`);
console.log(out.join("\n"));
