// The ceremonies' checks end to end, continued from ceremonies.test.mjs (same kit): another user's
// passkey, recovery codes, login by email, counters, algorithms, attestation through WebCrypto,
// challenge binding and expiry, rate limits, malformed bodies and the structured logs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";
import { setUp, tearDown, ENDPOINTS, P, app, assertSession, directApp, expectError, expectStatus, mailedCode, post, softLogin, softSignup, tableCounts, uniqueEmail, uniqueIp, verificationToken, w } from "./ceremony-kit.mjs";

before(setUp);
after(tearDown);

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

test("ceremonyStartsPerMinute: an application lowers or raises its limit per client IP; the others keep 300", async () => {
  const strict = await w.createApp({ name: "Strict", passkey: { enabled: true, directSignup: true, ceremonyStartsPerMinute: 5 } });
  const nat = await w.createApp({ name: "Behind a NAT", passkey: { enabled: true, directSignup: true, ceremonyStartsPerMinute: 320 } });
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
  // Lowered: the 6th start of one IP within the minute is refused, for that application only.
  const ip = uniqueIp();
  const strictStatuses = [];
  for (let i = 0; i < 6; i++) strictStatuses.push((await post("login/start", {}, strict, { ip })).status);
  assert.deepEqual(strictStatuses, [200, 200, 200, 200, 200, 429]);
  expectError(await post("signup/start", { email: uniqueEmail() }, strict, { ip }), 429, "rate_limited", "signup/start shares it");
  expectStatus(await post("login/start", {}, directApp, { ip }), 200, "another application, same IP");
  // Raised: 320 starts of one IP pass, the 321st is refused.
  const natIp = uniqueIp();
  let statuses = [];
  for (let batch = 0; batch < 321; batch += 50) {
    const n = Math.min(50, 321 - batch);
    const rs = await Promise.all(Array.from({ length: n }, () => post("login/start", {}, nat, { ip: natIp })));
    statuses = statuses.concat(rs.map((r) => r.status));
  }
  assert.equal(statuses.filter((s) => s === 200).length, 320, "320 starts");
  assert.equal(statuses.filter((s) => s === 429).length, 1, "the 321st refused");
  expectError(await post("login/start", {}, directApp, { ip: natIp }), 429, "rate_limited", "the default application keeps 300 for that IP");
});

test("maxPasskeysPerUser: register/start at the cap answers 409 passkey_limit_reached; two ceremonies started under it store one passkey", async () => {
  const capped = await w.createApp({ name: "Capped", passkey: { enabled: true, directSignup: true, maxPasskeysPerUser: 2 } });
  const ada = await softSignup(capped);
  const bearer = ada.session.accessToken;
  // Two starts at 1 passkey (under the cap of 2), both completed: the second would be the third.
  const [first, second] = [await post("register/start", {}, capped, { bearer }), await post("register/start", {}, capped, { bearer })];
  expectStatus(first, 200, "start 1");
  expectStatus(second, 200, "start 2");
  const before = tableCounts();
  expectStatus(await post("register/complete", ada.auth.create(first.body, { origin: w.base }), capped, { bearer }), 201, "complete 1");
  const over = await post("register/complete", ada.auth.create(second.body, { origin: w.base }), capped, { bearer });
  expectError(over, 409, "passkey_limit_reached", "complete past the cap");
  assert.equal(tableCounts().credentials, before.credentials + 1, "one passkey stored");
  expectError(await post("register/start", {}, capped, { bearer }), 409, "passkey_limit_reached", "start at the cap");
  // Raising the cap lets the user add one again.
  expectStatus(await w.api("PUT", `/api/v1/applications/${capped.id}/auth/passkey`, { enabled: true, maxPasskeysPerUser: 3 }, { key: "admin" }), 200, "raise");
  const third = await post("register/start", {}, capped, { bearer });
  expectStatus(await post("register/complete", ada.auth.create(third.body, { origin: w.base }), capped, { bearer }), 201, "complete under the new cap");
});

test("the verification mail: sent in the binding's structured form from the app's name, the code in subject, text and HTML", async () => {
  const email = uniqueEmail("mail");
  const since = w.sentMail().length;
  expectStatus(await post("signup/verify-email/request", { email }, app), 202, "request");
  const mail = await w.waitForMail(email, { since });
  const code = /\b(\d{6})\b/.exec(mail.subject)?.[1];
  assert.ok(code, `a code in the subject: ${mail.subject}`);
  assert.equal(mail.subject, `${code} is your Ceremonies verification code`);
  assert.equal(mail.from, '"Ceremonies" <no-reply@authaz.example>');
  assert.equal(mail.to, email);
  assert.match(mail.text, new RegExp(`^Your Ceremonies verification code is:\n\n    ${code}\n`));
  assert.ok(mail.html.includes(`>${code}</p>`), mail.html);
  // An address that could add a recipient or a header is refused before any mail goes out.
  for (const bad of ["a@b.co\r\nBcc: x@y.co", "a@b.co,c@d.co"]) {
    expectError(await post("signup/verify-email/request", { email: bad }, app), 400, "invalid_request", JSON.stringify(bad));
  }
  assert.equal(w.sentMail().length, since + 1, "one mail, no other");
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
  // A P-256 key whose point is not on the curve (y with one bit flipped): WebCrypto refuses it.
  const offCurve = await post("signup/start", { email: uniqueEmail() }, directApp);
  const flipY = (cose) => {
    const y = Buffer.from(cose.get(-3));
    y[31] ^= 1;
    return cose.set(-3, y);
  };
  const offCurveCredential = new SoftAuthenticator().create(offCurve.body, { origin: w.base, coseKey: flipY });
  expectError(await post("signup/complete", offCurveCredential, directApp), 400, "verification_failed", "a point off the curve");
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
  // wrangler dev echoes each sent mail (its From, To and Subject, which carries the code, and the
  // paths of its parts): that is the local mailbox, not a log line of the Worker.
  const logs = w.logs().replace(/send_email binding called with MessageBuilder:[\s\S]*?\nHTML: \S+/g, "");
  assert.ok(!/send_email binding called/.test(logs), "every mail echo is cut out");
  for (const secret of [code, confirmed.body.verificationToken, account.recoveryCodes[0], account.session.refreshToken, account.session.accessToken]) {
    assert.ok(!logs.includes(secret), "a secret in the logs");
  }
});
