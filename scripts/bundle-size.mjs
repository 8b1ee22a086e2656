// Prints the Worker's size (wasm raw and gzipped, JS glue) and, apart, the static assets served
// beside it; with --check fails when the Worker is over its budget.
//
// The budget is issue 5's: a Worker under 400 KiB gzipped, as `wrangler deploy` counts it (its
// "Total Upload ... gzip" line: the wasm and the JS bundle esbuild makes of build/index.js, minified
// as wrangler.toml asks). This script runs `wrangler deploy --dry-run` to get that very figure. The
// hosted pages' script, style sheet and catalogues are static assets (wrangler.toml [assets]),
// uploaded and served apart, never loaded by the Worker.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { cleanName, crateOf, wasmFunctions } from "./wasm-names.mjs";

const BUDGET_GZIP_KIB = 400;
const root = new URL("..", import.meta.url).pathname;
const kib = (n) => (n / 1024).toFixed(1);

const out = mkdtempSync(join(tmpdir(), "authaz-bundle-"));
let log;
try {
  log = execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const files = readdirSync(out);
  const wasm = readFileSync(join(out, files.find((f) => f.endsWith(".wasm"))));
  const js = readFileSync(join(out, "index.js"));
  console.log(
    `uploaded: wasm ${kib(wasm.length)} KiB raw (${kib(gzipSync(wasm, { level: 9 }).length)} KiB gzip -9); ` +
      `JS bundle ${kib(js.length)} KiB raw (${kib(gzipSync(js, { level: 9 }).length)} KiB gzip -9)`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(log);
if (!m) {
  console.error("wrangler deploy --dry-run printed no upload size:\n" + log);
  process.exit(1);
}
const total = Number(m[2]);
console.log(
  `Worker total gzipped ${m[2]} KiB as wrangler counts it (budget ${BUDGET_GZIP_KIB} KiB: ` +
    (total <= BUDGET_GZIP_KIB ? `${(BUDGET_GZIP_KIB - total).toFixed(2)} KiB to spare)` : `${(total - BUDGET_GZIP_KIB).toFixed(2)} KiB over)`),
);
const assetsDir = join(root, "build/assets");
if (existsSync(assetsDir)) {
  const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [readFileSync(join(d, f))]));
  const files = walk(assetsDir);
  const raw = files.reduce((n, f) => n + f.length, 0);
  const gz = files.reduce((n, f) => n + gzipSync(f, { level: 9 }).length, 0);
  console.log(`static assets (pages' scripts, style, catalogues; not part of the Worker): ${kib(raw)} KiB raw, ${kib(gz)} KiB gzipped`);
}
if (process.argv.includes("--check") && total > BUDGET_GZIP_KIB) {
  console.error(`the Worker is over its budget of ${BUDGET_GZIP_KIB} KiB gzipped`);
  process.exit(1);
}

// --by-crate: code bytes per crate (and the module path below authaz), from the named copy.
if (process.argv.includes("--by-crate")) {
  const named = join(root, "target/worker-names.wasm");
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
