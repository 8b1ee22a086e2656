// The verification benchmark inside workerd (issue 3). Bench-only, never deployed.
//   POST /wasm?mode=full|checks&n=N        body: a fixture (bench/fixtures.mjs)
//       N x (parse AuthenticationResponseJSON + verify_authentication | verify_authentication_with a Deferred verifier whose signature check is not run) in wasm
//   POST /webcrypto?mode=import|verify&n=N  body: a fixture
//       N x (importKey + verify) or N x verify with a key imported once, through crypto.subtle
// The client times requests with N and with N = 0 and divides the difference (workerd's clocks
// do not advance during computation, so the Worker cannot time itself).
import { initSync, verify_loop } from "./pkg/authaz_bench_verify.js";
import wasmModule from "./pkg/authaz_bench_verify_bg.wasm";

initSync({ module: wasmModule });

const MAX_N = 200_000;

export default {
  async fetch(req) {
    const url = new URL(req.url);
    const n = Math.min(MAX_N, Math.max(0, Number(url.searchParams.get("n") ?? 1) | 0));
    const mode = url.searchParams.get("mode") ?? "full";
    const text = await req.text();
    try {
      if (url.pathname === "/wasm") {
        verify_loop(text, mode, n);
        return new Response("ok");
      }
      if (url.pathname === "/webcrypto") {
        await webcryptoLoop(JSON.parse(text), mode, n);
        return new Response("ok");
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      return new Response(String(e?.message ?? e), { status: 500 });
    }
  },
};

const PARAMS = {
  ES256: { importAlg: { name: "ECDSA", namedCurve: "P-256" }, verifyAlg: { name: "ECDSA", hash: "SHA-256" } },
  EdDSA: { importAlg: { name: "Ed25519" }, verifyAlg: { name: "Ed25519" } },
  RS256: { importAlg: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verifyAlg: { name: "RSASSA-PKCS1-v1_5" } },
};

async function webcryptoLoop(fixture, mode, n) {
  const params = PARAMS[fixture.alg];
  if (!params) throw new Error(`no WebCrypto parameters for ${fixture.alg}`);
  const data = fromB64u(fixture.signedData);
  const importKey = () => crypto.subtle.importKey("jwk", fixture.jwk, params.importAlg, false, ["verify"]);
  const once = mode === "verify" ? await importKey() : null;
  for (let i = 0; i < n; i++) {
    // As the Worker would: the signature arrives in WebAuthn's encoding (DER for ECDSA).
    const raw = fromB64u(fixture.signature);
    const signature = fixture.alg === "ES256" ? derToP1363(raw, 32) : raw;
    const key = once ?? (await importKey());
    if (!(await crypto.subtle.verify(params.verifyAlg, key, signature, data))) throw new Error("signature did not verify");
  }
}

/** ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) to r || s, each `size` bytes. */
function derToP1363(der, size) {
  let i = 2;
  if (der[0] !== 0x30) throw new Error("not a DER sequence");
  if (der[1] & 0x80) i = 2 + (der[1] & 0x7f);
  const out = new Uint8Array(2 * size);
  for (let part = 0; part < 2; part++) {
    if (der[i] !== 0x02) throw new Error("not a DER integer");
    let len = der[i + 1];
    let start = i + 2;
    i = start + len;
    while (len > size && der[start] === 0) { start++; len--; }
    if (len > size) throw new Error("integer too long");
    out.set(der.subarray(start, start + len), (part + 1) * size - len);
  }
  return out;
}

function fromB64u(text) {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
