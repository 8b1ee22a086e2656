// The WebAuthn ceremonies end to end: the real Worker (wrangler dev: workerd, local D1, Durable
// Objects, send_email) and Debian's Chromium with the CDP virtual authenticator.
//
// Every ceremony endpoint runs in the browser through BOTH the native JSON API
// (PublicKeyCredential.parse*OptionsFromJSON + credential.toJSON()) and @simplewebauthn/browser;
// the email code is read from the mail the binding really sent. The negative tests use the
// browser where it can produce the fault (another origin, UV not verified, an excluded passkey)
// and the software authenticator (soft-authenticator.mjs) where only a re-signed, tampered
// response can (wrong origin or type in clientDataJSON, counters, another user's handle or id).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startWorker, ROOT } from "./harness.mjs";
import { launchBrowser, openDevice, VIAS } from "./browser.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";

const P = "/auth/passkey-provider";
const ENDPOINTS = [
  "signup/verify-email/request", "signup/verify-email/confirm", "signup/start", "signup/complete",
  "register/start", "register/complete", "login/start", "login/complete",
];

let w, browser, otherOrigin;
/** Email-verified signup only (the default). */
let app;
/** Direct signup allowed. */
let directApp;

before(async () => {
  w = await startWorker();
  browser = await launchBrowser();
  app = await w.createApp({ name: "Ceremonies", passkey: { enabled: true } });
  directApp = await w.createApp({ name: "Direct", passkey: { enabled: true, directSignup: true } });
  // A blank page on another origin (same host, another port: rpId "localhost" stays valid there).
  otherOrigin = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>other</title>"));
  await new Promise((ok) => otherOrigin.listen(0, "127.0.0.1", ok));
});

after(async () => {
  await browser?.close();
  otherOrigin?.close();
  await w?.stop();
});

// ---- helpers ----

const page = () => `${w.base}/healthz`;
const otherPage = () => `http://localhost:${otherOrigin.address().port}/`;
const uniqueEmail = (tag = "u") => `${tag}-${randomBytes(5).toString("hex")}@example.com`;
const uniqueIp = () => `2001:db8::${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}`;
const appHeader = (target) => ({ "x-authaz-app": target.id });
const fromB64u = (text) => Buffer.from(text, "base64url");

