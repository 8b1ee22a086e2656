// Audit events end to end (docs/API.md, "Audit events"), against wrangler dev with local D1: each
// action writes its event exactly once (counted in D1 itself and through the events API), a
// refused action writes no success event, no secret or email address ever lands in a row, the
// events API filters, pages and isolates tenants, and the hourly sweep deletes only events past
// their application's eventRetentionDays (and expired OpenID Connect requests and codes).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startWorker } from "./harness.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";

const P = "/auth/passkey-provider";
let w, appA, appB, verifiedApp;

before(async () => {
  w = await startWorker();
  appA = await w.createApp({ name: "Events A", passkey: { enabled: true, directSignup: true } });
  appB = await w.createApp({ name: "Events B", passkey: { enabled: true, directSignup: true } });
  verifiedApp = await w.createApp({ name: "Events verified", passkey: { enabled: true } });
});

after(async () => {
  await w?.stop();
});

// ---- helpers ----

const sql = (s) => `'${String(s).replaceAll("'", "''")}'`;
const uniqueEmail = () => `ev-${randomBytes(5).toString("hex")}@example.com`;
const UA = "events-e2e/1.0 (test)";
const IP = "2001:db8::e1";
const post = (path, body, target, opts = {}) =>
  w.api("POST", `${P}/${path}`, body, { app: target.id, ip: IP, headers: { "user-agent": UA }, ...opts });

