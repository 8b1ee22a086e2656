// Sessions and passkey management against the real Worker (wrangler dev, local D1): the JWKS and
// the access token's claims and signature, refresh-token rotation and reuse, logout, expired,
// badly signed and foreign tokens, revoked sessions, passkey list/rename/delete (last_passkey),
// recovery-code regeneration, the operator reset, and the structured logs of these endpoints.
//
// Users and their passkeys come from the real ceremonies (direct signup, register, login), driven
// by a software authenticator (tests/e2e/soft-authenticator.mjs) rather than a browser: these
// tests are about what happens after the ceremony.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import { startWorker } from "./harness.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";

const GOOGLE_PASSWORD_MANAGER = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4";

let w, app, otherApp;
const freshScalar = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }).d;

before(async () => {
  w = await startWorker();
  const passkey = { enabled: true, directSignup: true };
  app = await w.createApp({ name: "Sessions Test", passkey });
  otherApp = await w.createApp({ name: "Other App", passkey });
});

after(async () => {
  await w?.stop();
});

const b64u = (bytes) => Buffer.from(bytes).toString("base64url");
const fromB64u = (text) => Buffer.from(text, "base64url");
const decodePart = (part) => JSON.parse(fromB64u(part).toString("utf8"));
const aaguidBytes = (uuid) => Buffer.from(uuid.replaceAll("-", ""), "hex");

function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text}`);
}

function expectError(res, status, code, what) {
  expectStatus(res, status, what);
  assert.equal(res.body?.error?.code, code, `${what}: ${res.text}`);
}

/** A new user of `target` signed up directly with one passkey: {user, passkey, recoveryCodes, session, device}. */
async function signUp(target = app, { aaguid = GOOGLE_PASSWORD_MANAGER, worker = w } = {}) {
  const device = new SoftAuthenticator({ aaguid: aaguidBytes(aaguid) });
  const email = `u${randomBytes(6).toString("hex")}@example.com`;
  const start = await worker.api("POST", "/auth/passkey-provider/signup/start", { email, displayName: "Test User" }, { app: target.id });
  expectStatus(start, 200, "signup/start");
  const credential = device.create(start.body, { origin: worker.base });
  const done = await worker.api("POST", "/auth/passkey-provider/signup/complete", credential, { app: target.id });
  expectStatus(done, 201, "signup/complete");
  return { ...done.body, email, device };
}

/** Registers another passkey for a signed-in user; answers the new passkey JSON. */
async function addPasskey(target, account, { aaguid = "00000000-0000-0000-0000-000000000000" } = {}) {
  account.device.aaguid = aaguidBytes(aaguid);
  const start = await w.api("POST", "/auth/passkey-provider/register/start", {}, { app: target.id, bearer: account.session.accessToken });
  expectStatus(start, 200, "register/start");
  const credential = account.device.create(start.body, { origin: w.base });
  const done = await w.api("POST", "/auth/passkey-provider/register/complete", credential, { app: target.id, bearer: account.session.accessToken });
  expectStatus(done, 201, "register/complete");
  return done.body.passkey;
}

/** A second session for the account through a real login. */
async function logIn(target, account) {
  const start = await w.api("POST", "/auth/passkey-provider/login/start", {}, { app: target.id });
  expectStatus(start, 200, "login/start");
  const assertion = account.device.get(start.body, { origin: w.base });
  const done = await w.api("POST", "/auth/passkey-provider/login/complete", assertion, { app: target.id });
  expectStatus(done, 200, "login/complete");
  return done.body.session;
}

const listPasskeys = (target, token) => w.api("GET", "/api/v1/users/me/passkeys", undefined, { app: target.id, bearer: token });

/** A P-256 signing key from its base64url scalar `d` (default: the first key of this Worker's secret, the one that signs). */
function signingKey(d = w.secrets.AUTHAZ_SIGNING_KEYS.split(",")[0].trim()) {
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(fromB64u(d));
  const point = ecdh.getPublicKey(); // uncompressed: 04 || x || y
  const jwk = { kty: "EC", crv: "P-256", d, x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) };
  const kid = b64u(createHash("sha256").update(point).digest()).slice(0, 16);
  return { jwk, kid, privateKey: createPrivateKey({ key: jwk, format: "jwk" }) };
}

/** An ES256 JWT signed here (default: with the Worker's own signing key). */
function signJwt(header, claims, key = signingKey()) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  const signature = sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${b64u(signature)}`;
}

