// Security hardening (issue 10) against the real Worker (wrangler dev: workerd, local D1, Durable
// Objects, send_email, Cron Triggers through /__scheduled): tenant hostnames, stolen sessions
// (auth_time), enumeration at signup, slow guessing of email codes, chunked bodies, the hand-off
// rate limit and the sweep of expired rows, the issuer per application, API key rotation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { createECDH, createHash, createPrivateKey, randomBytes, sign } from "node:crypto";
import { startWorker } from "./harness.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";

const P = "/auth/passkey-provider";
const CALLBACK = "https://app.example/callback";
let w, app, directApp;

before(async () => {
  w = await startWorker();
  app = await w.createApp({ name: "Verified", passkey: { enabled: true } });
  directApp = await w.createApp({ name: "Security", passkey: { enabled: true, directSignup: true }, redirectUris: [CALLBACK] });
});

after(async () => {
  await w?.stop();
});

// ---- helpers ----

const uniqueEmail = (tag = "s") => `${tag}-${randomBytes(5).toString("hex")}@example.com`;
const uniqueIp = () => `2001:db8:5::${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}`;
const b64u = (bytes) => Buffer.from(bytes).toString("base64url");
const claimsOf = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
const sql = (text) => `'${String(text).replaceAll("'", "''")}'`;