function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text ?? JSON.stringify(res.body)}`);
}

function expectError(res, status, code, what, messagePattern) {
  expectStatus(res, status, what);
  assert.equal(res.body?.error?.code, code, `${what}: ${res.text ?? JSON.stringify(res.body)}`);
  if (messagePattern) assert.match(res.body.error.message, messagePattern, what);
}

const post = (path, body, target, opts = {}) => w.api("POST", `${P}/${path}`, body, { app: target.id, ...opts });

/** Requests a code for `email` and answers the code read from the mail the binding sent. */
async function mailedCode(email, target = app, opts = {}) {
  const since = w.sentMail().length;
  const r = await post("signup/verify-email/request", { email }, target, opts);
  expectStatus(r, 202, "verify-email/request");
  return codeFromMail(email, since);
}

async function codeFromMail(email, since) {
  const mail = await w.waitForMail(email, { since });
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
  assert.ok(code, `no 6-digit code in the mail:\n${mail.text}`);
  return code;
}

/** A verificationToken for `email` (request + confirm through the API). */
async function verificationToken(email, target = app) {
  const code = await mailedCode(email, target);
  const r = await post("signup/verify-email/confirm", { email, code }, target);
  expectStatus(r, 200, "verify-email/confirm");
  return r.body.verificationToken;
}

/** Direct signup of a new user with a software authenticator: {user, passkey, recoveryCodes, session, email, auth, credential}. */
async function softSignup(target = directApp, { auth = new SoftAuthenticator(), createOpts = {} } = {}) {
  const email = uniqueEmail("soft");
  const start = await post("signup/start", { email, displayName: "Soft User" }, target);
  expectStatus(start, 200, "signup/start");
  const credential = auth.create(start.body, { origin: w.base, ...createOpts });
  const done = await post("signup/complete", credential, target);
  expectStatus(done, 201, "signup/complete");
  return { ...done.body, email, auth, credential, options: start.body };
}

/** A login with a software authenticator: answers the complete response. */
async function softLogin(target, auth, getOpts = {}, startBody = {}) {
  const start = await post("login/start", startBody, target);
  expectStatus(start, 200, "login/start");
  return post("login/complete", auth.get(start.body, { origin: w.base, ...getOpts }), target);
}

/** Row counts of every table the ceremonies write, read from the local D1 database itself. */
function tableCounts() {
  const tables = ["users", "credentials", "recovery_codes", "sessions", "refresh_tokens", "email_verifications"];
  const sql = `SELECT ${tables.map((t) => `(SELECT COUNT(*) FROM ${t}) AS ${t}`).join(", ")}`;
  const out = execFileSync(join(ROOT, "node_modules/.bin/wrangler"),
    ["d1", "execute", "DB", "--local", "--persist-to", join(w.dir, "state"), "--json", "--command", sql],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" }, encoding: "utf8" });
  return JSON.parse(out)[0].results[0];
}

function assertSession(session, what) {
  assert.equal(session?.tokenType, "Bearer", what);
  assert.equal(typeof session.accessToken, "string", what);
  assert.equal(session.accessToken.split(".").length, 3, what);
  assert.equal(typeof session.refreshToken, "string", what);
  assert.ok(session.expiresIn > 0, what);
}

// ---- the ceremonies in Chromium, both ways ----

for (const via of VIAS) {
  test(`${via}: email-verified signup, both logins, a second passkey by session and a third by recovery code`, async () => {
    const devices = [];
    const device = async (url = page()) => {
      const d = await openDevice(browser, url);
      devices.push(d);
      return d;
    };
    try {
      const laptop = await device();
      const h = appHeader(app);
      const email = uniqueEmail(via);

      // verify-email/request from the page; the code comes from the mail really sent.
      const since = w.sentMail().length;
      const requested = await laptop.fetch("POST", `${P}/signup/verify-email/request`, { email: email.toUpperCase() }, h);
      expectStatus(requested, 202, "verify-email/request");
      assert.deepEqual(requested.body, { expiresIn: 600 });
      const code = await codeFromMail(email, since);
      const confirmed = await laptop.fetch("POST", `${P}/signup/verify-email/confirm`, { email, code }, h);
      expectStatus(confirmed, 200, "verify-email/confirm");
      assert.equal(typeof confirmed.body.verificationToken, "string");
      assert.ok(confirmed.body.expiresIn > 0 && confirmed.body.expiresIn <= 3600);

      // signup/start + navigator.credentials.create + signup/complete ({credential, name}).
      const signup = await laptop.ceremony({
        via, kind: "create", headers: h,
        start: { path: `${P}/signup/start`, body: { email, displayName: "Ada Lovelace", verificationToken: confirmed.body.verificationToken } },
        complete: { path: `${P}/signup/complete`, wrap: (credential) => ({ credential, name: "Laptop" }) },
      });
      expectStatus(signup.start, 200, "signup/start");
      const options = signup.start.body;
      assert.equal(options.rp.id, "localhost");
      assert.equal(options.user.name, email);
      assert.equal(options.user.displayName, "Ada Lovelace");
      assert.equal(fromB64u(options.user.id).length, 32, "user handle: 32 random bytes");
      assert.ok(!fromB64u(options.user.id).includes(Buffer.from(email)), "the user handle is opaque");
      assert.equal(fromB64u(options.challenge).length, 32, "challenge: 32 bytes");
      assert.deepEqual(options.excludeCredentials, []);
      assert.equal(options.authenticatorSelection.residentKey, "required");
      assert.equal(options.authenticatorSelection.userVerification, "required");
      assert.equal(options.timeout, 300000);
      assert.ok(options.pubKeyCredParams.some((p) => p.alg === -7));
      assert.ok(!signup.credential.error, `create failed: ${JSON.stringify(signup.credential.error)}`);
      expectStatus(signup.complete, 201, "signup/complete");
      const { user, passkey, recoveryCodes, session } = signup.complete.body;
      assert.equal(user.email, email);
      assert.equal(user.emailVerified, true);
      assert.equal(user.displayName, "Ada Lovelace");
      assert.equal(passkey.name, "Laptop");
      assert.equal(passkey.lastUsedAt, null);
      assert.ok(Array.isArray(passkey.transports));
      assert.equal(recoveryCodes.length, 10);
      assert.equal(new Set(recoveryCodes).size, 10);
      assertSession(session, "signup session");
      const [held] = await laptop.credentials();
      assert.equal(held.isResidentCredential, true, "a discoverable credential");
      assert.deepEqual(Buffer.from(held.userHandle, "base64"), fromB64u(options.user.id), "stored under the user handle of the options");

      // login/start {} (usernameless) + navigator.credentials.get + login/complete.
      const usernameless = await laptop.ceremony({
        via, kind: "get", headers: h, start: { path: `${P}/login/start`, body: {} }, complete: { path: `${P}/login/complete` },
      });
      expectStatus(usernameless.start, 200, "login/start {}");
      assert.deepEqual(usernameless.start.body.allowCredentials, []);
      assert.equal(usernameless.start.body.rpId, "localhost");
      assert.equal(usernameless.start.body.userVerification, "required");
      assert.ok(!usernameless.credential.error, JSON.stringify(usernameless.credential.error));
      expectStatus(usernameless.complete, 200, "login/complete");
      assert.equal(usernameless.complete.body.user.id, user.id);
      assert.equal(usernameless.complete.body.user.email, email);
      assertSession(usernameless.complete.body.session, "login session");

      // login/start {email}: allowCredentials names the user's passkey.
      const byEmail = await laptop.ceremony({
        via, kind: "get", headers: h, start: { path: `${P}/login/start`, body: { email } }, complete: { path: `${P}/login/complete` },
      });
      expectStatus(byEmail.start, 200, "login/start {email}");
      assert.deepEqual(byEmail.start.body.allowCredentials.map((c) => c.id), [signup.credential.id]);
      expectStatus(byEmail.complete, 200, "login/complete by email");
      const bearer = byEmail.complete.body.session.accessToken;
      const listed = await w.api("GET", "/api/v1/users/me/passkeys", undefined, { app: app.id, bearer });
      expectStatus(listed, 200, "list passkeys");
      assert.ok(listed.body.passkeys[0].lastUsedAt, "lastUsedAt is set by the login");

      // register/start with the session: excludeCredentials lists the passkey, and the browser
      // refuses to create a second one on the same authenticator.
      const sameDevice = await laptop.ceremony({
        via, kind: "create", headers: { ...h, authorization: `Bearer ${bearer}` },
        start: { path: `${P}/register/start`, body: {} }, complete: { path: `${P}/register/complete` },
      });
      expectStatus(sameDevice.start, 200, "register/start (Bearer)");
      assert.deepEqual(sameDevice.start.body.excludeCredentials.map((c) => c.id), [signup.credential.id]);
      assert.equal(sameDevice.start.body.user.id, options.user.id, "the same user handle");
      assert.ok(sameDevice.credential?.error, "the authenticator holding an excluded credential refuses");
      assert.equal(sameDevice.complete, undefined);

      // A second authenticator registers with the session: 201 {passkey}, no session.
      const phone = await device();
      const second = await phone.ceremony({
        via, kind: "create", headers: { ...h, authorization: `Bearer ${bearer}` },
        start: { path: `${P}/register/start`, body: {} },
        complete: { path: `${P}/register/complete`, wrap: (credential) => ({ credential, name: "Phone" }) },
      });
      assert.ok(!second.credential.error, JSON.stringify(second.credential.error));
      expectStatus(second.complete, 201, "register/complete (Bearer)");
      assert.equal(second.complete.body.passkey.name, "Phone");
      assert.equal(second.complete.body.session, undefined);

      // A third authenticator, with the email and a recovery code instead of a session.
      const recoveryCode = recoveryCodes[3];
      const spare = await device();
      const recovered = await spare.ceremony({
        via, kind: "create", headers: h,
        start: { path: `${P}/register/start`, body: { email, recoveryCode } },
        complete: { path: `${P}/register/complete`, wrap: (credential) => ({ credential, email, recoveryCode }) },
      });
      expectStatus(recovered.start, 200, "register/start (recovery code)");
      assert.deepEqual(recovered.start.body.excludeCredentials.map((c) => c.id).sort(), [signup.credential.id, second.credential.id].sort());
      expectStatus(recovered.complete, 201, "register/complete (recovery code)");
      assertSession(recovered.complete.body.session, "recovery session");
      const again = await spare.fetch("POST", `${P}/register/start`, { email, recoveryCode }, h);
      expectError(again, 401, "unauthorized", "a burned recovery code");

      // Each authenticator signs in as the same user.
      for (const d of [phone, spare]) {
        const login = await d.ceremony({
          via, kind: "get", headers: h, start: { path: `${P}/login/start`, body: {} }, complete: { path: `${P}/login/complete` },
        });
        expectStatus(login.complete, 200, "login with another passkey");
        assert.equal(login.complete.body.user.id, user.id);
      }
      const all = await w.api("GET", "/api/v1/users/me/passkeys", undefined, { app: app.id, bearer: recovered.complete.body.session.accessToken });
      assert.equal(all.body.passkeys.length, 3);
    } finally {
      for (const d of devices) await d.close();
    }
  });

  test(`${via}: direct signup (no verificationToken) when the app allows it; the email stays unverified`, async () => {
    const laptop = await openDevice(browser, page());
    try {
      const email = uniqueEmail("direct");
      const signup = await laptop.ceremony({
        via, kind: "create", headers: appHeader(directApp),
        start: { path: `${P}/signup/start`, body: { email } }, complete: { path: `${P}/signup/complete` },
      });
      expectStatus(signup.complete, 201, "signup/complete with the bare credential as body");
      assert.equal(signup.complete.body.user.emailVerified, false);
      assert.equal(signup.complete.body.user.displayName, email);
      assert.equal(typeof signup.complete.body.passkey.name, "string");
      const login = await laptop.ceremony({
        via, kind: "get", headers: appHeader(directApp),
        start: { path: `${P}/login/start`, body: { email } }, complete: { path: `${P}/login/complete` },
      });
      expectStatus(login.complete, 200, "login/complete");
    } finally {
      await laptop.close();
    }
  });
}

// ---- the contract's refusals ----

test("passkey_disabled: every ceremony endpoint refuses while passkeys are off", async () => {
  const off = await w.createApp({ name: "Off" });
  for (const endpoint of ENDPOINTS) {
    expectError(await post(endpoint, { email: uniqueEmail() }, off), 403, "passkey_disabled", endpoint);
  }
  // Turning passkeys off again after use refuses again.
  const toggled = await w.createApp({ name: "Toggled", passkey: { enabled: true, directSignup: true } });
  const account = await softSignup(toggled);
  const put = await w.api("PUT", `/api/v1/applications/${toggled.id}/auth/passkey`, { enabled: false }, { key: "admin" });
  expectStatus(put, 200, "disable");
  expectError(await post("login/start", {}, toggled), 403, "passkey_disabled", "login/start after disabling");
  expectError(await post("login/complete", account.credential, toggled), 403, "passkey_disabled", "login/complete after disabling");
});

test("direct_signup_disabled without a verificationToken; email_taken for a known email (any case)", async () => {
  expectError(await post("signup/start", { email: uniqueEmail() }, app), 403, "direct_signup_disabled", "signup/start without token");
  const account = await softSignup(directApp);
  expectError(await post("signup/start", { email: account.email.toUpperCase() }, directApp), 409, "email_taken", "signup/start, taken");
  const token = await verificationToken(account.email, directApp);
  expectError(await post("signup/start", { email: account.email, verificationToken: token }, directApp), 409, "email_taken", "verified, taken");
  // The same email is free in another application.
  const tokenElsewhere = await verificationToken(account.email, app);
  expectStatus(await post("signup/start", { email: account.email, verificationToken: tokenElsewhere }, app), 200, "another app");
});

test("email_taken at signup/complete: two signups of one email started together, the second complete stores nothing", async () => {
  const email = uniqueEmail("twice");
  const first = await post("signup/start", { email }, directApp);
  const second = await post("signup/start", { email: email.toUpperCase() }, directApp);
  expectStatus(first, 200, "first start");
  expectStatus(second, 200, "second start");
  const firstAuth = new SoftAuthenticator(), secondAuth = new SoftAuthenticator();
  expectStatus(await post("signup/complete", firstAuth.create(first.body, { origin: w.base }), directApp), 201, "first complete");
  const before = tableCounts();
  expectError(await post("signup/complete", secondAuth.create(second.body, { origin: w.base }), directApp), 409, "email_taken", "second complete");
  assert.deepEqual(tableCounts(), before, "nothing stored by the refused complete");
});

test("verify-email/request answers the same for known and unknown emails", async () => {
  const account = await softSignup(directApp);
  const known = await post("signup/verify-email/request", { email: account.email }, directApp, { ip: uniqueIp() });
  const unknown = await post("signup/verify-email/request", { email: uniqueEmail() }, directApp, { ip: uniqueIp() });
  expectStatus(known, 202, "known");
  expectStatus(unknown, 202, "unknown");
  assert.deepEqual(known.body, unknown.body);
  assert.deepEqual(Object.keys(known.body), ["expiresIn"]);
});

test("email codes: five wrong tries burn the code; a new code replaces the old; codes are per application", async () => {
  const email = uniqueEmail("codes");
  const code = await mailedCode(email);
  const wrong = code === "000000" ? "000001" : "000000";
  for (let i = 1; i <= 5; i++) {
    const r = await post("signup/verify-email/confirm", { email, code: wrong }, app);
    expectError(r, 400, "invalid_code", `wrong try ${i}`);
  }
  expectError(await post("signup/verify-email/confirm", { email, code }, app), 400, "invalid_code", "the right code after five wrong tries");

  const first = await mailedCode(email);
  const second = await mailedCode(email);
  if (first !== second) {
    expectError(await post("signup/verify-email/confirm", { email, code: first }, app), 400, "invalid_code", "a replaced code");
  }
  expectError(await post("signup/verify-email/confirm", { email, code: second }, directApp), 400, "invalid_code", "another app's code");
  const ok = await post("signup/verify-email/confirm", { email: email.toUpperCase(), code: second }, app);
  expectStatus(ok, 200, "the newest code");
  expectError(await post("signup/verify-email/confirm", { email, code: second }, app), 400, "invalid_code", "a used code");
  expectError(await post("signup/verify-email/confirm", { email: uniqueEmail(), code: "123456" }, app), 400, "invalid_code", "no code sent");
});

test("verificationToken: bound to its email and application, refused when made up", async () => {
  const email = uniqueEmail("token");
  const token = await verificationToken(email);
  expectError(await post("signup/start", { email: uniqueEmail(), verificationToken: token }, app), 400, "invalid_code", "another email");
  expectError(await post("signup/start", { email, verificationToken: token }, directApp), 400, "invalid_code", "another app");
  expectError(await post("signup/start", { email, verificationToken: "vt_made_up" }, app), 400, "invalid_code", "made up");
  // Starting twice with a token is fine (the user may cancel the browser's prompt); it is used up
  // when the signup completes, after which the email is taken.
  const auth = new SoftAuthenticator();
  await post("signup/start", { email, verificationToken: token }, app);
  const start = await post("signup/start", { email, verificationToken: token }, app);
  const done = await post("signup/complete", auth.create(start.body, { origin: w.base }), app);
  expectStatus(done, 201, "signup with token");
  assert.equal(done.body.user.emailVerified, true);
  expectError(await post("signup/start", { email, verificationToken: token }, app), 409, "email_taken", "token after signup");
});

test("replayed completes fail: signup, register and login", async () => {
  const auth = new SoftAuthenticator();
  const email = uniqueEmail("replay");
  const start = await post("signup/start", { email }, directApp);
  const credential = auth.create(start.body, { origin: w.base });
  const first = await post("signup/complete", credential, directApp);
  expectStatus(first, 201, "signup");
  expectError(await post("signup/complete", credential, directApp), 400, "verification_failed", "replayed signup/complete");

  const bearer = first.body.session.accessToken;
  const regStart = await post("register/start", {}, directApp, { bearer });
  const second = auth.create(regStart.body, { origin: w.base });
  expectStatus(await post("register/complete", second, directApp, { bearer }), 201, "register");
  expectError(await post("register/complete", second, directApp, { bearer }), 400, "verification_failed", "replayed register/complete");

  const loginStart = await post("login/start", {}, directApp);
  const assertion = auth.get(loginStart.body, { origin: w.base });
  expectStatus(await post("login/complete", assertion, directApp), 200, "login");
  expectError(await post("login/complete", assertion, directApp), 400, "verification_failed", "replayed login/complete");
  // A challenge nobody issued.
  const forged = auth.get({ ...loginStart.body, challenge: randomBytes(32).toString("base64url") }, { origin: w.base });
  expectError(await post("login/complete", forged, directApp), 400, "verification_failed", "unknown challenge");
});

test("a challenge is taken at most once: 20 concurrent completes of one response, exactly one succeeds", async () => {
  const { auth } = await softSignup();
  const start = await post("login/start", {}, directApp);
  expectStatus(start, 200, "login/start");
  const assertion = auth.get(start.body, { origin: w.base });
  const results = await Promise.all(Array.from({ length: 20 }, () => post("login/complete", assertion, directApp)));
  const won = results.filter((r) => r.status === 200);
  assert.equal(won.length, 1, `successes: ${results.map((r) => r.status).join(",")}`);
  for (const r of results.filter((r) => r.status !== 200)) expectError(r, 400, "verification_failed", "a losing concurrent complete");

  // The same race on signup: one user, one credential stored.
  const email = uniqueEmail("race");
  const signupStart = await post("signup/start", { email }, directApp);
  const credential = new SoftAuthenticator().create(signupStart.body, { origin: w.base });
  const before = tableCounts();
  const signups = await Promise.all(Array.from({ length: 20 }, () => post("signup/complete", credential, directApp)));
  assert.equal(signups.filter((r) => r.status === 201).length, 1, `signups: ${signups.map((r) => r.status).join(",")}`);
  const after = tableCounts();
  assert.equal(after.users - before.users, 1, "one user stored");
  assert.equal(after.credentials - before.credentials, 1, "one credential stored");
});

test("wrong origin: a page of another origin, and a clientDataJSON re-signed with a foreign origin", async () => {
  // Chromium on http://localhost:<other port>: a valid origin for rpId "localhost", but not the app's.
  const device = await openDevice(browser, otherPage());
  try {
    const start = await post("signup/start", { email: uniqueEmail("origin") }, directApp);
    const credential = await device.credential("create", start.body, "native");
    assert.ok(!credential.error, JSON.stringify(credential.error));
    assert.equal(JSON.parse(fromB64u(credential.response.clientDataJSON)).origin, otherPage().replace(/\/$/, ""));
    expectError(await post("signup/complete", credential, directApp), 400, "verification_failed", "registration from another origin", /^origin/);

    // The same authenticator, registered properly on the app's origin, then used on the other one.
    await device.page.goto(page());
    const registered = uniqueEmail("origin2");
    const signup = await device.ceremony({
      via: "native", kind: "create", headers: appHeader(directApp),
      start: { path: `${P}/signup/start`, body: { email: registered } }, complete: { path: `${P}/signup/complete` },
    });
    expectStatus(signup.complete, 201, "signup on the app's origin");
    await device.page.goto(otherPage());
    // Named by email, so the browser offers the registered passkey and not the refused one it also holds.
    const loginStart = await post("login/start", { email: registered }, directApp);
    const assertion = await device.credential("get", loginStart.body, "simplewebauthn");
    assert.ok(!assertion.error, JSON.stringify(assertion.error));
    expectError(await post("login/complete", assertion, directApp), 400, "verification_failed", "login from another origin", /^origin/);
  } finally {
    await device.close();
  }

  // Re-signed responses: the signature is right, clientDataJSON is not.
  const account = await softSignup(directApp);
  const evil = { origin: "https://evil.example" };
  const start = await post("signup/start", { email: uniqueEmail() }, directApp);
  expectError(await post("signup/complete", new SoftAuthenticator().create(start.body, evil), directApp), 400, "verification_failed", "create, foreign origin", /^origin/);
  const start2 = await post("signup/start", { email: uniqueEmail() }, directApp);
  expectError(await post("signup/complete", new SoftAuthenticator().create(start2.body, { origin: w.base, type: "webauthn.get" }), directApp),
    400, "verification_failed", "create with type webauthn.get", /^type/);
  expectError(await softLogin(directApp, account.auth, evil), 400, "verification_failed", "get, foreign origin", /^origin/);
  expectError(await softLogin(directApp, account.auth, { crossOrigin: true }), 400, "verification_failed", "cross-origin iframe", /^cross_origin/);
  expectError(await softLogin(directApp, account.auth, { rpId: "evil.example" }), 400, "verification_failed", "another rpId", /^rp_id_hash/);
  expectError(await softLogin(directApp, account.auth, { bogusSignature: true }), 400, "verification_failed", "bad signature", /^signature/);
  expectStatus(await softLogin(directApp, account.auth), 200, "the honest login still works");
});

test("CORS: the application's own origins call the API from their pages; other origins are refused", async () => {
  const other = otherPage().replace(/\/$/, "");
  const corsApp = await w.createApp({ name: "Cross-origin", origins: [w.base, other], passkey: { enabled: true, directSignup: true } });
  const device = await openDevice(browser, otherPage());
  try {
    // A whole signup and login from the application's page on another origin (preflights included).
    const h = appHeader(corsApp);
    const signup = await device.ceremony({
      via: "native", kind: "create", headers: h,
      start: { path: `${w.base}${P}/signup/start`, body: { email: uniqueEmail("cors") } }, complete: { path: `${w.base}${P}/signup/complete` },
    });
    // The page could read the answers at all: CORS let it (the headers themselves are hidden from it).
    expectStatus(signup.complete, 201, "cross-origin signup");
    const login = await device.ceremony({
      via: "simplewebauthn", kind: "get", headers: h,
      start: { path: `${w.base}${P}/login/start`, body: {} }, complete: { path: `${w.base}${P}/login/complete` },
    });
    expectStatus(login.complete, 200, "cross-origin login");
    const bearer = { ...h, authorization: `Bearer ${login.complete.body.session.accessToken}` };
    const list = await device.fetch("GET", `${w.base}/api/v1/users/me/passkeys`, undefined, bearer);
    expectStatus(list, 200, "cross-origin passkey list");
    expectStatus(await device.fetch("GET", `${w.base}/.well-known/jwks.json`), 200, "JWKS from anywhere");

    // An application that does not list this origin: refused before anything happens.
    const before = tableCounts();
    const refused = await device.fetch("POST", `${w.base}${P}/signup/start`, { email: uniqueEmail("cors") }, appHeader(directApp));
    expectError(refused, 403, "forbidden", "an origin the application does not list");
    const mailBefore = w.sentMail().length;
    expectError(await device.fetch("POST", `${w.base}${P}/signup/verify-email/request`, { email: uniqueEmail("cors") }, appHeader(directApp)),
      403, "forbidden", "no code is sent for another origin");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(w.sentMail().length, mailBefore, "no mail sent");
    assert.deepEqual(tableCounts(), before, "nothing stored");

    // The admin API answers no CORS: the browser refuses to send the request at all.
    const admin = await device.page.evaluate(async (url) => {
      try {
        await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-api-key": "k" }, body: "{}" });
        return "sent";
      } catch (e) {
        return e.name;
      }
    }, `${w.base}/api/v1/applications`);
    assert.equal(admin, "TypeError", "the admin API is not callable from a page");
  } finally {
    await device.close();
  }
  // The headers, as a server sees them.
  const fromOther = await w.api("POST", `${P}/login/start`, {}, { app: corsApp.id, headers: { origin: other } });
  expectStatus(fromOther, 200, "login/start with Origin");
  assert.equal(fromOther.headers.get("access-control-allow-origin"), other);
  assert.match(fromOther.headers.get("vary") ?? "", /origin/i);
  assert.match(fromOther.headers.get("access-control-expose-headers") ?? "", /retry-after/i);
  const plain = await w.api("POST", `${P}/login/start`, {}, { app: corsApp.id });
  assert.equal(plain.headers.get("access-control-allow-origin"), null, "no Origin, no CORS headers");
  // A preflight is answered for the public endpoints only.
  const preflight = await w.api("OPTIONS", `${P}/login/start`, undefined, {
    headers: { origin: other, "access-control-request-method": "POST", "access-control-request-headers": "content-type, x-authaz-app" },
  });
  expectStatus(preflight, 204, "preflight");
  assert.match(preflight.headers.get("access-control-allow-headers"), /x-authaz-app/);
  assert.match(preflight.headers.get("access-control-allow-headers"), /authorization/);
  const adminPreflight = await w.api("OPTIONS", "/api/v1/applications", undefined, { headers: { origin: other, "access-control-request-method": "POST" } });
  assert.equal(adminPreflight.headers.get("access-control-allow-origin"), null, "no CORS on the admin API");
});

test("attestation \"direct\": Chromium's CTAP2 (packed) and U2F (fido-u2f) authenticators register and log in", async () => {
  const attested = await w.createApp({
    name: "Attested",
    passkey: { enabled: true, directSignup: true, attestation: "direct", userVerification: "discouraged", residentKey: "discouraged" },
  });
  const kinds = [
    { label: "ctap2 security key", options: { transport: "usb", hasResidentKey: false, hasUserVerification: false, isUserVerified: false }, fmt: "packed" },
    { label: "u2f security key", options: { protocol: "u2f", transport: "usb", hasResidentKey: false, hasUserVerification: false, isUserVerified: false }, fmt: "fido-u2f" },
  ];
  for (const kind of kinds) {
    const device = await openDevice(browser, page(), kind.options);
    try {
      const email = uniqueEmail("attested");
      const h = appHeader(attested);
      const signup = await device.ceremony({
        via: "native", kind: "create", headers: h,
        start: { path: `${P}/signup/start`, body: { email } }, complete: { path: `${P}/signup/complete` },
      });
      assert.equal(signup.start.body.attestation, "direct", kind.label);
      assert.ok(!signup.credential?.error, `${kind.label}: ${JSON.stringify(signup.credential?.error)}`);
      const att = fromB64u(signup.credential.response.attestationObject);
      assert.ok(att.includes(Buffer.from(kind.fmt)), `${kind.label} sends ${kind.fmt} attestation`);
      expectStatus(signup.complete, 201, `${kind.label}: signup with ${kind.fmt} attestation`);
      // No resident key: login names the account so that allowCredentials lists the key.
      const login = await device.ceremony({
        via: "simplewebauthn", kind: "get", headers: h,
        start: { path: `${P}/login/start`, body: { email } }, complete: { path: `${P}/login/complete` },
      });
      assert.equal(login.start.body.allowCredentials.length, 1, kind.label);
      expectStatus(login.complete, 200, `${kind.label}: login`);
    } finally {
      await device.close();
    }
  }
});

test("user verification required but not performed (browser and software authenticator)", async () => {
  const device = await openDevice(browser, page());
  try {
    const h = appHeader(directApp);
    const signup = await device.ceremony({
      via: "native", kind: "create", headers: h,
      start: { path: `${P}/signup/start`, body: { email: uniqueEmail("uv") } }, complete: { path: `${P}/signup/complete` },
    });
    expectStatus(signup.complete, 201, "signup");
    await device.setResponseOverrideBits({ isBadUV: true });
    const login = await device.ceremony({
      via: "native", kind: "get", headers: h, start: { path: `${P}/login/start`, body: {} }, complete: { path: `${P}/login/complete` },
    });
    expectError(login.complete, 400, "verification_failed", "login without UV", /^user_verified/);
    const phone = await openDevice(browser, page());
    const register = await phone.ceremony({
      via: "simplewebauthn", kind: "create", headers: { ...h, authorization: `Bearer ${signup.complete.body.session.accessToken}` },
      start: { path: `${P}/register/start`, body: {} }, complete: { path: `${P}/register/complete` },
    });
    await phone.close();
    expectStatus(register.complete, 201, "another device with UV");
    await device.setResponseOverrideBits({});
    const retry = await device.ceremony({
      via: "native", kind: "get", headers: h, start: { path: `${P}/login/start`, body: {} }, complete: { path: `${P}/login/complete` },
    });
    expectStatus(retry.complete, 200, "login with UV again");
  } finally {
    await device.close();
  }
  const start = await post("signup/start", { email: uniqueEmail() }, directApp);
  expectError(await post("signup/complete", new SoftAuthenticator().create(start.body, { origin: w.base, userVerified: false }), directApp),
    400, "verification_failed", "registration without UV", /^user_verified/);
  const start2 = await post("signup/start", { email: uniqueEmail() }, directApp);
  expectError(await post("signup/complete", new SoftAuthenticator().create(start2.body, { origin: w.base, userPresent: false, userVerified: false }), directApp),
    400, "verification_failed", "registration without UP", /^user_(present|verified)/);

  // With userVerification "preferred" the same assertion is accepted.
  const relaxed = await w.createApp({ name: "UV preferred", passkey: { enabled: true, directSignup: true, userVerification: "preferred" } });
  const account = await softSignup(relaxed, { createOpts: { userVerified: false } });
  expectStatus(await softLogin(relaxed, account.auth, { userVerified: false }), 200, "preferred UV");
});

test("another user's passkey: userHandle of someone else, their credential id, their id registered again", async () => {
  const alice = await softSignup(directApp);
  const bob = await softSignup(directApp);
  // Alice's credential, signed by Alice, claiming Bob's user handle.
  expectError(await softLogin(directApp, alice.auth, { userHandle: bob.options.user.id }), 400, "verification_failed", "userHandle mismatch", /^user_handle/);
  // Alice's assertion presented as Bob's credential.
  const start = await post("login/start", {}, directApp);
  const assertion = alice.auth.get(start.body, { origin: w.base, userHandle: null });
  const asBob = { ...assertion, id: bob.credential.id, rawId: bob.credential.id };
  expectError(await post("login/complete", asBob, directApp), 400, "verification_failed", "Bob's id, Alice's signature", /^signature/);
  // A credential of this app presented to another app.
  expectError(await softLogin(app, alice.auth), 400, "verification_failed", "a passkey of another application", /^credential_id/);
  // Alice registers, with her session, a credential whose id is Bob's: refused, nothing stored.
  const bearer = alice.session.accessToken;
  const regStart = await post("register/start", {}, directApp, { bearer });
  const clash = alice.auth.create(regStart.body, { origin: w.base, credentialId: bob.credential.id });
  expectError(await post("register/complete", clash, directApp, { bearer }), 400, "verification_failed", "Bob's credential id", /credential_id/);
  const listed = await w.api("GET", "/api/v1/users/me/passkeys", undefined, { app: directApp.id, bearer });
  assert.equal(listed.body.passkeys.length, 1);
  // Without userHandle (allowed: e.g. security keys), Alice's own login works.
  expectStatus(await softLogin(directApp, alice.auth, { userHandle: null, credentialId: alice.credential.id }), 200, "no userHandle");
});

test("register: a token of another application, no credentials, a wrong or unknown recovery code -> 401", async () => {
  const alice = await softSignup(directApp);
  const bearer = alice.session.accessToken;
  expectError(await post("register/start", {}, app, { bearer }), 401, "unauthorized", "token of another app at start");
  expectError(await post("register/start", {}, directApp), 401, "unauthorized", "no credentials at all");
  expectError(await post("register/start", {}, directApp, { bearer: "not.a.token" }), 401, "unauthorized", "garbage token");
  expectError(await post("register/start", { email: alice.email, recoveryCode: "aaaa-bbbb-cccc" }, directApp), 401, "unauthorized", "wrong code");
  expectError(await post("register/start", { email: uniqueEmail(), recoveryCode: alice.recoveryCodes[0] }, directApp), 401, "unauthorized", "unknown email");
  expectError(await post("register/start", { email: alice.email, recoveryCode: alice.recoveryCodes[0] }, app), 401, "unauthorized", "another app");

  const start = await post("register/start", {}, directApp, { bearer });
  const credential = alice.auth.create(start.body, { origin: w.base });
  expectError(await post("register/complete", credential, app, { bearer }), 401, "unauthorized", "token of another app at complete");
  expectError(await post("register/complete", credential, directApp), 401, "unauthorized", "complete without credentials");
  // Bob's session cannot complete a registration Alice started.
  const bob = await softSignup(directApp);
  expectError(await post("register/complete", credential, directApp, { bearer: bob.session.accessToken }), 400, "verification_failed", "another user's challenge");
});

test("recovery code: burned only when the passkey is stored; a new set replaces the old codes", async () => {
  const alice = await softSignup(directApp);
  const recoveryCode = alice.recoveryCodes[0];
  const body = { email: alice.email, recoveryCode };
  // A failed complete (foreign origin) leaves the code usable.
  const start = await post("register/start", body, directApp);
  expectStatus(start, 200, "start");
  const bad = new SoftAuthenticator().create(start.body, { origin: "https://evil.example" });
  expectError(await post("register/complete", { credential: bad, ...body }, directApp), 400, "verification_failed", "failed complete");
  const start2 = await post("register/start", { email: alice.email.toUpperCase(), recoveryCode: recoveryCode.toUpperCase().replaceAll("-", " ") }, directApp);
  expectStatus(start2, 200, "the code still works (any case, spaces)");
  const phone = new SoftAuthenticator();
  const done = await post("register/complete", { credential: phone.create(start2.body, { origin: w.base }), ...body, name: "Recovered" }, directApp);
  expectStatus(done, 201, "complete");
  assert.equal(done.body.passkey.name, "Recovered");
  assertSession(done.body.session, "recovery session");
  expectError(await post("register/start", body, directApp), 401, "unauthorized", "the burned code");
  expectStatus(await softLogin(directApp, phone), 200, "login with the recovered passkey");
  // A new set (D1's endpoint) makes the old codes unknown.
  const fresh = await w.api("POST", "/api/v1/users/me/recovery-codes", undefined, { app: directApp.id, bearer: done.body.session.accessToken });
  expectStatus(fresh, 200, "new recovery codes");
  expectError(await post("register/start", { email: alice.email, recoveryCode: alice.recoveryCodes[1] }, directApp), 401, "unauthorized", "a replaced code");
  expectStatus(await post("register/start", { email: alice.email, recoveryCode: fresh.body.recoveryCodes[0] }, directApp), 200, "a code of the new set");
});

test("recovery code: two completes racing with one code store one passkey", async () => {
  const bob = await softSignup(directApp);
  const body = { email: bob.email, recoveryCode: bob.recoveryCodes[0] };
  const starts = await Promise.all([1, 2, 3].map(() => post("register/start", body, directApp)));
  for (const s of starts) expectStatus(s, 200, "register/start with the code");
  const before = tableCounts();
  const completes = await Promise.all(starts.map((s) =>
    post("register/complete", { credential: new SoftAuthenticator().create(s.body, { origin: w.base }), ...body }, directApp)));
  assert.equal(completes.filter((r) => r.status === 201).length, 1, `statuses: ${completes.map((r) => r.status).join(",")}`);
  for (const r of completes.filter((r) => r.status !== 201)) expectError(r, 401, "unauthorized", "a losing complete");
  const after = tableCounts();
  assert.equal(after.credentials - before.credentials, 1, "one passkey stored");
  assert.equal(after.sessions - before.sessions, 1, "one session");
});

test("login/start {email}: the user's credentials; an unknown email answers like {}", async () => {
  const alice = await softSignup(directApp);
  const known = await post("login/start", { email: alice.email.toUpperCase() }, directApp);
  assert.deepEqual(known.body.allowCredentials.map((c) => c.id), [alice.credential.id]);
  assert.deepEqual(known.body.allowCredentials[0].type, "public-key");
  const unknown = await post("login/start", { email: uniqueEmail() }, directApp);
  const empty = await post("login/start", {}, directApp);
  const notAnEmail = await post("login/start", { email: "not an email" }, directApp);
  for (const r of [unknown, empty, notAnEmail]) {
    expectStatus(r, 200, "login/start");
    assert.deepEqual(r.body.allowCredentials, []);
    assert.deepEqual(Object.keys(r.body).sort(), Object.keys(known.body).sort());
  }
});

test("the signature counter: a non-zero counter must grow; counter, backup state and lastUsedAt are stored", async () => {
  const counting = await softSignup(directApp, { createOpts: { signCount: 0 } });
  expectStatus(await softLogin(directApp, counting.auth, { signCount: 5 }), 200, "counter 5");
  expectError(await softLogin(directApp, counting.auth, { signCount: 5 }), 400, "verification_failed", "counter 5 again", /^sign_count/);
  expectError(await softLogin(directApp, counting.auth, { signCount: 3 }), 400, "verification_failed", "counter 3", /^sign_count/);
  expectStatus(await softLogin(directApp, counting.auth, { signCount: 6 }), 200, "counter 6");
  // A cloned authenticator used twice at once with one counter value: one login, not two.
  for (const [attempt, signCount] of [[1, 9], [2, 12]]) {
    const starts = await Promise.all([1, 2].map(() => post("login/start", {}, directApp)));
    const assertions = starts.map((s) => counting.auth.get(s.body, { origin: w.base, signCount }));
    const before = tableCounts();
    const results = await Promise.all(assertions.map((a) => post("login/complete", a, directApp)));
    assert.equal(results.filter((r) => r.status === 200).length, 1, `race ${attempt}: ${results.map((r) => r.status).join(",")}`);
    const loser = results.find((r) => r.status !== 200);
    expectError(loser, 400, "verification_failed", `race ${attempt}: the second login with counter ${signCount}`, /^sign_count/);
    assert.equal(tableCounts().sessions - before.sessions <= 2, true, "at most the winner's session and the refused one's (ended)");
  }
  expectError(await softLogin(directApp, counting.auth, { signCount: 12 }), 400, "verification_failed", "counter 12 again", /^sign_count/);
  expectStatus(await softLogin(directApp, counting.auth, { signCount: 13 }), 200, "counter 13");
  // A counter of 0 after a non-zero one is a clone that does not count (WebAuthn L3 §7.2 step 22).
  const beforeZero = tableCounts();
  expectError(await softLogin(directApp, counting.auth, { signCount: 0 }), 400, "verification_failed", "counter 0 after 13", /^sign_count/);
  assert.deepEqual(tableCounts(), beforeZero, "a refused counter stores nothing");

  const synced = await softSignup(directApp, { auth: new SoftAuthenticator({ backupEligible: true, backedUp: false }) });
  assert.equal(synced.passkey.backupEligible, true);
  assert.equal(synced.passkey.backedUp, false);
  for (let i = 0; i < 2; i++) expectStatus(await softLogin(directApp, synced.auth, { signCount: 0 }), 200, "a counter of 0 stays allowed");
  const login = await softLogin(directApp, synced.auth, { signCount: 0, backedUp: true });
  expectStatus(login, 200, "now backed up");
  const listed = await w.api("GET", "/api/v1/users/me/passkeys", undefined, { app: directApp.id, bearer: login.body.session.accessToken });
  assert.equal(listed.body.passkeys[0].backedUp, true);
  assert.ok(Date.now() - Date.parse(listed.body.passkeys[0].lastUsedAt) < 60_000);
  expectError(await softLogin(directApp, synced.auth, { backupEligible: false }), 400, "verification_failed", "BE flag changed", /^backup_state/);
});

test("ES256, EdDSA and RS256 passkeys sign up and log in; a signature off by one bit never does", async () => {
  // The Worker checks assertion signatures through WebCrypto: each algorithm, both verdicts.
  for (const alg of [-7, -8, -257]) {
    const account = await softSignup(directApp, { auth: new SoftAuthenticator({ alg }) });
    expectError(await softLogin(directApp, account.auth, { bogusSignature: true }), 400, "verification_failed", `bad signature, alg ${alg}`, /^signature/);
    expectError(await softLogin(directApp, account.auth, { signedDataExtra: Buffer.from([1]) }), 400, "verification_failed", `signature over other data, alg ${alg}`, /^signature/);
    expectStatus(await softLogin(directApp, account.auth), 200, `login alg ${alg}`);
  }
});

test("attestation statements are checked through WebCrypto: packed self attestation and android-safetynet (JWS and certificate chain); a bad signature stores nothing", async () => {
  // The Worker runs every signature of a statement (and its chain) through crypto.subtle.
  const signup = async (auth, attestation) => {
    const start = await post("signup/start", { email: uniqueEmail("att") }, directApp);
    expectStatus(start, 200, "signup/start");
    return post("signup/complete", auth.create(start.body, { origin: w.base, attestation }), directApp);
  };
  for (const alg of [-7, -8, -257]) {
    const auth = new SoftAuthenticator({ alg });
    const selfAttested = await signup(auth, { fmt: "packed" });
    expectStatus(selfAttested, 201, `packed self attestation, alg ${alg}`);
    assert.equal(selfAttested.body.passkey.attestationType, "self");
    const before = tableCounts();
    expectError(await signup(auth, { fmt: "packed", bogusSignature: true }), 400, "verification_failed", `packed, bad signature, alg ${alg}`, /^signature/);
    assert.deepEqual(tableCounts(), before, "nothing stored");
  }
  const vector = (name) => readFileSync(join(ROOT, "tests/vectors/certs", name));
  const safetyNet = { fmt: "android-safetynet", x5c: [vector("sn_leaf.der"), vector("sn_root.der")], leafKey: vector("sn_leaf.pk8") };
  const attested = await signup(new SoftAuthenticator(), safetyNet);
  expectStatus(attested, 201, "android-safetynet");
  // Its chain verifies, but reaches no trusted root (the Worker has none yet): not "basic".
  assert.equal(attested.body.passkey.attestationType, "uncertain", "a chain no trusted root vouches for");
  expectError(await signup(new SoftAuthenticator(), { ...safetyNet, bogusSignature: true }), 400, "verification_failed", "SafetyNet JWS signature", /^signature/);
  // The leaf's own signature (by the root) broken: the chain check refuses it.
  const forged = Buffer.from(vector("sn_leaf.der"));
  forged[forged.length - 1] ^= 1;
  expectError(await signup(new SoftAuthenticator(), { ...safetyNet, x5c: [forged, vector("sn_root.der")] }), 400, "verification_failed",
    "SafetyNet leaf not signed by its issuer", /^certificate: certificate signature does not verify/);
  expectError(await signup(new SoftAuthenticator(), { ...safetyNet, x5c: [vector("sn_other_host.der"), vector("sn_root.der")], leafKey: vector("sn_other_host.pk8") }),
    400, "verification_failed", "SafetyNet certificate of another host", /^certificate/);
});

test("a challenge serves only its own application and ceremony, and expires", async () => {
  const alice = await softSignup(directApp);
  const loginStart = await post("login/start", {}, directApp);
  const signupCredential = new SoftAuthenticator().create(
    { ...(await post("signup/start", { email: uniqueEmail() }, directApp)).body, challenge: loginStart.body.challenge },
    { origin: w.base },
  );
  expectError(await post("signup/complete", signupCredential, directApp), 400, "verification_failed", "a login challenge at signup", /login/);

  const otherStart = await post("login/start", {}, app);
  expectError(await post("login/complete", alice.auth.get(otherStart.body, { origin: w.base }), directApp),
    400, "verification_failed", "another app's challenge", /another application/);

  const quick = await w.createApp({ name: "Quick", passkey: { enabled: true, directSignup: true, timeoutMs: 10000 } });
  const account = await softSignup(quick);
  const start = await post("login/start", {}, quick);
  assert.equal(start.body.timeout, 10000);
  const assertion = account.auth.get(start.body, { origin: w.base });
  await new Promise((r) => setTimeout(r, 10_500));
  expectError(await post("login/complete", assertion, quick), 410, "challenge_expired", "after the timeout");
});

test("rate limits: code requests per email and per IP, confirmations and ceremony starts per IP -> 429 with Retry-After", async () => {
  const email = uniqueEmail("limit");
  const ip = uniqueIp();
  for (let i = 1; i <= 5; i++) expectStatus(await post("signup/verify-email/request", { email }, app, { ip }), 202, `request ${i}`);
  const sixth = await post("signup/verify-email/request", { email }, app, { ip: uniqueIp() });
  expectError(sixth, 429, "rate_limited", "sixth request for one email");
  const retryAfter = Number(sixth.headers.get("retry-after"));
  assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
  expectStatus(await post("signup/verify-email/request", { email }, directApp, { ip: uniqueIp() }), 202, "the same email in another app");

  const busyIp = uniqueIp();
  for (let i = 1; i <= 45; i++) {
    expectStatus(await post("signup/verify-email/request", { email: uniqueEmail("ip") }, app, { ip: busyIp }), 202, `ip request ${i}`);
  }
  const results = await Promise.all(Array.from({ length: 10 }, () => post("signup/verify-email/request", { email: uniqueEmail("ip") }, app, { ip: busyIp })));
  assert.deepEqual(results.map((r) => r.status).sort(), [202, 202, 202, 202, 202, 429, 429, 429, 429, 429], "50 per hour per IP");
  assert.ok(Number(results.find((r) => r.status === 429).headers.get("retry-after")) > 0);

  const guessIp = uniqueIp();
  const confirms = await Promise.all(Array.from({ length: 101 }, () => post("signup/verify-email/confirm", { email: uniqueEmail("g"), code: "123456" }, app, { ip: guessIp })));
  assert.equal(confirms.filter((r) => r.status === 429).length, 1, "100 confirmations per hour per IP");
  assert.equal(confirms.filter((r) => r.status === 400).length, 100);

  // Ceremony starts are counted by the Rate Limiting binding in windows aligned to the clock's
  // minutes: start the 301 requests early in a minute so that all of them fall into one window.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
  const startIp = uniqueIp();
  let statuses = [];
  for (let batch = 0; batch < 301; batch += 50) {
    const n = Math.min(50, 301 - batch);
    const rs = await Promise.all(Array.from({ length: n }, () => post("login/start", {}, directApp, { ip: startIp })));
    statuses = statuses.concat(rs.map((r) => r.status));
    const refused = rs.find((r) => r.status === 429);
    if (refused) {
      expectError(refused, 429, "rate_limited", "ceremony start 301");
      const after = Number(refused.headers.get("retry-after"));
      assert.ok(after > 0 && after <= 60, `Retry-After ${after}`);
    }
  }
  assert.equal(statuses.filter((s) => s === 200).length, 300);
  assert.equal(statuses.filter((s) => s === 429).length, 1, "300 ceremony starts per minute per IP");
  for (const start of ["signup/start", "register/start"]) {
    expectError(await post(start, { email: uniqueEmail("flood") }, directApp, { ip: startIp }), 429, "rate_limited", `${start} shares the limit`);
  }
  expectStatus(await post("login/start", {}, directApp, { ip: uniqueIp() }), 200, "another IP is not limited");
});

test("malformed bodies: never 500, nothing stored", async () => {
  const before = tableCounts();
  const ip = uniqueIp();
  const deep = "[".repeat(5000) + "]".repeat(5000);
  const anywhere = [
    { raw: "not json" }, { raw: "[1,2,3]" }, { raw: "null" }, { raw: "42" }, { raw: '"text"' }, { raw: "{" }, { raw: deep },
    { raw: JSON.stringify({ email: "a@b.co", pad: "x".repeat(70 * 1024) }), status: 413 },
  ];
  const b64 = (text) => Buffer.from(text).toString("base64url");
  const credentials = [
    {}, { credential: "text" }, { credential: null }, { credential: {} }, { id: "x" }, { credential: { id: "AAAA" }, name: 5 },
    { id: "AAAA", rawId: "AAAA", type: "public-key", response: {} },
    { id: "AAAA", rawId: "AAAA", type: "public-key", response: { clientDataJSON: "!!!", attestationObject: "!!!", authenticatorData: "!", signature: "!" } },
    { id: "AAAA", rawId: "AAAA", type: "public-key", response: { clientDataJSON: b64("not json"), attestationObject: "AAAA", authenticatorData: "AAAA", signature: "AAAA" } },
    {
      id: "AAAA", rawId: "AAAA", type: "public-key",
      response: { clientDataJSON: b64(JSON.stringify({ type: "webauthn.get", challenge: "../../x", origin: w.base })), attestationObject: "AAAA", authenticatorData: "AAAA", signature: "AAAA" },
    },
  ];
  const specific = {
    "signup/verify-email/request": [{}, { email: 5 }, { email: ["a@b.co"] }, { email: "not an email" }, { email: "a@b.co\r\nBcc: x@y.co" }],
    "signup/verify-email/confirm": [{}, { email: "a@b.co" }, { email: "a@b.co", code: 123456 }, { email: 5, code: "123456" }],
    "signup/start": [
      {}, { email: 5 }, { email: "not an email" }, { email: "a@b.co", displayName: 7 }, { email: "a@b.co", displayName: "x".repeat(500) },
      { email: "a@b.co", displayName: "line\nbreak" }, { email: "a@b.co", verificationToken: 1 }, { email: "a@b.co", verificationToken: "vt_x" },
    ],
    "signup/complete": credentials,
    "register/start": [{}, { email: "a@b.co" }, { email: 5, recoveryCode: "x" }, { email: "a@b.co", recoveryCode: {} }, { email: "a@b.co", recoveryCode: "aaaa-bbbb-cccc" }],
    "register/complete": credentials,
    "login/start": [{ email: 5 }, { email: ["a@b.co"] }, { email: {} }],
    "login/complete": credentials,
  };
  for (const endpoint of ENDPOINTS) {
    for (const b of [...anywhere, ...specific[endpoint].map((body) => ({ body }))]) {
      const r = await post(endpoint, b.body, directApp, { ip, ...(b.raw !== undefined ? { raw: b.raw } : {}) });
      const what = `${endpoint} ${JSON.stringify(b).slice(0, 100)}`;
      assert.ok(r.status >= 400 && r.status < 500, `${what} -> ${r.status} ${r.text}`);
      assert.equal(typeof r.body?.error?.code, "string", `${what}: the contract's error JSON`);
      if (b.status) assert.equal(r.status, b.status, `${what}: ${r.text}`);
    }
  }
  // A valid start whose complete gets garbage: nothing is written either.
  const start = await post("signup/start", { email: uniqueEmail() }, directApp);
  const credential = new SoftAuthenticator().create(start.body, { origin: w.base });
  const broken = { ...credential, response: { ...credential.response, attestationObject: b64("garbage") } };
  expectError(await post("signup/complete", broken, directApp), 400, "verification_failed", "a garbage attestation object");
  assert.deepEqual(tableCounts(), before, "no row was written");
});

