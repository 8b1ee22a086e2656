// Prints the Worker's size (wasm raw and gzipped, JS glue) and, apart, the static assets served
// beside it; with --check fails when the Worker is over its budget.
//
// The budget is issue 5's: a Worker under 400 KiB gzipped (wasm + JS: what `wrangler deploy`
// uploads as the script, and what an isolate loads). The hosted pages' script and style sheet are
// static assets (wrangler.toml [assets]), uploaded and served apart, never loaded by the Worker.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { existsSync } from "node:fs";
import { cleanName, crateOf, wasmFunctions } from "./wasm-names.mjs";

const BUDGET_GZIP_KIB = 400;

const wasm = readFileSync(new URL("../build/index_bg.wasm", import.meta.url));
const js = readFileSync(new URL("../build/index.js", import.meta.url));
const kib = (n) => (n / 1024).toFixed(1);
const wasmGz = gzipSync(wasm, { level: 9 }).length;
const jsGz = gzipSync(js, { level: 9 }).length;
const total = wasmGz + jsGz;
console.log(`wasm ${kib(wasm.length)} KiB raw, ${kib(wasmGz)} KiB gzipped; JS ${kib(js.length)} KiB raw, ${kib(jsGz)} KiB gzipped`);
console.log(`Worker total gzipped ${kib(total)} KiB (budget ${BUDGET_GZIP_KIB} KiB: ${total <= BUDGET_GZIP_KIB * 1024 ? `${kib(BUDGET_GZIP_KIB * 1024 - total)} KiB to spare` : `${kib(total - BUDGET_GZIP_KIB * 1024)} KiB over`})`);
const assetsDir = new URL("../build/assets/pages/", import.meta.url);
if (existsSync(assetsDir)) {
  const files = readdirSync(assetsDir).map((f) => readFileSync(new URL(f, assetsDir)));
  const raw = files.reduce((n, f) => n + f.length, 0);
  const gz = files.reduce((n, f) => n + gzipSync(f, { level: 9 }).length, 0);
  console.log(`static assets (pages' script and style, not part of the Worker): ${kib(raw)} KiB raw, ${kib(gz)} KiB gzipped`);
}
if (process.argv.includes("--check") && total > BUDGET_GZIP_KIB * 1024) {
  console.error(`the Worker is over its budget of ${BUDGET_GZIP_KIB} KiB gzipped`);
  process.exit(1);
}

// --by-crate: code bytes per crate (and the module path below authaz), from the named copy.
if (process.argv.includes("--by-crate")) {
  const named = new URL("../target/worker-names.wasm", import.meta.url);
  if (!existsSync(named)) {
    console.error("no target/worker-names.wasm: run bash scripts/build.sh first");
    process.exit(1);
  }
  const { names, sizes } = wasmFunctions(readFileSync(named));
  const groups = new Map();
  let code = 0;
  for (const [index, size] of sizes) {
    const name = names.get(index) ?? "(unnamed)";
    let group = crateOf(name);
    if (group === "authaz") group = cleanName(name).replace(/^<+/, "").split("::").slice(0, 3).join("::").replace(/[<{ ].*$/, "");
    groups.set(group, (groups.get(group) ?? 0) + size);
    code += size;
  }
  console.log(`\ncode section ${kib(code)} KiB raw (the rest of the wasm is data: strings, tables); by crate:`);
  for (const [group, size] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`${kib(size).padStart(8)} KiB  ${group}`);
  }
}