function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text ?? JSON.stringify(res.body)}`);
}

function expectError(res, status, code, what) {
  expectStatus(res, status, what);
  assert.equal(res.body?.error?.code, code, `${what}: ${res.text}`);
}

const post = (path, body, target, opts = {}) => w.api("POST", `${P}/${path}`, body, { app: target.id, ...opts });

/** Direct signup with a software authenticator: {user, passkey, recoveryCodes, session, email, auth}. */
async function signUp(target = directApp, auth = new SoftAuthenticator()) {
  const email = uniqueEmail("soft");
  const start = await post("signup/start", { email }, target);
  expectStatus(start, 200, "signup/start");
  const done = await post("signup/complete", auth.create(start.body, { origin: w.base }), target);
  expectStatus(done, 201, "signup/complete");
  return { ...done.body, email, auth };
}

async function logIn(account, target = directApp, auth = account.auth) {
  const start = await post("login/start", {}, target);
  expectStatus(start, 200, "login/start");
  const done = await post("login/complete", auth.get(start.body, { origin: w.base }), target);
  expectStatus(done, 200, "login/complete");
  return done.body.session;
}

/** Adds a passkey with the session `token`: answers {passkey, auth}. */
async function addPasskey(token, target = directApp) {
  const auth = new SoftAuthenticator();
  const start = await post("register/start", {}, target, { bearer: token });
  expectStatus(start, 200, "register/start");
  const done = await post("register/complete", auth.create(start.body, { origin: w.base }), target, { bearer: token });
  expectStatus(done, 201, "register/complete");
  return { passkey: done.body.passkey, auth };
}

/** Makes the passkey ceremony behind the session of `token` `minutes` old. */
function ageCeremony(token, minutes) {
  w.d1(`UPDATE sessions SET auth_time = auth_time - ${minutes * 60_000} WHERE id = ${sql(claimsOf(token).sid)}`);
}

const listPasskeys = (token, target = directApp) => w.api("GET", "/api/v1/users/me/passkeys", undefined, { app: target.id, bearer: token });

function signingKey(d = w.secrets.AUTHAZ_SIGNING_KEYS.split(",")[0].trim()) {
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(Buffer.from(d, "base64url"));
  const point = ecdh.getPublicKey();
  const jwk = { kty: "EC", crv: "P-256", d, x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) };
  const kid = b64u(createHash("sha256").update(point).digest()).slice(0, 16);
  return { kid, privateKey: createPrivateKey({ key: jwk, format: "jwk" }) };
}

/** An ES256 JWT signed with the Worker's own signing key. */
function signJwt(claims) {
  const key = signingKey();
  const input = `${b64u(JSON.stringify({ alg: "ES256", typ: "JWT", kid: key.kid }))}.${b64u(JSON.stringify(claims))}`;
  return `${input}.${b64u(sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" }))}`;
}

// ---- 1. hostnames ----

test("hostnames: only the operator changes them, each under the rpId, never one of the Worker's own hosts", async () => {
  const created = await w.api("POST", "/api/v1/applications",
    { name: "Hosts", rpId: "localhost", origins: [w.base], hostnames: ["hosts-a.localhost"] }, { key: "admin" });
  expectStatus(created, 201, "create");
  const { application, apiKey } = created.body;
  const path = `/api/v1/applications/${application.id}`;

  // An application key cannot move its application onto another host (that would take the host).
  expectError(await w.api("PATCH", path, { hostnames: ["victim.localhost"] }, { key: apiKey }), 403, "forbidden", "app key, new hostnames");
  expectError(await w.api("PATCH", path, { name: "X", hostnames: [] }, { key: apiKey }), 403, "forbidden", "app key, hostnames cleared");
  const unchanged = await w.api("GET", path, undefined, { key: "admin" });
  assert.deepEqual(unchanged.body.application.hostnames, ["hosts-a.localhost"]);
  assert.equal(unchanged.body.application.name, "Hosts", "a refused patch changes nothing");
  // Its other fields, and its hostnames sent back unchanged, are still its own to patch.
  expectStatus(await w.api("PATCH", path, { name: "Hosts 2", hostnames: ["hosts-a.localhost"] }, { key: apiKey }), 200, "app key, same hostnames");
  expectStatus(await w.api("PATCH", path, { hostnames: ["hosts-b.localhost"] }, { key: "admin" }), 200, "operator");

  // Under the rpId only.
  for (const outside of ["evil.example.com", "localhost.example.com"]) {
    expectError(await w.api("PATCH", path, { hostnames: [outside] }, { key: "admin" }), 400, "invalid_request", `outside the rpId: ${outside}`);
  }
  // The Worker's own hosts are reserved (default: every workers.dev name).
  const onWorkersDev = await w.api("POST", "/api/v1/applications", {
    name: "Squatter", rpId: "authaz.someone.workers.dev", origins: ["https://authaz.someone.workers.dev"], hostnames: ["authaz.someone.workers.dev"],
  }, { key: "admin" });
  expectError(onWorkersDev, 400, "invalid_request", "a workers.dev hostname");
  assert.match(onWorkersDev.body.error.message, /Worker's own hosts/);
});

// ---- 3. stolen sessions ----

test("auth_time: access tokens carry it, refresh keeps it; a passkey, recovery codes and hand-off codes need a recent ceremony", async () => {
  const account = await signUp();
  const token = account.session.accessToken;
  const claims = claimsOf(token);
  assert.ok(Math.abs(claims.auth_time - Date.now() / 1000) < 60, `auth_time ${claims.auth_time}`);

  // Right after signup: all allowed.
  await addPasskey(token);
  expectStatus(await w.api("POST", "/api/v1/users/me/recovery-codes", undefined, { app: directApp.id, bearer: token }), 200, "fresh: codes");
  expectStatus(await w.api("POST", "/auth/authorize", { redirect_uri: CALLBACK }, { app: directApp.id, bearer: token }), 200, "fresh: hand-off");

  // Six minutes later (the session's ceremony made old): refused, nothing changes.
  ageCeremony(token, 6);
  const before = w.d1(`SELECT (SELECT COUNT(*) FROM credentials WHERE user_id = ${sql(account.user.id)}) AS creds,
    (SELECT COUNT(*) FROM authorization_codes WHERE user_id = ${sql(account.user.id)}) AS codes`)[0];
  expectError(await post("register/start", {}, directApp, { bearer: token }), 401, "reauthentication_required", "old: register/start");
  expectError(await w.api("POST", "/api/v1/users/me/recovery-codes", undefined, { app: directApp.id, bearer: token }), 401, "reauthentication_required", "old: codes");
  expectError(await w.api("POST", "/auth/authorize", { redirect_uri: CALLBACK }, { app: directApp.id, bearer: token }), 401, "reauthentication_required", "old: hand-off");
  const after = w.d1(`SELECT (SELECT COUNT(*) FROM credentials WHERE user_id = ${sql(account.user.id)}) AS creds,
    (SELECT COUNT(*) FROM authorization_codes WHERE user_id = ${sql(account.user.id)}) AS codes`)[0];
  assert.deepEqual(after, before);
  // The session itself still works for everything else.
  expectStatus(await listPasskeys(token), 200, "old session lists passkeys");

  // A refresh keeps the ceremony's time: still too old.
  const refreshed = await w.api("POST", "/auth/token/refresh", { refreshToken: account.session.refreshToken }, { app: directApp.id });
  expectStatus(refreshed, 200, "refresh");
  assert.equal(claimsOf(refreshed.body.session.accessToken).auth_time, claims.auth_time - 360, "refresh keeps auth_time");
  expectError(await w.api("POST", "/api/v1/users/me/recovery-codes", undefined, { app: directApp.id, bearer: refreshed.body.session.accessToken }),
    401, "reauthentication_required", "refreshed: codes");

  // A new passkey sign-in makes a fresh session.
  const fresh = await logIn(account);
  expectStatus(await w.api("POST", "/api/v1/users/me/recovery-codes", undefined, { app: directApp.id, bearer: fresh.accessToken }), 200, "after a new sign-in");

  // The recovery path needs no session at all.
  const code = (await w.api("POST", "/api/v1/users/me/recovery-codes", undefined, { app: directApp.id, bearer: fresh.accessToken })).body.recoveryCodes[0];
  expectStatus(await post("register/start", { email: account.email, recoveryCode: code }, directApp), 200, "recovery code, no Bearer");
});

test("a hand-off code passes its session's ceremony on: the exchanged session is no fresher", async () => {
  const account = await signUp();
  const handOff = await w.api("POST", "/auth/authorize", { redirect_uri: CALLBACK }, { app: directApp.id, bearer: account.session.accessToken });
  expectStatus(handOff, 200, "authorize");
  const code = new URL(handOff.body.redirectTo).searchParams.get("code");
  const exchanged = await w.api("POST", "/auth/token", { code }, { app: directApp.id, key: directApp.apiKey });
  expectStatus(exchanged, 200, "exchange");
  assert.equal(claimsOf(exchanged.body.session.accessToken).auth_time, claimsOf(account.session.accessToken).auth_time);
});

test("removing a passkey ends the sessions signed in with it, and only those", async () => {
  const account = await signUp();
  const second = await addPasskey(account.session.accessToken);
  const viaSecond = await logIn(account, directApp, second.auth);
  const viaFirst = await logIn(account);
  expectStatus(await listPasskeys(viaSecond.accessToken), 200, "before");

  const removed = await w.api("DELETE", `${P}/passkeys/${second.passkey.id}`, undefined, { app: directApp.id, bearer: viaFirst.accessToken });
  expectStatus(removed, 204, "remove the second passkey");
  expectError(await listPasskeys(viaSecond.accessToken), 401, "unauthorized", "the session of the removed passkey");
  expectError(await w.api("POST", "/auth/token/refresh", { refreshToken: viaSecond.refreshToken }, { app: directApp.id }), 401, "unauthorized", "its refresh token");
  expectStatus(await listPasskeys(viaFirst.accessToken), 200, "a session of the other passkey");
  expectStatus(await listPasskeys(account.session.accessToken), 200, "the signup session (first passkey)");
  // Removing a passkey with a session of its own keeps that session (it acted), ends the others.
  const third = await addPasskey(viaFirst.accessToken);
  const viaThird = await logIn(account, directApp, third.auth);
  const viaThirdToo = await logIn(account, directApp, third.auth);
  expectStatus(await w.api("DELETE", `${P}/passkeys/${third.passkey.id}`, undefined, { app: directApp.id, bearer: viaThird.accessToken }), 204, "remove with its own session");
  expectStatus(await listPasskeys(viaThird.accessToken), 200, "the removing session stays");
  expectError(await listPasskeys(viaThirdToo.accessToken), 401, "unauthorized", "another session of it ends");
  assert.equal(w.d1(`SELECT revoked_reason FROM sessions WHERE id = ${sql(claimsOf(viaSecond.accessToken).sid)}`)[0].revoked_reason, "passkey_removed");

  // The last passkey is refused (409) and then ends nothing.
  const last = await w.api("DELETE", `${P}/passkeys/${account.passkey.id}`, undefined, { app: directApp.id, bearer: viaFirst.accessToken });
  expectError(last, 409, "last_passkey", "the last passkey");
  expectStatus(await listPasskeys(viaFirst.accessToken), 200, "still signed in");
});

test("operator reset also burns the recovery codes and the pending hand-off codes", async () => {
  const account = await signUp();
  const handOff = await w.api("POST", "/auth/authorize", { redirect_uri: CALLBACK }, { app: directApp.id, bearer: account.session.accessToken });
  expectStatus(handOff, 200, "authorize");
  const code = new URL(handOff.body.redirectTo).searchParams.get("code");
  expectStatus(await w.api("DELETE", `/api/v1/users/${account.user.id}/passkeys`, undefined, { key: directApp.apiKey }), 200, "reset");
  expectError(await post("register/start", { email: account.email, recoveryCode: account.recoveryCodes[0] }, directApp), 401, "unauthorized", "a recovery code after reset");
  expectError(await w.api("POST", "/auth/token", { code }, { app: directApp.id, key: directApp.apiKey }), 400, "invalid_code", "a hand-off code after reset");
});

// ---- 4. enumeration at signup/start ----

test("signup/start: a bogus verificationToken learns nothing of existing accounts", async () => {
  const target = await w.createApp({ name: "Enumeration", passkey: { enabled: true, directSignup: true } });
  const account = await signUp(target);
  expectError(await post("signup/start", { email: account.email }, target), 409, "email_taken", "direct signup on: entitled");
  const off = await w.api("PUT", `/api/v1/applications/${target.id}/auth/passkey`, { enabled: true, directSignup: false }, { key: "admin" });
  expectStatus(off, 200, "direct signup off");
  const known = await post("signup/start", { email: account.email, verificationToken: "vt_bogus" }, target);
  const unknown = await post("signup/start", { email: uniqueEmail(), verificationToken: "vt_bogus" }, target);
  expectError(known, 400, "invalid_code", "a bogus token for a taken email");
  expectError(unknown, 400, "invalid_code", "a bogus token for a free email");
  assert.equal(known.text, unknown.text, "the same answer");
});

// ---- 5. slow guessing of email codes ----

test("email codes: 20 checks per address a day across codes; then even the right code answers like a wrong one", async () => {
  const email = uniqueEmail("guess");
  const ip = uniqueIp();
  const mailed = async () => {
    const since = w.sentMail().length;
    expectStatus(await post("signup/verify-email/request", { email }, app, { ip }), 202, "request");
    const mail = await w.waitForMail(email, { since });
    return /\b(\d{6})\b/.exec(mail.text)[1];
  };
  const confirm = (code) => post("signup/verify-email/confirm", { email, code }, app, { ip });
  const wrong = (code) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");
  let first = null;
  for (let round = 0; round < 4; round++) {
    const code = await mailed();
    for (let i = 0; i < 5; i++) {
      const r = await confirm(wrong(code));
      expectError(r, 400, "invalid_code", `round ${round}, try ${i}`);
      first ??= r.text;
      assert.equal(r.text, first, "every refusal answers alike");
    }
    // The burned code answers like any wrong code, even when right.
    const burned = await confirm(code);
    assert.equal(burned.text, first, "a burned code");
  }
  // 24 checks so far (the cap counts every check): a fresh, right code is refused, alike.
  const code = await mailed();
  const capped = await confirm(code);
  expectError(capped, 400, "invalid_code", "the right code past the cap");
  assert.equal(capped.text, first, "the cap answers like a wrong code");
  // Another address is not affected.
  const other = uniqueEmail("guess");
  const since = w.sentMail().length;
  expectStatus(await post("signup/verify-email/request", { email: other }, app, { ip }), 202, "other request");
  const otherCode = /\b(\d{6})\b/.exec((await w.waitForMail(other, { since })).text)[1];
  expectStatus(await post("signup/verify-email/confirm", { email: other, code: otherCode }, app, { ip }), 200, "another address");
});

// ---- 6. chunked bodies ----

/**
 * POSTs a chunked body (no Content-Length) of `total` bytes: the JSON `head`, then spaces. After
 * `hold` bytes it stops sending until the answer comes (at most 20 s), so a Worker that buffers
 * the whole body before refusing it answers only after everything was sent.
 */
function chunkedPost(path, headers, head, { total, hold }) {
  return new Promise((resolve, reject) => {
    let sent = 0, answered = false, wake = null;
    const req = request({ host: "127.0.0.1", port: w.port, path, method: "POST", headers: { ...headers, "content-type": "application/json" } });
    req.on("response", (res) => {
      answered = true;
      const sentWhenAnswered = sent;
      wake?.();
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, text, sentWhenAnswered }));
    });
    req.on("error", (e) => { if (!answered) reject(e); });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    (async () => {
      req.write(head);
      sent += head.length;
      while (sent < total && !answered) {
        if (!req.write(chunk)) await new Promise((r) => { wake = r; req.once("drain", r); });
        sent += chunk.length;
        if (sent >= hold && sent - chunk.length < hold) {
          await new Promise((r) => { wake = r; setTimeout(r, 20_000); });
        }
      }
      if (!answered) req.end("}");
    })().catch(() => {});
  });
}