test("the JWKS publishes the signing key under the kid the tokens carry", async () => {
  const res = await w.api("GET", "/.well-known/jwks.json");
  expectStatus(res, 200, "jwks");
  assert.match(res.headers.get("content-type"), /application\/json/);
  assert.match(res.headers.get("cache-control"), /max-age=\d+/);
  const { jwk, kid } = signingKey();
  assert.deepEqual(res.body.keys, [{ kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, kid, use: "sig", alg: "ES256" }]);
});

test("an access token is an ES256 JWT with iss, aud, sub, sid, iat, exp and a published kid", async () => {
  const before = Math.floor(Date.now() / 1000);
  const account = await signUp();
  const { session, user } = account;
  assert.equal(session.tokenType, "Bearer");
  assert.equal(session.expiresIn, 900);
  assert.match(session.refreshToken, /^[A-Za-z0-9_-]{40,}$/);

  const [h, p, s] = session.accessToken.split(".");
  const header = decodePart(h);
  const claims = decodePart(p);
  assert.equal(header.alg, "ES256");
  const jwks = (await w.api("GET", "/.well-known/jwks.json")).body;
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} is in the JWKS`);
  const publicKey = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: "jwk" });
  assert.ok(verify("sha256", Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: "ieee-p1363" }, fromB64u(s)), "signature verifies with the JWKS key");

  assert.equal(claims.iss, `http://127.0.0.1:${w.port}`); // AUTHAZ_ISSUER is empty: the request's origin
  assert.equal(claims.aud, app.id);
  assert.equal(claims.sub, user.id);
  assert.equal(typeof claims.sid, "string");
  assert.ok(claims.iat >= before - 1 && claims.iat <= Math.floor(Date.now() / 1000) + 1, "iat is now");
  assert.equal(claims.exp - claims.iat, 900);

  expectStatus(await listPasskeys(app, session.accessToken), 200, "the token works");
});

test("refresh rotates the refresh token; a reused one ends the whole session", async () => {
  const { session } = await signUp();
  const first = await w.api("POST", "/auth/token/refresh", { refreshToken: session.refreshToken }, { app: app.id });
  expectStatus(first, 200, "first refresh");
  const rotated = first.body.session;
  assert.equal(rotated.tokenType, "Bearer");
  assert.notEqual(rotated.refreshToken, session.refreshToken);
  assert.equal(decodePart(rotated.accessToken.split(".")[1]).sid, decodePart(session.accessToken.split(".")[1]).sid, "same session");
  expectStatus(await listPasskeys(app, rotated.accessToken), 200, "the new access token works");

  const second = await w.api("POST", "/auth/token/refresh", { refreshToken: rotated.refreshToken }, { app: app.id });
  expectStatus(second, 200, "the successor refreshes once");
  const latest = second.body.session;

  // The first refresh token again: it leaked. The session ends, whichever of its tokens.
  expectError(await w.api("POST", "/auth/token/refresh", { refreshToken: session.refreshToken }, { app: app.id }), 401, "unauthorized", "reused refresh token");
  expectError(await listPasskeys(app, latest.accessToken), 401, "unauthorized", "access token of the ended session");
  expectError(await listPasskeys(app, session.accessToken), 401, "unauthorized", "first access token of the ended session");
  expectError(await w.api("POST", "/auth/token/refresh", { refreshToken: latest.refreshToken }, { app: app.id }), 401, "unauthorized", "latest refresh token of the ended session");
});

