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
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { openDevice, VIAS } from "./browser.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";
import { setUp, tearDown, ENDPOINTS, P, app, appHeader, assertSession, browser, codeFromMail, directApp, expectError, expectStatus, fromB64u, mailedCode, otherPage, page, post, softLogin, softSignup, tableCounts, uniqueEmail, uniqueIp, verificationToken, w } from "./ceremony-kit.mjs";

before(setUp);
after(tearDown);

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

test("a challenge is 32 bytes naming its holder: the first two name the edge location (one here), the rest differ", async () => {
  const challenges = [];
  for (let i = 0; i < 20; i++) {
    const start = await post("login/start", {}, directApp);
    expectStatus(start, 200, "login/start");
    challenges.push(fromB64u(start.body.challenge));
  }
  for (const c of challenges) assert.equal(c.length, 32, "32 bytes");
  assert.equal(new Set(challenges.map((c) => c.subarray(0, 2).toString("hex"))).size, 1, "one location, one tag");
  assert.equal(new Set(challenges.map((c) => c.subarray(2, 24).toString("hex"))).size, challenges.length, "the 22 random bytes differ");
  // The holder among the location's 16 is the (random) top half of the third byte.
  const holders = new Set(challenges.map((c) => c[2] >> 4));
  assert.ok(holders.size >= 6, `holders used: ${[...holders]}`);

  // The last eight bytes are a MAC: a real challenge with one bit of it changed (and signed) is
  // refused before its holder is asked (the holder would answer "unknown or already used").
  const { auth } = await softSignup();
  const start = await post("login/start", {}, directApp);
  const forgedChallenge = fromB64u(start.body.challenge);
  forgedChallenge[31] ^= 1;
  const forged = auth.get({ ...start.body, challenge: forgedChallenge.toString("base64url") }, { origin: w.base });
  expectError(await post("login/complete", forged, directApp), 400, "verification_failed", "a challenge whose MAC fails", /: unknown challenge$/);
  expectStatus(await post("login/complete", auth.get(start.body, { origin: w.base }), directApp), 200, "the challenge as issued");
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
