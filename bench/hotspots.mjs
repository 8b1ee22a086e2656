// Where a saved V8 CPU profile (bench/run.sh with BENCH_PROFILES=<dir>) spends the Worker's CPU:
//   node bench/hotspots.mjs <file.cpuprofile> [top N] [tree depth]
// Prints the functions with the most self time, then the call tree (total time per frame) down
// to the given depth. Samples are counted as bench/profiler.mjs counts them.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { existsSync } from "node:fs";
import { cpuOfProfile } from "./profiler.mjs";
import { cleanName, wasmFunctions } from "../scripts/wasm-names.mjs";

const [file, topArg = "25", depthArg = "6"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/hotspots.mjs <file.cpuprofile> [top N] [tree depth]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8"));
const summary = cpuOfProfile(profile);
const ms = summary.spacingMs;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// wasm functions by name, from the named copy of the same release build (scripts/build.sh), when
// WASM_NAMES (default target/worker-names.wasm) is that build's.
const namesFile = process.env.WASM_NAMES ?? new URL("../target/worker-names.wasm", import.meta.url).pathname;
const wasmNames = existsSync(namesFile) ? wasmFunctions(readFileSync(namesFile)).names : new Map();
const label = (node) => {
  const f = node.callFrame;
  const index = /^wasm-function\[(\d+)\]$/.exec(f.functionName)?.[1];
  if (index !== undefined && wasmNames.has(Number(index))) return `wasm ${cleanName(wasmNames.get(Number(index))).slice(0, 140)}`;
  const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}:${f.columnNumber + 1}` : "";
  return `${f.functionName || "(anonymous)"} ${where}`.trim();
};
const counted = (node) => !["(program)", "(idle)", "(root)"].includes(node.callFrame.functionName);

const self = new Map();
const total = new Map();
for (const id of profile.samples ?? []) {
  const leaf = nodes.get(id);
  if (!leaf || !counted(leaf)) continue;
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + ms);
  for (let at = id; at !== undefined; at = parent.get(at)) total.set(at, (total.get(at) ?? 0) + ms);
}

console.log(`${basename(file)}: Worker ${summary.workerMs.toFixed(1)} ms (JS ${summary.jsMs.toFixed(1)}, wasm ${summary.wasmMs.toFixed(1)}, GC ${summary.gcMs.toFixed(1)}; (program) ${summary.programMs.toFixed(1)} not counted), ${summary.samples} samples of ${ms.toFixed(3)} ms`);
// What kind of work each counted sample is, by the innermost frame that says so.
const KINDS = [
  ["D1 binding (its JS client)", (f) => (f.url ?? "").includes("d1-api")],
  ["Durable Object storage", (f) => !f.url && ["put", "get", "setAlarm", "deleteAll", "delete", "getAlarm", "exec"].includes(f.functionName)],
  ["fetch (to Durable Objects, D1)", (f) => !f.url && f.functionName === "fetch"],
  ["WebCrypto", (f) => !f.url && ["verify", "sign", "importKey", "digest"].includes(f.functionName)],
  ["JS called by wasm (wasm-bindgen glue, Request/Headers/Response, JSON)", (f) => (f.url ?? "").startsWith("wasm://")],
  ["garbage collector", (f) => f.functionName === "(garbage collector)"],
];
const kinds = new Map();
for (const id of profile.samples ?? []) {
  const leaf = nodes.get(id);
  if (!leaf || !counted(leaf)) continue;
  if ((leaf.callFrame.url ?? "").startsWith("wasm://")) { kinds.set("wasm (own code)", (kinds.get("wasm (own code)") ?? 0) + ms); continue; }
  let kind = "other JS and runtime (bindings glue, Request/Response, JSON, promises)";
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const hit = KINDS.find(([, test]) => test(nodes.get(at).callFrame));
    if (hit) { kind = hit[0]; break; }
  }
  kinds.set(kind, (kinds.get(kind) ?? 0) + ms);
}
console.log("\nby kind:");
for (const [kind, t] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`${t.toFixed(2).padStart(9)} ms  ${kind}`);

console.log(`\nself time, top ${topArg}:`);
for (const [name, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))) console.log(`${t.toFixed(2).padStart(9)} ms  ${name}`);

console.log(`\ncall tree (total ms, >= 2% of the Worker's time), depth ${depthArg}:`);
const floor = summary.workerMs * 0.02;
const walk = (id, depth) => {
  const node = nodes.get(id);
  const t = total.get(id) ?? 0;
  if (depth > 0 && t < floor) return;
  if (depth > 0) console.log(`${t.toFixed(2).padStart(9)} ms  ${"  ".repeat(depth - 1)}${label(node)}`);
  if (depth >= Number(depthArg)) return;
  for (const c of [...(node.children ?? [])].sort((a, b) => (total.get(b) ?? 0) - (total.get(a) ?? 0))) walk(c, depth + 1);
};
walk(profile.nodes[0].id, 0);
