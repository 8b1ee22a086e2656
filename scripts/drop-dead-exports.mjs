// Removes from the Worker's wasm the exports that nothing can call, so that the next wasm-opt pass
// drops the code behind them (about 6 KiB gzipped of the 400 KiB budget):
// - the classes dependencies export through wasm-bindgen and this Worker never makes: wasm_streams'
//   IntoUnderlyingSource/Sink/ByteSource (stream adapters for Rust streams handed to JavaScript),
//   worker's ContainerStartupOptions, MinifyConfig and R2Range. An instance only ever comes from
//   Rust (the JS glue has no constructor for them), and no code of the Worker makes one: their
//   methods are unreachable. Their JS classes go too (scripts/drop-dead-glue.mjs);
// - the Durable Objects' WebSocket and `connect` handlers: neither object accepts a WebSocket or a
//   socket, so the runtime never calls them.
// Usage: node scripts/drop-dead-exports.mjs <in.wasm> <out.wasm>; prints what it removed.
import binaryen from "binaryen";
import { readFileSync, writeFileSync } from "node:fs";

const DEAD = /^(__wbg_)?((get|set)_)?(intounderlying(byte)?source|intounderlyingsink|containerstartupoptions|minifyconfig|r2range)(_|$)|^(challengestore|ratelimiter)_(connect|webSocketClose|webSocketError|webSocketMessage)$/;

const [input, output] = process.argv.slice(2);
binaryen.setDebugInfo(true); // keep the name section for target/worker-names.wasm
const mod = binaryen.readBinary(readFileSync(input));
mod.setFeatures(binaryen.Features.All);
const dead = [];
for (let i = mod.getNumExports() - 1; i >= 0; i--) {
  const { name } = binaryen.getExportInfo(mod.getExportByIndex(i));
  if (DEAD.test(name)) dead.push(name);
}
for (const name of dead) mod.removeExport(name);
writeFileSync(output, mod.emitBinary());
console.log(`drop-dead-exports: removed ${dead.length} exports (${dead.join(", ")})`);
