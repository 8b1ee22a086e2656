// A software WebAuthn authenticator in node:crypto for tests that a browser will not produce:
// tampered clientDataJSON (wrong origin, wrong type) re-signed with the right key, chosen flags,
// counters that go backwards, EdDSA and RS256 keys. Attestation "none", "packed" self
// attestation, and "android-safetynet" with a given certificate chain and leaf key.
//
//   const auth = new SoftAuthenticator({ alg: -8 });
//   const reg = auth.create(creationOptionsJSON, { origin });          // RegistrationResponseJSON
//   const assertion = auth.get(requestOptionsJSON, { origin });        // AuthenticationResponseJSON
//
// Every option that a test may want to break is a parameter: origin, type, challenge, flags
// (userPresent, userVerified, backupEligible, backedUp), signCount, userHandle, credentialId.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";

const b64u = (bytes) => Buffer.from(bytes).toString("base64url");
const sha256 = (bytes) => createHash("sha256").update(bytes).digest();

/** A minimal CBOR encoder: unsigned/negative integers, byte and text strings, arrays, maps. */
export function cbor(value) {
  const head = (major, n) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
    const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
  };
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") { const s = Buffer.from(value, "utf8"); return Buffer.concat([head(3, s.length), s]); }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  if (value instanceof Map) {
    return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
  }
  throw new Error(`cbor: cannot encode ${typeof value}`);
}

/** A key pair of COSE algorithm `alg` (-7 ES256, -8 EdDSA, -257 RS256) and its COSE_Key. */
function newKey(alg) {
  if (alg === -7) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const cose = new Map([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, "base64url")], [-3, Buffer.from(jwk.y, "base64url")]]);
    return { privateKey, cose, sign: (data) => sign("sha256", data, privateKey) };
  }
  if (alg === -8) {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const jwk = publicKey.export({ format: "jwk" });
    const cose = new Map([[1, 1], [3, -8], [-1, 6], [-2, Buffer.from(jwk.x, "base64url")]]);
    return { privateKey, cose, sign: (data) => sign(null, data, privateKey) };
  }
  if (alg === -257) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = publicKey.export({ format: "jwk" });
    const cose = new Map([[1, 3], [3, -257], [-1, Buffer.from(jwk.n, "base64url")], [-2, Buffer.from(jwk.e, "base64url")]]);
    return { privateKey, cose, sign: (data) => sign("sha256", data, privateKey) };
  }
  throw new Error(`unsupported alg ${alg}`);
}

const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 };

function flagsByte({ userPresent = true, userVerified = true, backupEligible = false, backedUp = false }, attested) {
  return (userPresent ? FLAG.UP : 0) | (userVerified ? FLAG.UV : 0) | (backupEligible ? FLAG.BE : 0)
    | (backedUp ? FLAG.BS : 0) | (attested ? FLAG.AT : 0);
}

function clientData({ type, challenge, origin, crossOrigin = false, extra = {} }) {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin, ...extra }), "utf8");
}

const flipLast = (bytes) => Buffer.from(bytes.map((b, i) => (i === bytes.length - 1 ? b ^ 1 : b)));

/**
 * The attestation statement over `signed` (authenticatorData || clientDataHash): `undefined` for
 * "none"; `{ fmt: "packed", bogusSignature? }` for self attestation by the credential key;
 * `{ fmt: "android-safetynet", x5c: [DER...], leafKey: PKCS#8 DER, timestampMs?, bogusSignature? }`
 * for a SafetyNet JWS (ES256) signed by the leaf's key.
 */
function statement(attestation, key, alg, signed) {
  if (!attestation) return ["none", new Map()];
  if (attestation.fmt === "packed") {
    const sig = key.sign(signed);
    return ["packed", new Map([["alg", alg], ["sig", attestation.bogusSignature ? flipLast(sig) : sig]])];
  }
  if (attestation.fmt === "android-safetynet") {
    const part = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");
    const header = part({ alg: "ES256", x5c: attestation.x5c.map((der) => Buffer.from(der).toString("base64")) });
    const payload = part({
      nonce: sha256(signed).toString("base64"), timestampMs: attestation.timestampMs ?? Date.now(),
      ctsProfileMatch: true, basicIntegrity: true, apkPackageName: "com.google.android.gms",
    });
    const leafKey = createPrivateKey({ key: Buffer.from(attestation.leafKey), format: "der", type: "pkcs8" });
    let sig = sign("sha256", Buffer.from(`${header}.${payload}`), { key: leafKey, dsaEncoding: "ieee-p1363" });
    if (attestation.bogusSignature) sig = flipLast(sig);
    const jws = `${header}.${payload}.${sig.toString("base64url")}`;
    return ["android-safetynet", new Map([["ver", "14366018"], ["response", Buffer.from(jws)]])];
  }
  throw new Error(`soft authenticator: unknown attestation ${JSON.stringify(attestation)}`);
}

