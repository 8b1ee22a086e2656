// Authentication fixtures for the verification benchmark (issue 3): per algorithm one credential
// made by the software authenticator and one assertion over a fixed challenge, with everything
// a verifier needs (stored COSE key, user handle) and what WebCrypto needs (JWK, the signed
// bytes, the signature). Written as JSON for bench-verify (native), the wasm harness and the
// WebCrypto loop.
import { createHash, createPublicKey, randomBytes } from "node:crypto";
import { SoftAuthenticator, cbor } from "../tests/e2e/soft-authenticator.mjs";

export const ALGORITHMS = [
  { name: "ES256", cose: -7 },
  { name: "EdDSA", cose: -8 },
  { name: "RS256", cose: -257 },
];

export function verifyFixtures({ rpId = "localhost", origin = "http://localhost" } = {}) {
  return ALGORITHMS.map(({ name, cose }) => {
    const auth = new SoftAuthenticator({ alg: cose });
    const userHandle = randomBytes(32).toString("base64url");
    const reg = auth.create({ rp: { id: rpId }, user: { id: userHandle }, challenge: randomBytes(32).toString("base64url") }, { origin });
    const challenge = randomBytes(32).toString("base64url");
    const assertion = auth.get({ rpId, challenge, allowCredentials: [{ id: reg.id, type: "public-key" }] }, { origin });
    const stored = auth.credentials.get(reg.id);
    const authData = Buffer.from(assertion.response.authenticatorData, "base64url");
    const clientData = Buffer.from(assertion.response.clientDataJSON, "base64url");
    return {
      alg: name,
      coseAlg: cose,
      rpId,
      origin,
      challenge,
      userHandle,
      publicKey: cbor(stored.key.cose).toString("base64url"),
      credential: JSON.stringify(assertion),
      jwk: createPublicKey(stored.key.privateKey).export({ format: "jwk" }),
      signedData: Buffer.concat([authData, createHash("sha256").update(clientData).digest()]).toString("base64url"),
      signature: assertion.response.signature,
    };
  });
}
