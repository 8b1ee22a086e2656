// Prints the Worker's size (wasm raw and gzipped, JS glue); with --check fails above the budget.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_GZIP_KIB = 400; // the whole upload (wasm + JS), gzipped

const wasm = readFileSync(new URL("../build/index_bg.wasm", import.meta.url));
const js = readFileSync(new URL("../build/index.js", import.meta.url));
const kib = (n) => (n / 1024).toFixed(1);
const wasmGz = gzipSync(wasm, { level: 9 }).length;
const jsGz = gzipSync(js, { level: 9 }).length;
console.log(`wasm ${kib(wasm.length)} KiB raw, ${kib(wasmGz)} KiB gzipped; JS ${kib(js.length)} KiB raw, ${kib(jsGz)} KiB gzipped`);
console.log(`total gzipped ${kib(wasmGz + jsGz)} KiB (budget ${BUDGET_GZIP_KIB} KiB)`);
if (process.argv.includes("--check") && wasmGz + jsGz > BUDGET_GZIP_KIB * 1024) {
  console.error("over the bundle budget");
  process.exit(1);
}