export class SoftAuthenticator {
  /** alg: COSE algorithm of new keys; aaguid: 16 bytes; the flags default to a synced passkey's. */
  constructor({ alg = -7, aaguid = Buffer.alloc(16), backupEligible = false, backedUp = false } = {}) {
    this.alg = alg;
    this.aaguid = aaguid;
    this.backupEligible = backupEligible;
    this.backedUp = backedUp;
    /** credential id (base64url) -> { key, rpId, userHandle, signCount } */
    this.credentials = new Map();
  }

  /**
   * navigator.credentials.create() on PublicKeyCredentialCreationOptionsJSON. opts: origin
   * (required), type, challenge, crossOrigin, clientDataExtra, userPresent, userVerified,
   * backupEligible, backedUp, alg, signCount (initial counter), rpId (to hash instead of rp.id),
   * credentialId (base64url: reuse an id, e.g. another user's), attestation (see `statement`),
   * coseKey (a function from the new key's COSE_Key Map to the one to send).
   */
  create(options, opts = {}) {
    const alg = opts.alg ?? this.alg;
    const key = newKey(alg);
    const credentialId = opts.credentialId ? Buffer.from(opts.credentialId, "base64url") : randomBytes(32);
    const rpId = opts.rpId ?? options.rp?.id;
    const signCount = opts.signCount ?? 0;
    const cdj = clientData({
      type: opts.type ?? "webauthn.create", challenge: opts.challenge ?? options.challenge,
      origin: opts.origin, crossOrigin: opts.crossOrigin, extra: opts.clientDataExtra,
    });
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(signCount);
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(credentialId.length);
    const publicKey = cbor(opts.coseKey ? opts.coseKey(new Map(key.cose)) : key.cose);
    const flags = flagsByte({ backupEligible: this.backupEligible, backedUp: this.backedUp, ...opts }, true);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), counter, this.aaguid, idLen, credentialId, publicKey]);
    const [fmt, attStmt] = statement(opts.attestation, key, alg, Buffer.concat([authData, sha256(cdj)]));
    const attestationObject = cbor(new Map([["fmt", fmt], ["attStmt", attStmt], ["authData", authData]]));
    const id = b64u(credentialId);
    this.credentials.set(id, { key, rpId, userHandle: options.user?.id, signCount });
    return {
      id, rawId: id, type: "public-key", authenticatorAttachment: "platform", clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(cdj), attestationObject: b64u(attestationObject), transports: ["internal"],
        authenticatorData: b64u(authData), publicKeyAlgorithm: alg,
      },
    };
  }

  /**
   * navigator.credentials.get() on PublicKeyCredentialRequestOptionsJSON. opts: origin (required),
   * credentialId (default: the first allowed one this authenticator holds, else the newest for the
   * rpId), type, challenge, crossOrigin, clientDataExtra, userPresent, userVerified, backupEligible,
   * backedUp, signCount (default: previous + 1), userHandle (null to omit), rpId (to hash instead of
   * the request's rpId; the credential is still the one registered for the request's), bogusSignature,
   * signedDataExtra (bytes signed after the data, so the signature is valid but over other data).
   */
  get(options, opts = {}) {
    const rpId = opts.rpId ?? options.rpId;
    const allowed = (options.allowCredentials ?? []).map((c) => c.id).filter((id) => this.credentials.has(id));
    const mine = [...this.credentials].filter(([, c]) => c.rpId === options.rpId).map(([id]) => id);
    const id = opts.credentialId ?? allowed[0] ?? mine[mine.length - 1];
    const cred = this.credentials.get(id);
    if (!cred) throw new Error("soft authenticator: no credential for this request");
    cred.signCount = opts.signCount ?? cred.signCount + 1;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(cred.signCount);
    const flags = flagsByte({ backupEligible: this.backupEligible, backedUp: this.backedUp, ...opts }, false);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), counter]);
    const cdj = clientData({
      type: opts.type ?? "webauthn.get", challenge: opts.challenge ?? options.challenge,
      origin: opts.origin, crossOrigin: opts.crossOrigin, extra: opts.clientDataExtra,
    });
    let signature = cred.key.sign(Buffer.concat([authData, sha256(cdj), opts.signedDataExtra ?? Buffer.alloc(0)]));
    if (opts.bogusSignature) signature = Buffer.from(signature.map((b, i) => (i === signature.length - 1 ? b ^ 1 : b)));
    const userHandle = opts.userHandle === undefined ? cred.userHandle : opts.userHandle;
    return {
      id, rawId: id, type: "public-key", authenticatorAttachment: "platform", clientExtensionResults: {},
      response: {
        clientDataJSON: b64u(cdj), authenticatorData: b64u(authData), signature: b64u(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
    };
  }
}
