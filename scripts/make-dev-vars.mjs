// Writes a .dev.vars-style file with fresh local secrets, unless it exists already.
//   node scripts/make-dev-vars.mjs [path]        (default: .dev.vars)
// AUTHAZ_ADMIN_KEY     the operator key (X-API-Key on the admin API)
// AUTHAZ_HMAC_KEY      keys the hashes of API keys, codes and tokens
// AUTHAZ_SIGNING_KEYS  P-256 private scalars (base64url), comma separated: the first signs access
//                      tokens, the others stay in the JWKS during a key rotation
import { existsSync, writeFileSync } from "node:fs";
import { generateKeyPairSync, randomBytes } from "node:crypto";

export function freshSecrets() {
  const signing = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }).d;
  return {
    AUTHAZ_ADMIN_KEY: "op_" + randomBytes(24).toString("base64url"),
    AUTHAZ_HMAC_KEY: randomBytes(32).toString("base64url"),
    AUTHAZ_SIGNING_KEYS: signing,
  };
}

export function writeDevVars(path, secrets) {
  const text = Object.entries(secrets).map(([k, v]) => `${k}="${v}"`).join("\n") + "\n";
  writeFileSync(path, text, { mode: 0o600 });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2] ?? ".dev.vars";
  if (!existsSync(path)) writeDevVars(path, freshSecrets());
}