test("a chunked body without Content-Length is refused once it passes 64 KiB, before the rest is even sent", async () => {
  const count = () => w.d1("SELECT COUNT(*) AS n FROM applications")[0].n;
  const before = count();
  const head = `{"name":"Chunked","rpId":"localhost","origins":["${w.base}"]`;
  const total = 8 * 1024 * 1024;
  const res = await chunkedPost("/api/v1/applications", { "x-api-key": w.adminKey }, head, { total, hold: 1024 * 1024 });
  assert.equal(res.status, 413, res.text);
  assert.equal(JSON.parse(res.text).error.code, "payload_too_large");
  assert.ok(res.sentWhenAnswered < total, `answered after ${res.sentWhenAnswered} of ${total} bytes: the body was read to its end`);
  assert.equal(count(), before, "nothing stored");
  expectStatus(await w.api("GET", "/healthz"), 200, "the Worker is fine");
});

// ---- 7. hand-off rate limit, sweep ----

test("POST /auth/authorize is rate limited per client IP like the ceremony starts", async () => {
  const account = await signUp();
  const ip = uniqueIp();
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 35_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
  let statuses = [];
  for (let batch = 0; batch < 301; batch += 50) {
    const n = Math.min(50, 301 - batch);
    const rs = await Promise.all(Array.from({ length: n },
      () => w.api("POST", "/auth/authorize", { redirect_uri: CALLBACK }, { app: directApp.id, bearer: account.session.accessToken, ip })));
    statuses = statuses.concat(rs.map((r) => r.status));
  }
  assert.equal(statuses.filter((s) => s === 200).length, 300, statuses.join(","));
  assert.equal(statuses.filter((s) => s === 429).length, 1, "300 a minute per IP");
});