test("structured logs: one JSON line per ceremony outcome, never a code, token or recovery code", async () => {
  const email = uniqueEmail("logs");
  const code = await mailedCode(email, directApp, { ip: uniqueIp() });
  const confirmed = await post("signup/verify-email/confirm", { email, code }, directApp);
  const account = await softSignup(directApp);
  await softLogin(directApp, account.auth);
  await post("login/complete", { nonsense: true }, directApp);
  await new Promise((r) => setTimeout(r, 500));
  const lines = w.jsonLogs().filter((l) => l.event === "ceremony");
  for (const endpoint of ["signup/verify-email/request", "signup/verify-email/confirm", "signup/start", "signup/complete", "login/start", "login/complete"]) {
    assert.ok(lines.some((l) => l.endpoint === `POST ${P}/${endpoint}` && l.app === directApp.id && l.result === "ok"), `an ok line for ${endpoint}`);
  }
  const failure = lines.findLast((l) => l.endpoint === `POST ${P}/login/complete` && l.app === directApp.id && l.result === "error");
  assert.equal(failure?.error, "invalid_request");
  assert.equal(typeof failure.durationMs, "number");
  const logs = w.logs();
  for (const secret of [code, confirmed.body.verificationToken, account.recoveryCodes[0], account.session.refreshToken, account.session.accessToken]) {
    assert.ok(!logs.includes(secret), "a secret in the logs");
  }
});