function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text}`);
}

/** Rows of `events` in D1 for this application (and optionally type and user), oldest first. */
function rows(target, { type, user } = {}) {
  const where = [`app_id = ${sql(target.id)}`];
  if (type) where.push(`type = ${sql(type)}`);
  if (user) where.push(`user_id = ${sql(user)}`);
  return w.d1(`SELECT * FROM events WHERE ${where.join(" AND ")} ORDER BY at, id`);
}

/** Every event of the events API for `target` with these filters, all pages walked. */
async function listed(target, params = {}, key = target.apiKey) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const qs = new URLSearchParams({ ...params, ...(cursor ? { cursor } : {}) });
    const r = await w.api("GET", `/api/v1/applications/${target.id}/events?${qs}`, undefined, { key });
    expectStatus(r, 200, "events list");
    out.push(...r.body.events);
    cursor = r.body.nextCursor;
    if (!cursor) return out;
  }
  throw new Error("too many pages");
}

/** Asserts exactly one event of `type` for `user` in D1 and through the API; answers the API's. */
async function exactlyOne(target, type, user, what) {
  const inD1 = rows(target, { type, user });
  assert.equal(inD1.length, 1, `${what}: ${type} rows in D1: ${JSON.stringify(inD1)}`);
  const viaApi = await listed(target, { type, ...(user ? { user } : {}) });
  assert.equal(viaApi.length, 1, `${what}: ${type} via the API`);
  assert.equal(viaApi[0].id, inD1[0].id);
  return viaApi[0];
}

/** No row of the application's events contains any of `secrets`. */
function assertNoSecrets(target, secrets, what) {
  const text = JSON.stringify(w.d1(`SELECT * FROM events WHERE app_id = ${sql(target.id)}`));
  for (const s of secrets.filter(Boolean)) assert.ok(!text.includes(s), `${what}: an event row holds ${s.slice(0, 12)}...`);
}

async function signUp(target = appA, auth = new SoftAuthenticator()) {
  const email = uniqueEmail();
  const start = await post("signup/start", { email }, target);
  expectStatus(start, 200, "signup/start");
  const done = await post("signup/complete", auth.create(start.body, { origin: w.base }), target);
  expectStatus(done, 201, "signup/complete");
  return { ...done.body, email, auth };
}

async function login(target, auth, getOpts = {}) {
  const start = await post("login/start", {}, target);
  expectStatus(start, 200, "login/start");
  return post("login/complete", auth.get(start.body, { origin: w.base, ...getOpts }), target);
}

// ---- the ceremonies ----

test("signup writes user.created and passkey.added once each, with ids, IP, user agent, and no email or secret", async () => {
  const account = await signUp();
  const uid = account.user.id;
  const created = await exactlyOne(appA, "user.created", uid, "signup");
  const added = await exactlyOne(appA, "passkey.added", uid, "signup");
  assert.equal(created.actor, "user");
  assert.equal(created.ip, IP);
  assert.equal(created.userAgent, UA);
  assert.equal(created.detail.emailVerified, false);
  assert.equal(added.passkeyId, account.passkey.id);
  assert.equal(added.detail.aaguid, account.passkey.aaguid);
  assert.equal(typeof added.detail.authenticator, "string");
  assert.ok(added.sessionId?.startsWith("ses_"));
  assert.equal(rows(appA, { user: uid }).length, 2, "nothing else");
  assertNoSecrets(appA, [account.email, ...account.recoveryCodes, account.session.accessToken, account.session.refreshToken], "signup");
});

test("verify-email/confirm writes email.verified (no user yet, no address); a wrong code writes nothing", async () => {
  const email = uniqueEmail();
  const since = w.sentMail().length;
  expectStatus(await post("signup/verify-email/request", { email }, verifiedApp), 202, "request");
  const mail = await w.waitForMail(email, { since });
  const code = /\b(\d{6})\b/.exec(mail.text)[1];
  const before = rows(verifiedApp, { type: "email.verified" }).length;
  const wrong = code === "000000" ? "111111" : "000000";
  expectStatus(await post("signup/verify-email/confirm", { email, code: wrong }, verifiedApp), 400, "wrong code");
  assert.equal(rows(verifiedApp, { type: "email.verified" }).length, before, "a wrong code writes no event");
  const ok = await post("signup/verify-email/confirm", { email, code }, verifiedApp);
  expectStatus(ok, 200, "confirm");
  const verified = rows(verifiedApp, { type: "email.verified" });
  assert.equal(verified.length, before + 1);
  const event = verified[verified.length - 1];
  assert.equal(event.user_id, null);
  assert.match(JSON.parse(event.detail).verificationId, /^ev_/);
  // Signup with the token: user.created says the email is verified.
  const auth = new SoftAuthenticator();
  const start = await post("signup/start", { email, verificationToken: ok.body.verificationToken }, verifiedApp);
  expectStatus(start, 200, "signup/start");
  const done = await post("signup/complete", auth.create(start.body, { origin: w.base }), verifiedApp);
  expectStatus(done, 201, "signup/complete");
  const created = await exactlyOne(verifiedApp, "user.created", done.body.user.id, "verified signup");
  assert.equal(created.detail.emailVerified, true);
  assert.equal(created.detail.verificationId, JSON.parse(event.detail).verificationId);
  assertNoSecrets(verifiedApp, [email, code, ok.body.verificationToken], "email verification");
});

test("register, rename and delete write passkey.added, passkey.renamed, passkey.removed once each; refusing the last passkey writes none", async () => {
  const account = await signUp();
  const uid = account.user.id;
  const bearer = account.session.accessToken;
  // The only passkey cannot be removed: 409 and no passkey.removed.
  const last = await w.api("DELETE", `${P}/passkeys/${account.passkey.id}`, undefined, { app: appA.id, bearer });
  expectStatus(last, 409, "last passkey");
  assert.equal(rows(appA, { type: "passkey.removed", user: uid }).length, 0, "no event for a refused delete");

  const start = await post("register/start", {}, appA, { bearer });
  expectStatus(start, 200, "register/start");
  const done = await post("register/complete", { credential: account.auth.create(start.body, { origin: w.base }), name: "Second" }, appA, { bearer });
  expectStatus(done, 201, "register/complete");
  const second = done.body.passkey.id;
  const added = rows(appA, { type: "passkey.added", user: uid });
  assert.equal(added.length, 2, "signup's and register's");
  assert.equal(added.filter((e) => e.passkey_id === second).length, 1);

  const renamed = await w.api("PATCH", `/api/v1/users/me/passkeys/${second}`, { name: "Renamed" }, { app: appA.id, bearer });
  expectStatus(renamed, 200, "rename");
  const r = await exactlyOne(appA, "passkey.renamed", uid, "rename");
  assert.equal(r.passkeyId, second);
  assert.equal(r.detail.name, "Renamed");
  expectStatus(await w.api("PATCH", `/api/v1/users/me/passkeys/pk_nope`, { name: "x" }, { app: appA.id, bearer }), 404, "unknown passkey");
  assert.equal(rows(appA, { type: "passkey.renamed", user: uid }).length, 1, "a refused rename writes nothing");

  // A second session signed in with the second passkey ends with it.
  const other = await login(appA, account.auth); // the soft authenticator's newest passkey: the second
  expectStatus(other, 200, "login with the second passkey");
  expectStatus(await w.api("DELETE", `${P}/passkeys/${second}`, undefined, { app: appA.id, bearer }), 204, "delete");
  const removed = await exactlyOne(appA, "passkey.removed", uid, "delete");
  assert.equal(removed.passkeyId, second);
  assert.equal(removed.detail.sessionsEnded, 1);
  expectStatus(await w.api("DELETE", `${P}/passkeys/${second}`, undefined, { app: appA.id, bearer }), 404, "deleted twice");
  assert.equal(rows(appA, { type: "passkey.removed", user: uid }).length, 1);
});

test("login writes login.succeeded once; a refused login writes login.refused naming the check, and no success", async () => {
  const account = await signUp();
  const uid = account.user.id;
  const ok = await login(appA, account.auth);
  expectStatus(ok, 200, "login");
  const succeeded = await exactlyOne(appA, "login.succeeded", uid, "login");
  assert.equal(succeeded.passkeyId, account.passkey.id);
  assert.ok(succeeded.sessionId?.startsWith("ses_"));

  const bad = await login(appA, account.auth, { bogusSignature: true });
  expectStatus(bad, 400, "bad signature");
  const refused = await exactlyOne(appA, "login.refused", uid, "bad signature");
  assert.equal(refused.detail.check, "signature");
  assert.equal(refused.passkeyId, account.passkey.id);
  assert.equal(refused.sessionId, null);
  assert.equal(rows(appA, { type: "login.succeeded", user: uid }).length, 1, "no success event for the refused login");

  // Refused before any credential was presented (not JSON, not a WebAuthn response): no event.
  const before = rows(appA, { type: "login.refused" }).length;
  expectStatus(await post("login/complete", undefined, appA, { raw: "{not json" }), 400, "malformed JSON");
  expectStatus(await post("login/complete", { hello: 1 }, appA), 400, "not a credential");
  assert.equal(rows(appA, { type: "login.refused" }).length, before);
  assertNoSecrets(appA, [ok.body.session.accessToken, ok.body.session.refreshToken], "login");
});

test("recovery: recovery_code.used and passkey.added once; regenerated codes write recovery_codes.regenerated; no code in any row", async () => {
  const account = await signUp();
  const uid = account.user.id;
  const code = account.recoveryCodes[0];
  const start = await post("register/start", { email: account.email, recoveryCode: code }, appA);
  expectStatus(start, 200, "register/start with a recovery code");
  const fresh = new SoftAuthenticator();
  const done = await post("register/complete", { credential: fresh.create(start.body, { origin: w.base }), email: account.email, recoveryCode: code }, appA);
  expectStatus(done, 201, "register/complete with a recovery code");
  const used = await exactlyOne(appA, "recovery_code.used", uid, "recovery");
  assert.equal(used.passkeyId, done.body.passkey.id);
  assert.equal(rows(appA, { type: "passkey.added", user: uid }).length, 2);
  // The code again: refused, nothing written.
  expectStatus(await post("register/start", { email: account.email, recoveryCode: code }, appA), 401, "used code");
  assert.equal(rows(appA, { type: "recovery_code.used", user: uid }).length, 1);

  const regenerated = await w.api("POST", "/api/v1/users/me/recovery-codes", undefined, { app: appA.id, bearer: account.session.accessToken });
  expectStatus(regenerated, 200, "new recovery codes");
  await exactlyOne(appA, "recovery_codes.regenerated", uid, "regenerate");
  assertNoSecrets(appA, [...account.recoveryCodes, ...regenerated.body.recoveryCodes, account.email], "recovery codes");
});

test("logout writes sessions.ended (reason logout); a reused refresh token writes refresh_token.reused once", async () => {
  const account = await signUp();
  const uid = account.user.id;
  const first = account.session.refreshToken;
  const rotated = await w.api("POST", "/auth/token/refresh", { refreshToken: first }, { app: appA.id });
  expectStatus(rotated, 200, "refresh");
  assert.equal(rows(appA, { type: "refresh_token.reused", user: uid }).length, 0, "a normal refresh writes nothing");
  expectStatus(await w.api("POST", "/auth/token/refresh", { refreshToken: first }, { app: appA.id }), 401, "reuse");
  const reused = await exactlyOne(appA, "refresh_token.reused", uid, "reuse");
  assert.ok(reused.sessionId?.startsWith("ses_"));
  // Again: the session has already ended; no second event.
  expectStatus(await w.api("POST", "/auth/token/refresh", { refreshToken: first }, { app: appA.id }), 401, "reuse again");
  assert.equal(rows(appA, { type: "refresh_token.reused", user: uid }).length, 1);
  assertNoSecrets(appA, [first, rotated.body.session.refreshToken], "refresh");

  const other = await login(appA, account.auth);
  expectStatus(other, 200, "login");
  expectStatus(await w.api("POST", "/auth/logout", undefined, { app: appA.id, bearer: other.body.session.accessToken }), 204, "logout");
  const ended = await exactlyOne(appA, "sessions.ended", uid, "logout");
  assert.equal(ended.detail.reason, "logout");
  expectStatus(await w.api("POST", "/auth/logout", undefined, { app: appA.id, bearer: other.body.session.accessToken }), 401, "logout twice");
  assert.equal(rows(appA, { type: "sessions.ended", user: uid }).length, 1);
});

test("operator reset writes passkeys.reset with the actor and what it removed", async () => {
  const account = await signUp();
  const uid = account.user.id;
  expectStatus(await w.api("DELETE", `/api/v1/users/${uid}/passkeys`, undefined, { key: appB.apiKey }), 403, "another app's key");
  assert.equal(rows(appA, { type: "passkeys.reset", user: uid }).length, 0);
  const reset = await w.api("DELETE", `/api/v1/users/${uid}/passkeys`, undefined, { key: "admin" });
  expectStatus(reset, 200, "reset");
  const event = await exactlyOne(appA, "passkeys.reset", uid, "reset");
  assert.equal(event.actor, "operator");
  assert.equal(event.detail.removed, 1);
  assert.equal(event.detail.sessionsEnded, 1);
});

// ---- the admin API ----

test("application, passkey config, API key and OIDC client changes write their events with the actor and changed fields", async () => {
  const target = await w.createApp({ name: "Events admin" });
  const keys = await w.api("GET", `/api/v1/applications/${target.id}/api-keys`, undefined, { key: target.apiKey });
  const keyId = keys.body.apiKeys[0].id;
  const base = rows(target);
  assert.deepEqual(base.map((e) => e.type).sort(), ["api_key.changed", "application.updated"], "creation");

  expectStatus(await w.api("PATCH", `/api/v1/applications/${target.id}`, { name: "Renamed", rpName: "Events admin" }, { key: target.apiKey }), 200, "patch");
  let updated = rows(target, { type: "application.updated" });
  assert.equal(updated.length, 2);
  assert.deepEqual(JSON.parse(updated[1].detail), { fields: ["name"] });
  assert.equal(updated[1].actor, `key:${keyId}`);
  // A patch that changes nothing, and a bad one, write nothing.
  expectStatus(await w.api("PATCH", `/api/v1/applications/${target.id}`, { name: "Renamed" }, { key: target.apiKey }), 200, "same name");
  expectStatus(await w.api("PATCH", `/api/v1/applications/${target.id}`, { eventRetentionDays: 0 }, { key: target.apiKey }), 400, "bad retention");
  assert.equal(rows(target, { type: "application.updated" }).length, 2);

  expectStatus(await w.api("PUT", `/api/v1/applications/${target.id}/auth/passkey`, { enabled: true, directSignup: true }, { key: "admin" }), 200, "put config");
  updated = rows(target, { type: "application.updated" });
  assert.equal(updated.length, 3);
  const config = JSON.parse(updated[2].detail);
  assert.deepEqual(config.fields, ["passkey"]);
  assert.deepEqual(config.passkey.sort(), ["directSignup", "enabled"]);
  assert.equal(updated[2].actor, "operator");

  const rotated = await w.api("POST", `/api/v1/applications/${target.id}/api-keys`, { gracePeriodSeconds: 0 }, { key: target.apiKey });
  expectStatus(rotated, 201, "rotate");
  expectStatus(await w.api("DELETE", `/api/v1/applications/${target.id}/api-keys/${rotated.body.key.id}`, undefined, { key: "admin" }), 200, "revoke");
  expectStatus(await w.api("DELETE", `/api/v1/applications/${target.id}/api-keys/${rotated.body.key.id}`, undefined, { key: "admin" }), 404, "revoke twice");
  const keyEvents = rows(target, { type: "api_key.changed" }).map((e) => [JSON.parse(e.detail).action, e.actor]);
  assert.deepEqual(keyEvents, [["created", "operator"], ["rotated", `key:${keyId}`], ["revoked", "operator"]]);
  // GET api-keys answers as before.
  const after = await w.api("GET", `/api/v1/applications/${target.id}/api-keys`, undefined, { key: "admin" });
  assert.deepEqual(after.body.events.map((e) => e.action), ["created", "rotated", "revoked"]);

  const created = await w.api("POST", `/api/v1/applications/${target.id}/clients`,
    { name: "Web", type: "confidential", redirectUris: ["http://localhost:8788/callback"] }, { key: "admin" });
  expectStatus(created, 201, "client create");
  const cid = created.body.client.id;
  expectStatus(await w.api("PATCH", `/api/v1/applications/${target.id}/clients/${cid}`, { name: "Web 2" }, { key: "admin" }), 200, "client patch");
  const secret = await w.api("POST", `/api/v1/applications/${target.id}/clients/${cid}/secret`, undefined, { key: "admin" });
  expectStatus(secret, 200, "client secret");
  expectStatus(await w.api("DELETE", `/api/v1/applications/${target.id}/clients/${cid}`, undefined, { key: "admin" }), 204, "client delete");
  expectStatus(await w.api("DELETE", `/api/v1/applications/${target.id}/clients/${cid}`, undefined, { key: "admin" }), 404, "client delete twice");
  const clientEvents = rows(target, { type: "oidc_client.changed" }).map((e) => JSON.parse(e.detail));
  assert.deepEqual(clientEvents.map((d) => d.action), ["created", "updated", "secret_rotated", "deleted"]);
  assert.deepEqual(clientEvents[1].fields, ["name"]);
  assert.ok(clientEvents.every((d) => d.clientId === cid));
  assertNoSecrets(target, [target.apiKey, rotated.body.apiKey, created.body.clientSecret, secret.body.clientSecret], "admin");
});

// ---- the events API ----

test("the events API: newest first, filters, keyset pagination, bad parameters 400, tenant isolation", async () => {
  const target = await w.createApp({ name: "Events list", passkey: { enabled: true, directSignup: true } });
  const a = await signUp(target);
  const b = await signUp(target);
  for (let i = 0; i < 3; i++) expectStatus(await login(target, a.auth), 200, "login");
  const all = await listed(target);
  const inD1 = rows(target);
  assert.equal(all.length, inD1.length);
  assert.deepEqual(all.map((e) => e.id), inD1.map((e) => e.id).reverse(), "newest first");
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].createdAt >= all[i].createdAt);

  // Pages of 2 walk the same list, each event once.
  const paged = await listed(target, { limit: "2" });
  assert.deepEqual(paged.map((e) => e.id), all.map((e) => e.id));
  const first = await w.api("GET", `/api/v1/applications/${target.id}/events?limit=2`, undefined, { key: target.apiKey });
  assert.equal(first.body.events.length, 2);
  assert.equal(typeof first.body.nextCursor, "string");
  const whole = await w.api("GET", `/api/v1/applications/${target.id}/events?limit=200`, undefined, { key: target.apiKey });
  assert.equal(whole.body.nextCursor, null);

  const byUser = await listed(target, { user: a.user.id });
  assert.ok(byUser.length >= 5 && byUser.every((e) => e.userId === a.user.id));
  const logins = await listed(target, { type: "login.succeeded" });
  assert.equal(logins.length, 3);
  assert.deepEqual(await listed(target, { type: "login.succeeded", user: b.user.id }), []);
  const future = new Date(Date.now() + 3_600_000).toISOString();
  assert.deepEqual(await listed(target, { since: future }), []);
  const since = all[2].createdAt;
  const recent = await listed(target, { since });
  assert.ok(recent.length >= 3 && recent.every((e) => e.createdAt >= since));

  const events = `/api/v1/applications/${target.id}/events`;
  for (const [qs, what] of [["type=passkey.exploded", "unknown type"], ["since=yesterday", "bad since"], ["limit=0", "limit 0"],
    ["limit=201", "limit 201"], ["cursor=bogus", "bad cursor"], ["page=2", "unknown parameter"]]) {
    const r = await w.api("GET", `${events}?${qs}`, undefined, { key: target.apiKey });
    expectStatus(r, 400, what);
    assert.equal(r.body.error.code, "invalid_request", what);
  }
  // Tenant isolation: another application's key is refused; no key, 401; the operator sees all.
  const foreign = await w.api("GET", events, undefined, { key: appB.apiKey });
  expectStatus(foreign, 403, "app B's key on app A's events");
  assert.equal(foreign.body.error.code, "forbidden");
  expectStatus(await w.api("GET", events, undefined, {}), 401, "no key");
  expectStatus(await w.api("GET", `/api/v1/applications/app_nope/events`, undefined, { key: "admin" }), 404, "unknown app");
  assert.equal((await listed(target, {}, "admin")).length, all.length);
  // Only this application's events.
  assert.ok(all.every((e) => e.appId === target.id));
});

// ---- retention ----

test("eventRetentionDays: default 90, validated, and the sweep deletes only events past it (and expired OIDC requests and codes)", async () => {
  const created = await w.api("POST", "/api/v1/applications", { name: "Retention", rpId: "localhost", origins: [w.base], eventRetentionDays: 7 }, { key: "admin" });
  expectStatus(created, 201, "create with retention");
  assert.equal(created.body.application.eventRetentionDays, 7);
  const short = { ...created.body.application, apiKey: created.body.apiKey };
  assert.equal((await w.api("GET", `/api/v1/applications/${appA.id}`, undefined, { key: "admin" })).body.application.eventRetentionDays, 90, "default");
  for (const bad of [0, 3651, -1, 1.5, "30", null]) {
    const r = await w.api("PATCH", `/api/v1/applications/${short.id}`, { eventRetentionDays: bad }, { key: "admin" });
    expectStatus(r, 400, `eventRetentionDays ${bad}`);
    const c = await w.api("POST", "/api/v1/applications", { name: "x", rpId: "localhost", origins: [w.base], eventRetentionDays: bad }, { key: "admin" });
    expectStatus(c, 400, `create with eventRetentionDays ${bad}`);
  }
  const patched = await w.api("PATCH", `/api/v1/applications/${short.id}`, { eventRetentionDays: 1 }, { key: "admin" });
  expectStatus(patched, 200, "patch retention");
  assert.equal(patched.body.application.eventRetentionDays, 1);
  assert.deepEqual(JSON.parse(rows(short, { type: "application.updated" }).at(-1).detail), { fields: ["eventRetentionDays"] });

  const day = 86_400_000, now = Date.now();
  const ins = (id, app, at) => `INSERT INTO events (id, app_id, type, actor, at) VALUES ('${id}', ${sql(app.id)}, 'login.refused', 'user', ${at});`;
  w.d1(ins("evt_old_short", short, now - 2 * day) + ins("evt_new_short", short, now - day / 2) +
    ins("evt_old_long", appB, now - 2 * day) + ins("evt_ancient_long", appB, now - 91 * day));
  // Expired and live OpenID Connect requests and codes.
  const client = await w.api("POST", `/api/v1/applications/${appB.id}/clients`, { name: "Sweep", type: "public", redirectUris: ["http://localhost:8788/cb"] }, { key: "admin" });
  expectStatus(client, 201, "client");
  const cid = sql(client.body.client.id), aid = sql(appB.id);
  const user = await signUp(appB);
  const req = (h, exp) => `INSERT INTO oidc_requests (handle_hash, app_id, client_id, issuer, redirect_uri, scope, force_login, created_at, expires_at)
    VALUES ('${h}', ${aid}, ${cid}, 'i', 'http://localhost:8788/cb', 'openid', 0, 1, ${exp});`;
  const code = (h, exp) => `INSERT INTO oidc_codes (code_hash, app_id, client_id, user_id, issuer, redirect_uri, scope, auth_time, amr, expires_at)
    VALUES ('${h}', ${aid}, ${cid}, ${sql(user.user.id)}, 'i', 'http://localhost:8788/cb', 'openid', 1, '[]', ${exp});`;
  w.d1(req("rq_swept", now - 60_000) + req("rq_kept", now + 600_000) + code("oc_swept", now - 60_000) + code("oc_kept", now + 600_000));

  const fired = await w.scheduled();
  expectStatus(fired, 200, "scheduled");
  const left = () => w.d1(`SELECT id FROM events WHERE id IN ('evt_old_short', 'evt_new_short', 'evt_old_long', 'evt_ancient_long')
    UNION ALL SELECT handle_hash FROM oidc_requests WHERE handle_hash IN ('rq_swept', 'rq_kept')
    UNION ALL SELECT code_hash FROM oidc_codes WHERE code_hash IN ('oc_swept', 'oc_kept')`).map((r) => r.id).sort();
  let ids = left();
  for (let i = 0; i < 50 && ids.length !== 4; i++) { await new Promise((r) => setTimeout(r, 100)); ids = left(); }
  assert.deepEqual(ids, ["evt_new_short", "evt_old_long", "oc_kept", "rq_kept"]);
  // The events written just now stay.
  assert.ok(rows(short, { type: "application.updated" }).length >= 2);
});
