// Reads a wasm module's function names (the "name" custom section) and each function body's
// size (the code section). Used by scripts/bundle-size.mjs --by-crate and bench/hotspots.mjs,
// on target/worker-names.wasm: the release build before its name section is stripped (same
// functions, same indices).

function reader(bytes, pos = 0) {
  const r = {
    pos,
    byte: () => bytes[r.pos++],
    u32() {
      let result = 0, shift = 0, b;
      do { b = bytes[r.pos++]; result |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      return result >>> 0;
    },
    name() { const len = r.u32(); const s = new TextDecoder().decode(bytes.subarray(r.pos, r.pos + len)); r.pos += len; return s; },
  };
  return r;
}

/** { names: Map<function index, name>, sizes: Map<function index, body bytes> }. */
export function wasmFunctions(bytes) {
  const names = new Map(), sizes = new Map();
  let imported = 0;
  const r = reader(bytes, 8);
  while (r.pos < bytes.length) {
    const id = r.byte(), size = r.u32(), end = r.pos + size;
    if (id === 2) { // imports: functions among them take the first indices
      for (let n = r.u32(); n > 0; n--) {
        r.name(); r.name();
        const kind = r.byte();
        if (kind === 0) { r.u32(); imported++; }
        else if (kind === 1) { r.byte(); const flags = r.u32(); r.u32(); if (flags & 1) r.u32(); }
        else if (kind === 2) { const flags = r.u32(); r.u32(); if (flags & 1) r.u32(); }
        else if (kind === 3) { r.byte(); r.byte(); }
        else if (kind === 4) { r.byte(); r.u32(); }
      }
    } else if (id === 10) { // code
      const count = r.u32();
      for (let i = 0; i < count; i++) { const len = r.u32(); sizes.set(imported + i, len); r.pos += len; }
    } else if (id === 0 && r.name() === "name") {
      while (r.pos < end) {
        const sub = r.byte(), subSize = r.u32(), subEnd = r.pos + subSize;
        if (sub === 1) for (let n = r.u32(); n > 0; n--) { const idx = r.u32(); names.set(idx, r.name()); }
        r.pos = subEnd;
      }
    }
    r.pos = end;
  }
  return { names, sizes };
}

/** The crate a (demangled, Rust) function name belongs to, as best a name says: the first path
 * segment carrying a crate hash (`authaz[0123abcd]::...`), else the first path segment. */
export function crateOf(name) {
  const hashed = /([A-Za-z_][A-Za-z0-9_]*)\[[0-9a-f]+\]::/.exec(name);
  if (hashed) return hashed[1];
  const plain = /^<*([A-Za-z_][A-Za-z0-9_]*)::/.exec(name);
  if (plain) return plain[1];
  return "(glue, runtime and unnamed)";
}

/** A function name without crate hashes. */
export function cleanName(name) {
  return name.replace(/\[[0-9a-f]+\]/g, "");
}