test("the Cron Trigger sweeps expired sessions, refresh tokens, email verifications and hand-off codes; live rows stay", async () => {
  const account = await signUp();
  const live = claimsOf(account.session.accessToken).sid;
  const uid = sql(account.user.id), aid = sql(directApp.id);
  const old = Date.now() - 60_000;
  w.d1(`INSERT INTO sessions (id, app_id, user_id, created_at, expires_at) VALUES ('ses_swept1', ${aid}, ${uid}, 1, ${old});
    INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ('rt_swept1', 'ses_swept1', 1, ${old});
    INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ('rt_swept2', ${sql(live)}, 1, ${old});
    INSERT INTO email_verifications (id, app_id, email, code_hash, expires_at, created_at) VALUES ('ev_swept1', ${aid}, 'x@example.com', 'h', ${old}, 1);
    INSERT INTO email_verifications (id, app_id, email, code_hash, expires_at, created_at, token_hash, token_expires_at) VALUES ('ev_kept1', ${aid}, 'y@example.com', 'h', ${old}, 1, 'th_kept1', ${Date.now() + 600_000});
    INSERT INTO authorization_codes (code_hash, app_id, user_id, redirect_uri, expires_at) VALUES ('ac_swept1', ${aid}, ${uid}, 'https://x', ${old});
    INSERT INTO authorization_codes (code_hash, app_id, user_id, redirect_uri, expires_at) VALUES ('ac_kept1', ${aid}, ${uid}, 'https://x', ${Date.now() + 600_000});`);
  const ids = () => w.d1(`SELECT 's' AS t, id FROM sessions WHERE id IN ('ses_swept1', ${sql(live)})
    UNION ALL SELECT 'r', token_hash FROM refresh_tokens WHERE token_hash IN ('rt_swept1', 'rt_swept2') OR session_id = ${sql(live)}
    UNION ALL SELECT 'e', id FROM email_verifications WHERE id IN ('ev_swept1', 'ev_kept1')
    UNION ALL SELECT 'a', code_hash FROM authorization_codes WHERE code_hash IN ('ac_swept1', 'ac_kept1')`).map((r) => r.id).sort();
  assert.equal(ids().length, 9);
  const fired = await w.scheduled();
  expectStatus(fired, 200, "scheduled");
  let left = ids();
  for (let i = 0; i < 50 && left.length !== 4; i++) { await new Promise((r) => setTimeout(r, 100)); left = ids(); }
  const liveRefresh = w.d1(`SELECT token_hash FROM refresh_tokens WHERE session_id = ${sql(live)} AND token_hash != 'rt_swept2'`).map((r) => r.token_hash);
  assert.deepEqual(left, ["ac_kept1", "ev_kept1", live, ...liveRefresh].sort());
  // The live session still works.
  expectStatus(await listPasskeys(account.session.accessToken), 200, "live session");
  expectStatus(await w.api("POST", "/auth/token/refresh", { refreshToken: account.session.refreshToken }, { app: directApp.id }), 200, "live refresh token");
});

