// Removes from the Worker's JS glue (build/index.js, worker-build's bundle) the classes nothing
// can use, the JS half of scripts/drop-dead-exports.mjs (about 0.85 KiB gzipped of the 400 KiB
// budget): worker's ContainerStartupOptions, MinifyConfig and R2Range, exported from the module
// (the runtime never asks for them: they are neither the entry nor a Durable Object class), and
// wasm_streams' IntoUnderlyingSource/Sink/ByteSource, which only their dispose hooks keep. Their
// exports and `Symbol.dispose` hooks go, the registries that free them are marked pure, and
// esbuild's tree shaking then drops whatever nothing references any more (it keeps anything
// still used). Also the Durable Objects' WebSocket and `connect` methods, whose wasm exports
// drop-dead-exports removed (they would throw if called; neither object takes a WebSocket).
// Fails when the glue's export list is not found (a worker-build of another shape).
// Usage: node scripts/drop-dead-glue.mjs <build/index.js>; rewrites it in place.
import { readFileSync, writeFileSync } from "node:fs";
import { buildSync } from "esbuild";

const file = process.argv[2];
let js = readFileSync(file, "utf8");
const before = js.length;
const DEAD_EXPORTS = ["ContainerStartupOptions", "MinifyConfig", "R2Range"];
const NEVER_MADE = ["intounderlyingbytesource", "intounderlyingsink", "intounderlyingsource"];
const disposeHook = (cls) => `Symbol.dispose&&(${cls}.prototype[Symbol.dispose]=${cls}.prototype.free);`;

const exportList = /export\{([^}]*)\}/.exec(js);
if (!exportList) {
  console.error("drop-dead-glue: no export list in", file);
  process.exit(1);
}
const exported = exportList[1].split(",").map((e) => e.trim().split(/\s+as\s+/));
const dropped = [];
for (const [local, name] of exported.filter(([, n]) => DEAD_EXPORTS.includes(n))) {
  // `X=new Proxy(Class,handler)`, one declarator of a `var` list.
  const decl = new RegExp(`(var |,)${local.replace(/\$/g, "\\$")}=new Proxy\\(([\\w$]+),[\\w$]+\\)(,?)`).exec(js);
  if (!decl) continue;
  js = js.replace(decl[0], decl[1] === "var " ? (decl[3] ? "var " : "") : decl[3] ? "," : "");
  js = js.replace(disposeHook(decl[2]), "");
  dropped.push(name);
}
for (const free of NEVER_MADE) {
  const cls = new RegExp(`var ([\\w$]+)=class\\{__destroy_into_raw\\(\\)\\{[^}]*\\}free\\(\\)\\{[^}]*__wbg_${free}_free\\(`).exec(js)?.[1];
  if (cls && js.includes(disposeHook(cls))) {
    js = js.replace(disposeHook(cls), "");
    dropped.push(`${free} (its dispose hook)`);
  }
}
// `name(args){body}`: the end of the body, strings skipped (the glue's method bodies hold no
// template or regular expression literal).
const bodyEnd = (from) => {
  let depth = 0;
  for (let i = from; i < js.length; i++) {
    const ch = js[i];
    if (ch === '"' || ch === "'") {
      for (i++; js[i] !== ch; i++) if (js[i] === "\\") i++;
    } else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) return i + 1;
  }
  return -1;
};
for (const object of ["challengestore", "ratelimiter"]) {
  for (const method of ["connect", "webSocketClose", "webSocketError", "webSocketMessage"]) {
    const m = new RegExp(`${method}\\([\\w$,]*\\)\\{`, "g");
    const calls = new RegExp(`\\.${object}_\\w+\\(`, "g");
    let at = 0;
    for (;;) {
      m.lastIndex = at;
      const found = m.exec(js);
      if (!found) break;
      const end = bodyEnd(found.index + found[0].length - 1);
      const body = js.slice(found.index, end);
      // Only a body that calls the removed export and no other method's (an end found too far
      // would take the next method with it).
      if (end > 0 && body.includes(`.${object}_${method}(`) && (body.match(calls) ?? []).length === 1) {
        js = js.slice(0, found.index) + js.slice(end);
        dropped.push(`${object}.${method}`);
        break;
      }
      at = found.index + 1;
    }
  }
}
js = js.replace(exportList[0], `export{${exported.filter(([, n]) => !dropped.includes(n)).map(([l, n]) => (l === n ? l : `${l} as ${n}`)).join(",")}}`);
js = js.replaceAll("new FinalizationRegistry(", "/* @__PURE__ */ new FinalizationRegistry(");
const out = buildSync({
  stdin: { contents: js, loader: "js", sourcefile: "index.js" },
  bundle: true, format: "esm", minify: true, treeShaking: true, write: false,
  external: ["*.wasm", "cloudflare:*"],
});
writeFileSync(file, out.outputFiles[0].text);
console.log(`drop-dead-glue: dropped ${dropped.join(", ")}: ${before} -> ${out.outputFiles[0].text.length} bytes`);
