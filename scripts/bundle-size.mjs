// Prints the Worker's size (wasm raw and gzipped, JS glue); with --check fails above the ceiling.
//
// TARGET is the performance goal (issue 5: under 400 KiB gzipped, the whole upload). The build is
// not there yet (about 429 KiB), so --check holds the line at CEILING: the bundle may not grow
// past today's size while the work towards TARGET goes on. Lower CEILING with every cut.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { existsSync } from "node:fs";
import { cleanName, crateOf, wasmFunctions } from "./wasm-names.mjs";

const TARGET_GZIP_KIB = 400;
const CEILING_GZIP_KIB = 440;

const wasm = readFileSync(new URL("../build/index_bg.wasm", import.meta.url));
const js = readFileSync(new URL("../build/index.js", import.meta.url));
const kib = (n) => (n / 1024).toFixed(1);
const wasmGz = gzipSync(wasm, { level: 9 }).length;
const jsGz = gzipSync(js, { level: 9 }).length;
const total = wasmGz + jsGz;
console.log(`wasm ${kib(wasm.length)} KiB raw, ${kib(wasmGz)} KiB gzipped; JS ${kib(js.length)} KiB raw, ${kib(jsGz)} KiB gzipped`);
console.log(`total gzipped ${kib(total)} KiB (target ${TARGET_GZIP_KIB} KiB: ${total <= TARGET_GZIP_KIB * 1024 ? "met" : `${kib(total - TARGET_GZIP_KIB * 1024)} KiB over`}; ceiling ${CEILING_GZIP_KIB} KiB)`);
if (process.argv.includes("--check") && total > CEILING_GZIP_KIB * 1024) {
  console.error(`the bundle grew past its ceiling of ${CEILING_GZIP_KIB} KiB gzipped`);
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