// ---- 8. the issuer ----

test("iss: one issuer per application, always checked", async () => {
  const withHost = await w.createApp({ name: "Issuer A", hostnames: ["iss-a.localhost"], passkey: { enabled: true, directSignup: true } });
  const other = await w.createApp({ name: "Issuer B", hostnames: ["iss-b.localhost"], passkey: { enabled: true, directSignup: true } });
  const account = await signUp(withHost);
  const claims = claimsOf(account.session.accessToken);
  assert.equal(claims.iss, "https://iss-a.localhost", "the first hostname");
  const list = (token) => listPasskeys(token, withHost);
  expectStatus(await list(signJwt(claims)), 200, "a token signed here with the right claims");
  // The same token with another application's issuer (or any other) is refused, though well signed.
  expectError(await list(signJwt({ ...claims, iss: "https://iss-b.localhost" })), 401, "unauthorized", "app B's issuer");
  expectError(await list(signJwt({ ...claims, iss: w.base })), 401, "unauthorized", "the request's origin");
  const { iss: _, ...withoutIss } = claims;
  expectError(await list(signJwt(withoutIss)), 401, "unauthorized", "no iss");
  // Without hostnames (and AUTHAZ_ISSUER empty, as shipped): the origin; loopback names alike.
  const plain = await signUp();
  const plainClaims = claimsOf(plain.session.accessToken);
  assert.equal(plainClaims.iss, `http://127.0.0.1:${w.port}`);
  expectStatus(await listPasskeys(signJwt({ ...plainClaims, iss: `http://localhost:${w.port}` })), 200, "minted through localhost");
  expectError(await listPasskeys(signJwt({ ...plainClaims, iss: "https://iss-a.localhost" })), 401, "unauthorized", "another app's issuer");
  assert.ok(other.id);
});

