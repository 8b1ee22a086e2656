// Passkeys across an application's domains and apps: WebAuthn Related Origin Requests in a real
// Chromium, the `/.well-known/webauthn` and `apple-app-site-association` files the rpId's host
// serves, and verification that accepts exactly the listed origins (web and Android).
//
// Chromium fetches `https://<rpId>/.well-known/webauthn` itself, so the rpId needs https: the test
// runs a TLS proxy (a certificate it makes with openssl) in front of `wrangler dev`, and Chromium
// resolves the test's host names (rp.test, shop.test, evil.test) to it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker } from "./harness.mjs";
import { launchBrowser, openDevice } from "./browser.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";

const RP = "rp.test";
const RELATED = "https://shop.test";
const UNLISTED = "https://evil.test";
const FINGERPRINT = "FA:C6:17:45:DC:09:03:78:6F:B9:ED:E6:2A:96:2B:39:9F:73:48:F0:BB:6F:89:9B:83:32:66:75:91:03:3B:9C";
const ANDROID_ORIGIN = `android:apk-key-hash:${Buffer.from(FINGERPRINT.replace(/:/g, ""), "hex").toString("base64url")}`;
const P = "/auth/passkey-provider";

let worker, proxy, browser, app, certDir;

/** A request straight to the Worker with the Host header `host` (fetch cannot set Host). */
function hostRequest(host, method, path, body, headers = {}) {
  const url = new URL(worker.base);
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      { host: "127.0.0.1", port: url.port, method, path, headers: { host, ...(payload ? { "content-type": "application/json" } : {}), ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => {
          let json = null;
          try { json = JSON.parse(text); } catch { /* not JSON */ }
          resolve({ status: res.statusCode, headers: res.headers, text, body: json });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const config = (passkey) => worker.api("PUT", `/api/v1/applications/${app.id}/auth/passkey`, { enabled: true, directSignup: true, ...passkey }, { key: "admin" });
const api = (path, body) => worker.api("POST", `${P}/${path}`, body, { app: app.id });

before(async () => {
  worker = await startWorker();
  app = await worker.createApp({ name: "Two Domains", rpId: RP, origins: [`https://${RP}`], hostnames: [RP], passkey: { enabled: true, directSignup: true } });

  // TLS in front of the Worker, the Host header kept (the Worker finds the application by it).
  certDir = mkdtempSync(join(tmpdir(), "authaz-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", `/CN=${RP}`,
    "-addext", `subjectAltName=DNS:${RP},DNS:shop.test,DNS:evil.test`, "-keyout", join(certDir, "key.pem"), "-out", join(certDir, "cert.pem"),
  ], { stdio: "ignore" });
  const target = new URL(worker.base);
  proxy = createHttpsServer({ key: readFileSync(join(certDir, "key.pem")), cert: readFileSync(join(certDir, "cert.pem")) }, (req, res) => {
    const upstream = httpRequest({ host: "127.0.0.1", port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => { res.writeHead(502); res.end(); });
    req.pipe(upstream);
  });
  await new Promise((ok) => proxy.listen(0, "127.0.0.1", ok));
  const port = proxy.address().port;
  const rules = [RP, "shop.test", "evil.test"].map((host) => `MAP ${host}:443 127.0.0.1:${port}`).join(",");
  browser = await launchBrowser({ args: [`--host-resolver-rules=${rules}`, "--ignore-certificate-errors"] });
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => (proxy ? proxy.close(ok) : ok()));
  await worker?.stop();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

test("the rpId's host serves the related origins and apps it lists, and nothing else", async () => {
  // Nothing listed yet: no file.
  assert.equal((await hostRequest(RP, "GET", "/.well-known/webauthn")).status, 404);

  const bad = await config({ relatedOrigins: ["http://shop.test"] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "invalid_request");
  assert.match(bad.body.error.message, /relatedOrigins/);
  assert.equal((await config({ nativeOrigins: ["android:apk-key-hash:AB:CD"] })).status, 400);
  assert.equal((await config({ appleAppIds: ["not-a-team.com.example"] })).status, 400);
  const unchanged = await worker.api("GET", `/api/v1/applications/${app.id}/auth/passkey`, undefined, { key: "admin" });
  assert.deepEqual([unchanged.body.passkey.relatedOrigins, unchanged.body.passkey.nativeOrigins, unchanged.body.passkey.appleAppIds], [[], [], []], "a refused PUT changes nothing");

  const ok = await config({
    relatedOrigins: [RELATED],
    nativeOrigins: [ANDROID_ORIGIN],
    appleAppIds: ["ABCDE12345.com.example.shop"],
  });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.body.passkey.relatedOrigins, [RELATED]);
  assert.deepEqual(ok.body.passkey.nativeOrigins, [ANDROID_ORIGIN]);

  const file = await hostRequest(RP, "GET", "/.well-known/webauthn");
  assert.equal(file.status, 200);
  assert.match(file.headers["content-type"], /^application\/json/);
  assert.deepEqual(file.body, { origins: [`https://${RP}`, RELATED] });
  assert.match(file.headers["cache-control"], /max-age=300/);

  const aasa = await hostRequest(RP, "GET", "/.well-known/apple-app-site-association");
  assert.deepEqual(aasa.body, { webcredentials: { apps: ["ABCDE12345.com.example.shop"] } });

  // Only the rpId's own host speaks for it.
  assert.equal((await hostRequest("shop.test", "GET", "/.well-known/webauthn")).status, 404);
  assert.equal((await hostRequest("nowhere.test", "GET", "/.well-known/webauthn")).status, 404);
});

test("Chromium: a ceremony from a related origin passes; from an origin not listed it fails", async () => {
  const shop = await openDevice(browser, `${RELATED}/healthz`);
  const email = "ana@example.com";
  const start = await api("signup/start", { email });
  assert.equal(start.status, 200, start.text);
  assert.equal(start.body.rp.id, RP);
  const created = await shop.credential("create", start.body);
  assert.ok(!created.error, `Chromium created the passkey for ${RP} on ${RELATED}: ${JSON.stringify(created.error)}`);
  assert.equal(JSON.parse(Buffer.from(created.response.clientDataJSON, "base64url")).origin, RELATED);
  const signedUp = await api("signup/complete", created);
  assert.equal(signedUp.status, 201, signedUp.text);

  const login = await api("login/start", {});
  const asserted = await shop.credential("get", login.body);
  assert.ok(!asserted.error, JSON.stringify(asserted.error));
  const loggedIn = await api("login/complete", asserted);
  assert.equal(loggedIn.status, 200, loggedIn.text);
  assert.equal(loggedIn.body.user.email, email);

  // CORS: the related origin's pages may call the API; an unlisted origin may not.
  const cors = await worker.api("POST", `${P}/login/start`, {}, { app: app.id, headers: { origin: RELATED } });
  assert.equal(cors.headers.get("access-control-allow-origin"), RELATED);
  const refused = await worker.api("POST", `${P}/login/start`, {}, { app: app.id, headers: { origin: UNLISTED } });
  assert.equal(refused.status, 403);

  // evil.test is not in the rpId's file: Chromium refuses before any authenticator is asked.
  const evil = await openDevice(browser, `${UNLISTED}/healthz`);
  const evilStart = await api("signup/start", { email: "eve@example.com" });
  const evilCreated = await evil.credential("create", evilStart.body);
  assert.equal(evilCreated.error?.name, "SecurityError", JSON.stringify(evilCreated));
  assert.equal((await evil.credentials()).length, 0);
  await evil.close();
  await shop.close();
});

test("verification accepts exactly the listed origins: related and Android, never another", async () => {
  const signup = async (origin) => {
    const start = await api("signup/start", { email: `soft-${Math.random().toString(36).slice(2)}@example.com` });
    return api("signup/complete", new SoftAuthenticator().create(start.body, { origin }));
  };
  assert.equal((await signup(RELATED)).status, 201);
  assert.equal((await signup(ANDROID_ORIGIN)).status, 201);
  for (const origin of [UNLISTED, "android:apk-key-hash:AAAA", "https://shop.test:8443", "http://shop.test"]) {
    const refused = await signup(origin);
    assert.equal(refused.status, 400, origin);
    assert.equal(refused.body.error.code, "verification_failed");
    assert.match(refused.body.error.message, /^origin:/, origin);
  }

  // Once the related origin is taken off the list, its ceremonies fail too.
  assert.equal((await config({ relatedOrigins: [], nativeOrigins: [] })).status, 200);
  assert.equal((await signup(RELATED)).status, 400);
  assert.equal((await signup(ANDROID_ORIGIN)).status, 400);
  assert.equal((await hostRequest(RP, "GET", "/.well-known/webauthn")).status, 404);
});

test("unknownCredential is said only when no application of the rpId holds the passkey", async () => {
  // A sibling application on the same rpId (staging, a second product) knows nothing of app's passkeys.
  const sibling = await worker.createApp({ name: "Sibling", rpId: RP, origins: [`https://${RP}`], passkey: { enabled: true, directSignup: true } });
  const auth = new SoftAuthenticator();
  const start = await api("signup/start", { email: `held-${Math.random().toString(36).slice(2)}@example.com` });
  const credential = auth.create(start.body, { origin: `https://${RP}` });
  assert.equal((await api("signup/complete", credential)).status, 201);
  const loginAt = async (target) => {
    const options = await worker.api("POST", `${P}/login/start`, {}, { app: target.id });
    return worker.api("POST", `${P}/login/complete`, auth.get(options.body, { origin: `https://${RP}`, credentialId: credential.id }), { app: target.id });
  };
  const atSibling = await loginAt(sibling);
  assert.equal(atSibling.status, 400);
  assert.match(atSibling.body.error.message, /^credential_id:/);
  assert.equal(atSibling.body.error.unknownCredential, undefined, "the passkey is app's: the sibling must not have the browser forget it");

  // Unknown to every application of the rpId: said so.
  const stray = auth.create((await worker.api("POST", `${P}/signup/start`, { email: "stray@example.com" }, { app: sibling.id })).body, { origin: `https://${RP}` });
  const options = await worker.api("POST", `${P}/login/start`, {}, { app: sibling.id });
  const unknown = await worker.api("POST", `${P}/login/complete`, auth.get(options.body, { origin: `https://${RP}`, credentialId: stray.id }), { app: sibling.id });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.unknownCredential, true);
  // And the passkey still signs in where it belongs.
  assert.equal((await loginAt(app)).status, 200);
});