test("refresh refuses unknown, foreign and malformed refresh tokens without 500", async () => {
  const { session } = await signUp();
  expectError(await w.api("POST", "/auth/token/refresh", { refreshToken: "rt_" + b64u(randomBytes(32)) }, { app: app.id }), 401, "unauthorized", "unknown token");
  expectError(await w.api("POST", "/auth/token/refresh", { refreshToken: "x".repeat(5000) }, { app: app.id }), 401, "unauthorized", "huge token");
  expectError(await w.api("POST", "/auth/token/refresh", { refreshToken: session.refreshToken }, { app: otherApp.id }), 401, "unauthorized", "token of another app");
  expectError(await w.api("POST", "/auth/token/refresh", {}, { app: app.id }), 400, "invalid_request", "missing refreshToken");
  expectError(await w.api("POST", "/auth/token/refresh", { refreshToken: 42 }, { app: app.id }), 400, "invalid_request", "number");
  expectError(await w.api("POST", "/auth/token/refresh", undefined, { app: app.id, raw: "{not json" }), 400, "invalid_request", "not JSON");
  expectError(await w.api("POST", "/auth/token/refresh", undefined, { app: app.id, raw: JSON.stringify({ refreshToken: "a".repeat(70_000) }) }), 413, "payload_too_large", "65 KiB body");
  expectError(await w.api("POST", "/auth/token/refresh", { refreshToken: session.refreshToken }), 404, "app_not_found", "no application");
  // None of that used the token up (nor did a refresh through another app).
  expectStatus(await w.api("POST", "/auth/token/refresh", { refreshToken: session.refreshToken }, { app: app.id }), 200, "the real refresh");
});

test("logout ends only its own session", async () => {
  const account = await signUp();
  const a = account.session;
  const b = await logIn(app, account);
  expectStatus(await w.api("POST", "/auth/logout", undefined, { app: app.id, bearer: a.accessToken }), 204, "logout");
  expectError(await listPasskeys(app, a.accessToken), 401, "unauthorized", "token of the logged-out session");
  expectError(await w.api("POST", "/auth/token/refresh", { refreshToken: a.refreshToken }, { app: app.id }), 401, "unauthorized", "refresh of the logged-out session");
  expectError(await w.api("POST", "/auth/logout", undefined, { app: app.id, bearer: a.accessToken }), 401, "unauthorized", "second logout");
  expectStatus(await listPasskeys(app, b.accessToken), 200, "the other session lives on");
  expectStatus(await w.api("POST", "/auth/token/refresh", { refreshToken: b.refreshToken }, { app: app.id }), 200, "and refreshes");
  expectError(await w.api("POST", "/auth/logout", undefined, { app: app.id }), 401, "unauthorized", "logout without a token");
});

test("expired, badly signed, malformed and foreign access tokens are refused", async () => {
  const { session, user } = await signUp();
  const good = decodePart(session.accessToken.split(".")[1]);
  const { kid } = signingKey();
  const header = { alg: "ES256", typ: "JWT", kid };
  const now = Math.floor(Date.now() / 1000);

  // A token signed here exactly like the Worker's is accepted: the refusals below are about the one thing changed.
  const control = signJwt(header, { ...good, iat: now, exp: now + 900 });
  expectStatus(await listPasskeys(app, control), 200, "test-signed control token");

  const expired = signJwt(header, { ...good, iat: now - 3600, exp: now - 2700 });
  expectError(await listPasskeys(app, expired), 401, "unauthorized", "expired token");
  assert.match((await listPasskeys(app, expired)).body.error.message, /expired/);

  const [h, p, s] = session.accessToken.split(".");
  const flipped = fromB64u(s);
  flipped[10] ^= 1;
  expectError(await listPasskeys(app, `${h}.${p}.${b64u(flipped)}`), 401, "unauthorized", "tampered signature");
  const otherUser = b64u(JSON.stringify({ ...good, sub: "usr_someone_else" }));
  expectError(await listPasskeys(app, `${h}.${otherUser}.${s}`), 401, "unauthorized", "tampered claims");
  expectError(await listPasskeys(app, `${b64u(JSON.stringify({ alg: "none", kid }))}.${p}.`), 401, "unauthorized", "alg none");
  expectError(await listPasskeys(app, signJwt({ alg: "ES256", kid: "not-our-kid-0000" }, good)), 401, "unauthorized", "unknown kid");
  expectError(await listPasskeys(app, signJwt(header, { ...good, sid: "ses_does_not_exist" })), 401, "unauthorized", "unknown session");
  expectError(await listPasskeys(app, signJwt(header, { ...good, sub: user.id + "x" })), 401, "unauthorized", "sub not the session's user");
  for (const junk of ["", "abc", "a.b.c", "a.b.c.d", "x".repeat(6000)]) {
    expectError(await listPasskeys(app, junk), 401, "unauthorized", `junk token ${junk.slice(0, 10)}`);
  }
  const basic = await w.api("GET", "/api/v1/users/me/passkeys", undefined, { app: app.id, headers: { authorization: `Basic ${session.accessToken}` } });
  expectError(basic, 401, "unauthorized", "not a Bearer header");

  // The token of one application is refused by another, on every Bearer endpoint.
  expectError(await listPasskeys(otherApp, session.accessToken), 401, "unauthorized", "list in another app");
  expectError(await w.api("POST", "/auth/logout", undefined, { app: otherApp.id, bearer: session.accessToken }), 401, "unauthorized", "logout in another app");
  expectError(await w.api("POST", "/api/v1/users/me/recovery-codes", undefined, { app: otherApp.id, bearer: session.accessToken }), 401, "unauthorized", "recovery codes in another app");
  const forged = signJwt(header, { ...good, aud: otherApp.id, iat: now, exp: now + 900 });
  expectError(await listPasskeys(otherApp, forged), 401, "unauthorized", "aud rewritten to the other app (session is not of that app)");
  // Without an application named, the token's own application is used.
  expectStatus(await w.api("GET", "/api/v1/users/me/passkeys", undefined, { bearer: session.accessToken }), 200, "app from the token");
});