// ---- 10. API keys ----

test("API keys: rotation with a grace period, revocation, each recorded with who and when", async () => {
  const created = await w.api("POST", "/api/v1/applications", { name: "Keys", rpId: "localhost", origins: [w.base] }, { key: "admin" });
  expectStatus(created, 201, "create");
  const appId = created.body.application.id;
  const k1 = created.body.apiKey;
  const keys = `/api/v1/applications/${appId}/api-keys`;
  const works = async (key) => (await w.api("GET", `/api/v1/applications/${appId}`, undefined, { key })).status;

  let listed = await w.api("GET", keys, undefined, { key: k1 });
  expectStatus(listed, 200, "list");
  assert.equal(listed.body.apiKeys.length, 1);
  const k1Id = listed.body.apiKeys[0].id;
  assert.ok(!listed.text.includes(k1), "never the key itself");
  assert.deepEqual(listed.body.events.map((e) => [e.action, e.actor, e.keyId]), [["created", "operator", k1Id]]);

  expectError(await w.api("POST", keys, {}, { key: k1 }), 400, "invalid_request", "no grace period");
  expectError(await w.api("POST", keys, { gracePeriodSeconds: -1 }, { key: k1 }), 400, "invalid_request", "negative");
  expectError(await w.api("POST", keys, { gracePeriodSeconds: 3 }, { key: directApp.apiKey }), 403, "forbidden", "another app's key");

  // Rotate with a 3 s grace period: both keys work, then only the new one.
  const rotated = await w.api("POST", keys, { gracePeriodSeconds: 3 }, { key: k1 });
  expectStatus(rotated, 201, "rotate");
  const k2 = rotated.body.apiKey;
  assert.notEqual(k2, k1);
  assert.equal(await works(k1), 200, "old key in its grace period");
  assert.equal(await works(k2), 200, "new key");
  await new Promise((r) => setTimeout(r, 3_500));
  assert.equal(await works(k1), 401, "old key after its grace period");
  assert.equal(await works(k2), 200, "new key after");

  // Revoke: refused at once.
  const k2Id = rotated.body.key.id;
  expectError(await w.api("DELETE", `${keys}/key_unknown`, undefined, { key: k2 }), 404, "not_found", "unknown key id");
  const revoked = await w.api("DELETE", `${keys}/${k2Id}`, undefined, { key: "admin" });
  expectStatus(revoked, 200, "revoke");
  assert.equal(revoked.body.key.active, false);
  assert.equal(await works(k2), 401, "a revoked key");
  expectError(await w.api("DELETE", `${keys}/${k2Id}`, undefined, { key: "admin" }), 404, "not_found", "revoked twice");

  listed = await w.api("GET", keys, undefined, { key: "admin" });
  assert.deepEqual(listed.body.events.map((e) => [e.action, e.actor, e.keyId]), [
    ["created", "operator", k1Id], ["rotated", `key:${k1Id}`, k2Id], ["revoked", "operator", k2Id],
  ]);
  assert.equal(listed.body.events[1].detail.gracePeriodSeconds, 3);
  for (const e of listed.body.events) assert.match(e.at, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(listed.body.apiKeys.map((k) => k.active), [false, false]);
});