test("passkeys: list with names, rename, delete, last_passkey, other users' passkeys", async () => {
  const account = await signUp(app, { aaguid: GOOGLE_PASSWORD_MANAGER });
  const token = account.session.accessToken;
  let list = await listPasskeys(app, token);
  expectStatus(list, 200, "list");
  assert.equal(list.body.passkeys.length, 1);
  const [first] = list.body.passkeys;
  assert.deepEqual(Object.keys(first).sort(), ["aaguid", "attestationType", "authenticator", "backedUp", "backupEligible", "createdAt", "credentialId", "id", "lastUsedAt", "name", "transports"]);
  assert.deepEqual(first.authenticator, { name: "Google Password Manager" }, "synced: the provider list names the model");
  assert.equal(first.id, account.passkey.id);
  assert.equal(first.name, "Google Password Manager", "named from the AAGUID list");
  assert.equal(first.aaguid, GOOGLE_PASSWORD_MANAGER);
  assert.match(first.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.deepEqual(first.transports, ["internal"]);

  expectError(await w.api("DELETE", `/auth/passkey-provider/passkeys/${first.id}`, undefined, { app: app.id, bearer: token }), 409, "last_passkey", "only passkey");

  const second = await addPasskey(app, account);
  assert.equal(second.name, "Passkey", "unknown AAGUID");
  list = await listPasskeys(app, token);
  assert.deepEqual(list.body.passkeys.map((p) => p.id), [first.id, second.id]);

  const renamed = await w.api("PATCH", `/api/v1/users/me/passkeys/${second.id}`, { name: "  Work laptop  " }, { app: app.id, bearer: token });
  expectStatus(renamed, 200, "rename");
  assert.equal(renamed.body.passkey.name, "Work laptop");
  assert.equal(renamed.body.passkey.id, second.id);
  const unicode = await w.api("PATCH", `/api/v1/users/me/passkeys/${second.id}`, { name: "Clé de Zoë 🔑" + "x".repeat(52) }, { app: app.id, bearer: token });
  expectStatus(unicode, 200, "64 characters with accents and an emoji");
  for (const [body, what] of [
    [{ name: "" }, "empty"], [{ name: "   " }, "blank"], [{ name: "x".repeat(65) }, "65 characters"],
    [{ name: "bad\u0007name" }, "control character"], [{ name: "line\nbreak" }, "newline"], [{ name: 7 }, "number"],
    [{}, "missing"], [{ name: "ok", extra: 1 }, "unknown field"],
  ]) {
    expectError(await w.api("PATCH", `/api/v1/users/me/passkeys/${second.id}`, body, { app: app.id, bearer: token }), 400, "invalid_request", `rename: ${what}`);
  }
  list = await listPasskeys(app, token);
  assert.equal(list.body.passkeys[1].name, "Clé de Zoë 🔑" + "x".repeat(52), "refused renames changed nothing");

  // Another user can neither see, rename nor delete these passkeys.
  const stranger = await signUp();
  const strangerList = await listPasskeys(app, stranger.session.accessToken);
  assert.deepEqual(strangerList.body.passkeys.map((p) => p.id), [stranger.passkey.id]);
  expectError(await w.api("PATCH", `/api/v1/users/me/passkeys/${first.id}`, { name: "mine now" }, { app: app.id, bearer: stranger.session.accessToken }), 404, "not_found", "rename another user's passkey");
  expectError(await w.api("DELETE", `/auth/passkey-provider/passkeys/${first.id}`, undefined, { app: app.id, bearer: stranger.session.accessToken }), 404, "not_found", "delete another user's passkey");
  expectError(await w.api("PATCH", "/api/v1/users/me/passkeys/pk_nope", { name: "x" }, { app: app.id, bearer: token }), 404, "not_found", "unknown passkey");
  expectError(await w.api("DELETE", `/auth/passkey-provider/passkeys/${first.id}`, undefined, { app: app.id }), 401, "unauthorized", "delete without a token");

  expectStatus(await w.api("DELETE", `/auth/passkey-provider/passkeys/${first.id}`, undefined, { app: app.id, bearer: token }), 204, "delete one of two");
  list = await listPasskeys(app, token);
  assert.deepEqual(list.body.passkeys.map((p) => p.id), [second.id]);
  expectError(await w.api("DELETE", `/auth/passkey-provider/passkeys/${first.id}`, undefined, { app: app.id, bearer: token }), 404, "not_found", "delete twice");
  expectError(await w.api("DELETE", `/auth/passkey-provider/passkeys/${second.id}`, undefined, { app: app.id, bearer: token }), 409, "last_passkey", "now the last one");
});

test("new recovery codes: 10, shown once, the old set stops working", async () => {
  const account = await signUp();
  assert.equal(account.recoveryCodes.length, 10);
  const res = await w.api("POST", "/api/v1/users/me/recovery-codes", undefined, { app: app.id, bearer: account.session.accessToken });
  expectStatus(res, 200, "regenerate");
  const codes = res.body.recoveryCodes;
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const code of codes) assert.match(code, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
  assert.ok(!codes.some((c) => account.recoveryCodes.includes(c)));

  const recover = (recoveryCode) => w.api("POST", "/auth/passkey-provider/register/start", { email: account.email, recoveryCode }, { app: app.id });
  expectError(await recover(account.recoveryCodes[0]), 401, "unauthorized", "a code of the replaced set");
  expectStatus(await recover(codes[0]), 200, "a code of the new set");
  expectStatus(await recover(codes[1].toUpperCase().replaceAll("-", " ")), 200, "typed in capitals with spaces");
  expectError(await w.api("POST", "/api/v1/users/me/recovery-codes", undefined, { app: app.id }), 401, "unauthorized", "without a token");
  // Codes and tokens never reach the logs.
  const logs = w.logs();
  for (const secret of [...codes, account.session.accessToken, account.session.refreshToken]) assert.ok(!logs.includes(secret), "a secret in the logs");
});

test("operator reset removes every passkey, ends every session, burns the recovery codes", async () => {
  const account = await signUp();
  await addPasskey(app, account);
  const other = await logIn(app, account);
  const path = `/api/v1/users/${account.user.id}/passkeys`;

  expectError(await w.api("DELETE", path), 401, "unauthorized", "no key");
  expectError(await w.api("DELETE", path, undefined, { key: "ak_wrong" }), 401, "unauthorized", "wrong key");
  expectError(await w.api("DELETE", path, undefined, { key: otherApp.apiKey }), 403, "forbidden", "another app's key");
  expectError(await w.api("DELETE", "/api/v1/users/usr_nobody/passkeys", undefined, { key: app.apiKey }), 404, "not_found", "unknown user, app key");
  expectError(await w.api("DELETE", path, undefined, { key: app.apiKey, raw: "x".repeat(70 * 1024) }), 413, "payload_too_large", "an oversized body, even where none is read");
  expectStatus(await listPasskeys(app, other.accessToken), 200, "nothing changed yet");

  const res = await w.api("DELETE", path, undefined, { key: app.apiKey });
  expectStatus(res, 200, "reset with the app key");
  assert.deepEqual(res.body, { removed: 2 });
  expectError(await listPasskeys(app, account.session.accessToken), 401, "unauthorized", "first session ended");
  expectError(await listPasskeys(app, other.accessToken), 401, "unauthorized", "second session ended");
  expectError(await w.api("POST", "/auth/token/refresh", { refreshToken: other.refreshToken }, { app: app.id }), 401, "unauthorized", "no refresh after reset");

  const again = await w.api("DELETE", path, undefined, { key: "admin" });
  expectStatus(again, 200, "reset with the operator key");
  assert.deepEqual(again.body, { removed: 0 });
  expectError(await w.api("DELETE", "/api/v1/users/usr_nobody/passkeys", undefined, { key: "admin" }), 404, "not_found", "unknown user");

  // The recovery codes are burned too: whoever held the account may have replaced them (issue 10).
  const start = await w.api("POST", "/auth/passkey-provider/register/start", { email: account.email, recoveryCode: account.recoveryCodes[0] }, { app: app.id });
  expectError(start, 401, "unauthorized", "recovery code after reset");
});

test("key rotation: every configured key is published and verifies; the first signs; AUTHAZ_ISSUER is iss", async () => {
  const [newD, oldD] = [freshScalar(), freshScalar()];
  const [newKey, oldKey] = [signingKey(newD), signingKey(oldD)];
  const issuer = "https://auth.example";
  const rotated = await startWorker({ vars: { AUTHAZ_SIGNING_KEYS: `${newD},${oldD}`, AUTHAZ_ISSUER: issuer } });
  try {
    const jwks = await rotated.api("GET", "/.well-known/jwks.json");
    expectStatus(jwks, 200, "jwks");
    assert.deepEqual(jwks.body.keys.map((k) => k.kid), [newKey.kid, oldKey.kid]);
    assert.deepEqual(jwks.body.keys.map((k) => [k.x, k.y]), [[newKey.jwk.x, newKey.jwk.y], [oldKey.jwk.x, oldKey.jwk.y]]);

    const target = await rotated.createApp({ name: "Rotation", passkey: { enabled: true, directSignup: true } });
    const { session } = await signUp(target, { worker: rotated });
    const [h, p] = session.accessToken.split(".");
    assert.equal(decodePart(h).kid, newKey.kid, "the first key signs");
    const claims = decodePart(p);
    assert.equal(claims.iss, issuer);
    const list = (token) => rotated.api("GET", "/api/v1/users/me/passkeys", undefined, { app: target.id, bearer: token });
    expectStatus(await list(session.accessToken), 200, "new-key token");

    // A token the old key signed before the rotation still works until it expires.
    const byOldKey = signJwt({ alg: "ES256", typ: "JWT", kid: oldKey.kid }, claims, oldKey);
    expectStatus(await list(byOldKey), 200, "old-key token");
    // A key that is not configured any more (or never was) does not verify.
    const retired = signingKey(freshScalar());
    expectError(await list(signJwt({ alg: "ES256", kid: retired.kid }, claims, retired)), 401, "unauthorized", "retired key");
    expectError(await list(signJwt({ alg: "ES256", kid: oldKey.kid }, claims, retired)), 401, "unauthorized", "old kid, other key");
    // With AUTHAZ_ISSUER set, a token of another issuer is refused even when well signed.
    expectError(await list(signJwt({ alg: "ES256", kid: newKey.kid }, { ...claims, iss: "https://elsewhere.example" }, newKey)), 401, "unauthorized", "other issuer");
  } finally {
    await rotated.stop();
  }
});

test("every outcome of these endpoints is one structured log line without secrets", async () => {
  const { session } = await signUp();
  await w.api("POST", "/auth/token/refresh", { refreshToken: session.refreshToken }, { app: app.id });
  await w.api("POST", "/auth/token/refresh", { refreshToken: session.refreshToken }, { app: app.id });
  let lines = [];
  for (let i = 0; i < 50; i++) {
    lines = w.jsonLogs().filter((l) => l.endpoint === "POST /auth/token/refresh" && l.app === app.id);
    if (lines.some((l) => l.result === "error" && l.error === "unauthorized")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const ok = lines.find((l) => l.result === "ok");
  const refused = lines.find((l) => l.result === "error" && l.error === "unauthorized");
  assert.ok(ok && refused, `log lines: ${JSON.stringify(lines)}`);
  for (const line of [ok, refused]) {
    assert.equal(line.event, "request");
    assert.equal(typeof line.durationMs, "number");
    assert.deepEqual(Object.keys(line).sort(), ["app", "durationMs", "endpoint", "error", "event", "result"]);
  }
  assert.equal(ok.error, null);
  assert.ok(!w.logs().includes(session.refreshToken), "refresh token in the logs");
});
