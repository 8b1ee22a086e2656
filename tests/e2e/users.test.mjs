// User administration and account self-service against the real Worker (wrangler dev, local D1,
// local email): the admin user API (list with exact and prefix email filters and keyset
// pagination, a user with passkeys and live sessions, deleting a user, ending their sessions),
// tenant isolation (another application's key is refused on each endpoint), the account's own
// sessions, DELETE /api/v1/users/me behind a fresh `reauth` passkey login, and the email change
// with its code and notice mail. Deleted users are looked for in every table of the local D1.
//
// Users and passkeys come from the real ceremonies, driven by the software authenticator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startWorker, ROOT } from "./harness.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";

const GOOGLE_PASSWORD_MANAGER = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4";
const P = "/auth/passkey-provider";

let w, app, otherApp, verifiedApp;

before(async () => {
  w = await startWorker();
  const passkey = { enabled: true, directSignup: true };
  app = await w.createApp({ name: "Users Test", passkey, redirectUris: ["http://localhost:9/cb"] });
  otherApp = await w.createApp({ name: "Other App", passkey });
  verifiedApp = await w.createApp({ name: "Verified Signup", passkey: { enabled: true } });
});

after(async () => {
  if (process.env.USERS_TEST_LOGS) console.log(w?.logs().slice(-20000));
  await w?.stop();
});

const aaguidBytes = (uuid) => Buffer.from(uuid.replaceAll("-", ""), "hex");
const claims = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
const uniqueEmail = (tag = "u") => `${tag}-${randomBytes(5).toString("hex")}@example.com`;
const uniqueIp = () => `2001:db8::${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}`;
const sql = (s) => `'${String(s).replaceAll("'", "''")}'`;

function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text}`);
}

function expectError(res, status, code, what) {
  expectStatus(res, status, what);
  assert.equal(res.body?.error?.code, code, `${what}: ${res.text}`);
}

/** A new user of `target` signed up directly: {user, passkey, recoveryCodes, session, email, device}. */
async function signUp(target = app, { email = uniqueEmail(), headers = {} } = {}) {
  const device = new SoftAuthenticator({ aaguid: aaguidBytes(GOOGLE_PASSWORD_MANAGER) });
  const start = await w.api("POST", `${P}/signup/start`, { email, displayName: "Test User" }, { app: target.id, headers });
  expectStatus(start, 200, "signup/start");
  const done = await w.api("POST", `${P}/signup/complete`, device.create(start.body, { origin: w.base }), { app: target.id, headers });
  expectStatus(done, 201, "signup/complete");
  return { ...done.body, email, device };
}

/** A login of `account` (login/start with `startBody`): answers the complete's body {user, session}. */
async function logIn(target, account, startBody = {}, opts = {}) {
  const start = await w.api("POST", `${P}/login/start`, startBody, { app: target.id, ...opts });
  expectStatus(start, 200, "login/start");
  const done = await w.api("POST", `${P}/login/complete`, account.device.get(start.body, { origin: w.base }), { app: target.id, ...opts });
  expectStatus(done, 200, "login/complete");
  return done.body;
}

const admin = (method, path, key) => w.api(method, path, undefined, { key });
const me = (method, path, token, body) => w.api(method, `/api/v1/users/me${path}`, body, { app: app.id, bearer: token });
const refresh = (session, target = app) => w.api("POST", "/auth/token/refresh", { refreshToken: session.refreshToken }, { app: target.id });

/** The audit events of `userId` of type `type`, oldest first, from D1. */
const eventsOf = (userId, type) =>
  w.d1(`SELECT type, user_id, session_id, actor, ip, user_agent, detail FROM events WHERE user_id = ${sql(userId)} AND type = ${sql(type)} ORDER BY at, id`);

/**
 * Waits until the Worker answers again after another process (wrangler d1 execute) used the local
 * database, which takes seconds: a keep-alive connection of this process's fetch can be closed
 * meanwhile, and a first request on it was seen to fail. A failed try drops that connection.
 */
async function settle() {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${w.port}/healthz`)).ok) return;
    } catch (e) {
      if (i >= 30) throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs several `;`-separated statements on the local D1 at once; answers each one's rows. */
function d1All(statements) {
  const out = execFileSync(join(ROOT, "node_modules/.bin/wrangler"),
    ["d1", "execute", "DB", "--local", "--persist-to", join(w.dir, "state"), "--json", "--command", statements],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" }, encoding: "utf8", maxBuffer: 64 << 20 });
  return JSON.parse(out).map((r) => r.results);
}

/**
 * How many rows of each table of the local D1 (but the audit trail `events`, which names users by
 * id and outlives them by design) hold any of `needles` in any column: `{table: count}`, tables
 * without such rows left out.
 */
async function rowsHolding(needles) {
  const tables = w.d1("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '\\_cf%' ESCAPE '\\' AND name NOT IN ('d1_migrations', 'events')").map((r) => r.name);
  assert.ok(tables.length >= 15 && tables.includes("email_changes"), `the tables of the schema: ${tables}`);
  const rows = d1All(tables.map((t) => `SELECT * FROM "${t}"`).join("; "));
  await settle();
  const held = {};
  tables.forEach((t, i) => {
    const n = rows[i].filter((row) => needles.some((needle) => JSON.stringify(Object.values(row)).includes(needle))).length;
    if (n) held[t] = n;
  });
  return held;
}

// ---- the admin user API ----

test("list: exact and prefix email filters, keyset pages without duplicates or gaps, bad queries 400", async () => {
  const target = await w.createApp({ name: "Listing", passkey: { enabled: true, directSignup: true } });
  const tag = randomBytes(3).toString("hex");
  const alice = await signUp(target, { email: `alice-${tag}@example.com` });
  await signUp(target, { email: `alison-${tag}@example.com` });
  await signUp(target, { email: `bob-${tag}@example.com` });
  // Users created in the same millisecond: the id orders them.
  const values = ["c", "a", "e", "b", "d"].map((s) => `('usr_tie_${tag}_${s}', ${sql(target.id)}, 'tie-${s}-${tag}@example.com', 1, '', 'h${s}${tag}', 1000)`);
  w.d1(`INSERT INTO users (id, app_id, email, email_verified, display_name, user_handle, created_at) VALUES ${values.join(", ")}`);
  // Emails that only LIKE's wildcards would match.
  w.d1(`INSERT INTO users (id, app_id, email, email_verified, display_name, user_handle, created_at) VALUES ('usr_pct_${tag}', ${sql(target.id)}, 'a%b-${tag}@example.com', 1, '', 'hp${tag}', 2000)`);
  await settle();
  const expected = w.d1(`SELECT id FROM users WHERE app_id = ${sql(target.id)} ORDER BY created_at, id`).map((r) => r.id);
  assert.equal(expected.length, 9);

  const base = `/api/v1/applications/${target.id}/users`;
  for (const limit of [1, 2, 4, 200]) {
    const seen = [];
    let cursor = null;
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 20, "pagination ends");
      const r = await admin("GET", `${base}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, target.apiKey);
      expectStatus(r, 200, `page ${pages} of limit ${limit}`);
      assert.ok(r.body.users.length <= limit);
      seen.push(...r.body.users.map((u) => u.id));
      cursor = r.body.nextCursor;
      if (cursor === null) break;
      assert.equal(r.body.users.length, limit, "only the last page is short");
    }
    assert.deepEqual(seen, expected, `limit ${limit}: every user once, in (createdAt, id) order`);
  }
  // The default page holds them all (50), with the contract's user objects.
  const all = await admin("GET", base, "admin");
  expectStatus(all, 200, "default list with the operator key");
  assert.equal(all.body.nextCursor, null);
  assert.deepEqual(all.body.users.map((u) => u.id), expected);
  assert.deepEqual(all.body.users[all.body.users.length - 3], alice.user, "the user object of signup");

  const emails = async (query) => {
    const r = await admin("GET", `${base}?${query}`, target.apiKey);
    expectStatus(r, 200, query);
    return r.body.users.map((u) => u.email).sort();
  };
  assert.deepEqual(await emails(`email=${encodeURIComponent(`ALICE-${tag}@Example.com`)}`), [`alice-${tag}@example.com`], "exact, any case");
  assert.deepEqual(await emails("email=alice"), [], "exact means exact");
  assert.deepEqual(await emails("email=ali*"), [`alice-${tag}@example.com`, `alison-${tag}@example.com`], "prefix");
  assert.deepEqual(await emails("email=ALIS*"), [`alison-${tag}@example.com`], "prefix, any case");
  assert.deepEqual(await emails("email=a%25*"), [`a%b-${tag}@example.com`], "% is a plain character");
  assert.deepEqual(await emails("email=_li*"), [], "_ is a plain character");
  assert.deepEqual(await emails("email=%25*"), [], "a leading % matches nothing");
  assert.deepEqual(await emails("email=tie-*&limit=200"), ["a", "b", "c", "d", "e"].map((s) => `tie-${s}-${tag}@example.com`));
  // A prefix filter pages too.
  const first = await admin("GET", `${base}?email=tie-*&limit=3`, target.apiKey);
  expectStatus(first, 200, "prefix page 1");
  const second = await admin("GET", `${base}?email=tie-*&limit=3&cursor=${first.body.nextCursor}`, target.apiKey);
  assert.deepEqual([...first.body.users, ...second.body.users].map((u) => u.id), ["a", "b", "c", "d", "e"].map((s) => `usr_tie_${tag}_${s}`));
  assert.equal(second.body.nextCursor, null);
  // Another application's users are never listed.
  assert.deepEqual(await emails(`email=${encodeURIComponent(alice.email)}&x=1`), [alice.email]);
  const appList = await admin("GET", `/api/v1/applications/${app.id}/users?email=${encodeURIComponent(alice.email)}`, "admin");
  assert.deepEqual(appList.body.users, [], "the same email in another application's list");

  for (const bad of ["limit=0", "limit=201", "limit=-1", "limit=ten", "limit=", "limit=1.5", "cursor=@@@", `cursor=${Buffer.from("x:usr_1").toString("base64url")}`, "email=*", "email=%07a"]) {
    expectError(await admin("GET", `${base}?${bad}`, target.apiKey), 400, "invalid_request", bad);
  }
  expectError(await admin("GET", base, otherApp.apiKey), 403, "forbidden", "another application's key");
  expectError(await admin("GET", base), 401, "unauthorized", "no key");
  expectError(await admin("GET", "/api/v1/applications/app_nope/users", "admin"), 404, "not_found", "unknown application");
});

test("get a user: passkeys with authenticator names, live sessions with ip, user agent and last refresh", async () => {
  const ip = uniqueIp();
  const account = await signUp(app, { headers: { "cf-connecting-ip": ip, "user-agent": "UsersTest/1.0 (signup)" } });
  const second = await logIn(app, account, {}, { ip: uniqueIp(), headers: { "user-agent": "UsersTest/2.0 (login)" } });
  const third = await logIn(app, account);
  expectStatus(await refresh(account.session), 200, "refresh the first session");
  expectStatus(await w.api("POST", "/auth/logout", undefined, { app: app.id, bearer: third.session.accessToken }), 204, "logout the third");

  const r = await admin("GET", `/api/v1/users/${account.user.id}`, app.apiKey);
  expectStatus(r, 200, "get user");
  assert.deepEqual(r.body.user, account.user);
  assert.equal(r.body.passkeys.length, 1);
  assert.equal(r.body.passkeys[0].id, account.passkey.id);
  assert.equal(r.body.passkeys[0].authenticator.name, "Google Password Manager");
  const own = await me("GET", "/passkeys", account.session.accessToken);
  expectStatus(own, 200, "the user's own passkey list");
  assert.deepEqual(r.body.passkeys, own.body.passkeys, "the same passkey objects as the user's own list");

  // Live sessions only (the logged-out one is not listed), newest first.
  const sid = (s) => claims(s.accessToken).sid;
  assert.deepEqual(r.body.sessions.map((s) => s.id), [sid(second.session), sid(account.session)]);
  const [loginSession, signupSession] = r.body.sessions;
  assert.equal(signupSession.ip, ip);
  assert.equal(signupSession.userAgent, "UsersTest/1.0 (signup)");
  assert.equal(loginSession.userAgent, "UsersTest/2.0 (login)");
  assert.ok(signupSession.lastRefreshedAt, "refreshed: lastRefreshedAt is set");
  assert.ok(Date.parse(signupSession.lastRefreshedAt) >= Date.parse(signupSession.createdAt));
  assert.equal(loginSession.lastRefreshedAt, null, "never refreshed");
  assert.ok(Date.parse(signupSession.expiresAt) > Date.now() + 29 * 24 * 3600 * 1000, "30 days");
  assert.equal("current" in signupSession, false, "current is the self-service list's");

  expectStatus(await admin("GET", `/api/v1/users/${account.user.id}`, "admin"), 200, "operator key");
  expectError(await admin("GET", `/api/v1/users/${account.user.id}`, otherApp.apiKey), 403, "forbidden", "another application's key");
  expectError(await admin("GET", `/api/v1/users/${account.user.id}`), 401, "unauthorized", "no key");
  expectError(await admin("GET", "/api/v1/users/usr_nobody", app.apiKey), 404, "not_found", "unknown user, application key");
  expectError(await admin("GET", "/api/v1/users/usr_nobody", "admin"), 404, "not_found", "unknown user, operator key");
  const stranger = await signUp(otherApp);
  expectError(await admin("GET", `/api/v1/users/${stranger.user.id}`, app.apiKey), 403, "forbidden", "a user of another application");
});

test("end a user's sessions: every live one ends at once, sessions.ended {reason, count}", async () => {
  const account = await signUp(app);
  const second = await logIn(app, account);
  const path = `/api/v1/users/${account.user.id}/sessions`;
  expectError(await admin("DELETE", path, otherApp.apiKey), 403, "forbidden", "another application's key");
  expectError(await admin("DELETE", path), 401, "unauthorized", "no key");
  expectError(await admin("DELETE", "/api/v1/users/usr_nobody/sessions", app.apiKey), 404, "not_found", "unknown user");
  expectStatus(await me("GET", "/sessions", account.session.accessToken), 200, "nothing ended by the refused calls");

  const r = await admin("DELETE", path, app.apiKey);
  expectStatus(r, 200, "end sessions");
  assert.deepEqual(r.body, { ended: 2 });
  for (const s of [account.session, second.session]) {
    expectError(await me("GET", "/passkeys", s.accessToken), 401, "unauthorized", "access token of an ended session");
    expectError(await refresh(s), 401, "unauthorized", "refresh token of an ended session");
  }
  const [event] = eventsOf(account.user.id, "sessions.ended");
  assert.deepEqual(JSON.parse(event.detail), { reason: "ended_by_admin", count: 2 });
  assert.match(event.actor, /^key:key_/, "the application key acted");
  // The passkey stays: the user signs in again.
  const again = await logIn(app, account);
  expectStatus(await me("GET", "/passkeys", again.session.accessToken), 200, "a new login works");
  const byOperator = await admin("DELETE", path, "admin");
  assert.deepEqual(byOperator.body, { ended: 1 });
  assert.equal(eventsOf(account.user.id, "sessions.ended")[1].actor, "operator");
  assert.deepEqual((await admin("DELETE", path, "admin")).body, { ended: 0 }, "nothing left to end");
});

test("delete a user: nothing of theirs is left in any table, their tokens are refused at once", async () => {
  const email = uniqueEmail("gone");
  // Email-verified signup: an email_verifications row of the address.
  const since = w.sentMail().length;
  expectStatus(await w.api("POST", `${P}/signup/verify-email/request`, { email }, { app: verifiedApp.id }), 202, "verify-email/request");
  const code = /\b(\d{6})\b/.exec((await w.waitForMail(email, { since })).text)[1];
  const confirmed = await w.api("POST", `${P}/signup/verify-email/confirm`, { email, code }, { app: verifiedApp.id });
  expectStatus(confirmed, 200, "verify-email/confirm");
  const device = new SoftAuthenticator();
  const start = await w.api("POST", `${P}/signup/start`, { email, verificationToken: confirmed.body.verificationToken }, { app: verifiedApp.id });
  expectStatus(start, 200, "signup/start");
  const done = await w.api("POST", `${P}/signup/complete`, device.create(start.body, { origin: w.base }), { app: verifiedApp.id });
  expectStatus(done, 201, "signup/complete");
  const account = { ...done.body, email, device };
  // A second passkey, a second session, a refreshed one, a pending email change.
  const reg = await w.api("POST", `${P}/register/start`, {}, { app: verifiedApp.id, bearer: account.session.accessToken });
  expectStatus(reg, 200, "register/start");
  const added = await w.api("POST", `${P}/register/complete`, device.create(reg.body, { origin: w.base }), { app: verifiedApp.id, bearer: account.session.accessToken });
  expectStatus(added, 201, "register/complete");
  const second = await logIn(verifiedApp, account);
  const rotated = await refresh(second.session, verifiedApp);
  expectStatus(rotated, 200, "refresh");
  const newEmail = uniqueEmail("pending");
  expectStatus(await w.api("POST", "/api/v1/users/me/email", { email: newEmail }, { app: verifiedApp.id, bearer: account.session.accessToken }), 202, "email change request");
  const other = await signUp(verifiedApp === app ? otherApp : app);

  const userId = account.user.id;
  const sessionIds = w.d1(`SELECT id FROM sessions WHERE user_id = ${sql(userId)}`).map((r) => r.id);
  assert.equal(sessionIds.length, 2);
  const needles = [userId, email, newEmail, account.passkey.id, added.body.passkey.id, ...sessionIds];
  const held = await rowsHolding(needles);
  for (const table of ["users", "credentials", "recovery_codes", "sessions", "refresh_tokens", "email_verifications", "email_changes"]) {
    assert.ok(held[table] > 0, `before: ${table} holds the user's rows (${JSON.stringify(held)})`);
  }

  const path = `/api/v1/users/${userId}`;
  expectError(await admin("DELETE", path, app.apiKey), 403, "forbidden", "another application's key");
  expectError(await admin("DELETE", path), 401, "unauthorized", "no key");
  expectError(await admin("DELETE", "/api/v1/users/usr_nobody", verifiedApp.apiKey), 404, "not_found", "unknown user");
  assert.deepEqual(await rowsHolding(needles), held, "refused deletes change nothing");

  const r = await admin("DELETE", path, verifiedApp.apiKey);
  expectStatus(r, 204, "delete user");
  assert.deepEqual(await rowsHolding(needles), {}, "no row of any table holds the user's id, email, passkeys or sessions");
  for (const s of [account.session, second.session, rotated.body.session]) {
    expectError(await w.api("GET", "/api/v1/users/me/passkeys", undefined, { app: verifiedApp.id, bearer: s.accessToken }), 401, "unauthorized", "access token");
    expectError(await refresh(s, verifiedApp), 401, "unauthorized", "refresh token");
  }
  expectError(await admin("GET", path, verifiedApp.apiKey), 404, "not_found", "gone");
  expectError(await admin("DELETE", path, verifiedApp.apiKey), 404, "not_found", "deleted twice");
  // The passkey no longer signs in.
  const login = await w.api("POST", `${P}/login/start`, {}, { app: verifiedApp.id });
  expectError(await w.api("POST", `${P}/login/complete`, device.get(login.body, { origin: w.base }), { app: verifiedApp.id }), 400, "verification_failed", "login with a deleted user's passkey");
  // The audit trail: user.deleted by the key, naming the user by id only.
  const [event] = eventsOf(userId, "user.deleted");
  assert.match(event.actor, /^key:key_/);
  const trail = w.d1(`SELECT * FROM events WHERE user_id = ${sql(userId)}`);
  assert.ok(!JSON.stringify(trail).includes("@"), "no event holds an email address");
  // Other users are untouched.
  expectStatus(await admin("GET", `/api/v1/users/${other.user.id}`, "admin"), 200, "another user");
  // The operator deletes too.
  const victim = await signUp(app);
  expectStatus(await admin("DELETE", `/api/v1/users/${victim.user.id}`, "admin"), 204, "operator delete");
  assert.equal(eventsOf(victim.user.id, "user.deleted")[0].actor, "operator");
});

// ---- self-service ----

test("my sessions: listed with current, one ended by id, another user's id 404", async () => {
  const account = await signUp(app, { headers: { "user-agent": "Phone/1" } });
  const laptop = await logIn(app, account, {}, { headers: { "user-agent": "Laptop/1" } });
  const list = await me("GET", "/sessions", account.session.accessToken);
  expectStatus(list, 200, "list");
  const sid = (s) => claims(s.accessToken).sid;
  assert.deepEqual(list.body.sessions.map((s) => [s.id, s.current, s.userAgent]), [[sid(laptop.session), false, "Laptop/1"], [sid(account.session), true, "Phone/1"]]);
  expectError(await w.api("GET", "/api/v1/users/me/sessions", undefined, { app: app.id }), 401, "unauthorized", "no Bearer");

  const stranger = await signUp(app);
  const strangerOther = await signUp(otherApp);
  for (const id of [sid(stranger.session), sid(strangerOther.session), "ses_nope"]) {
    expectError(await me("DELETE", `/sessions/${id}`, account.session.accessToken), 404, "not_found", `not mine: ${id}`);
  }
  expectStatus(await me("GET", "/passkeys", stranger.session.accessToken), 200, "the stranger's session lives on");

  expectStatus(await me("DELETE", `/sessions/${sid(laptop.session)}`, account.session.accessToken), 204, "end the laptop's session");
  expectError(await me("GET", "/passkeys", laptop.session.accessToken), 401, "unauthorized", "the laptop's token");
  expectError(await refresh(laptop.session), 401, "unauthorized", "the laptop's refresh token");
  expectError(await me("DELETE", `/sessions/${sid(laptop.session)}`, account.session.accessToken), 404, "not_found", "an ended session");
  const after = await me("GET", "/sessions", account.session.accessToken);
  assert.deepEqual(after.body.sessions.map((s) => s.id), [sid(account.session)]);
  const [event] = eventsOf(account.user.id, "sessions.ended");
  assert.deepEqual(JSON.parse(event.detail), { reason: "ended_by_user", count: 1 });
  assert.equal(event.actor, "user");
  assert.equal(event.session_id, sid(laptop.session));
  // Its own session too: then its token stops working.
  expectStatus(await me("DELETE", `/sessions/${sid(account.session)}`, account.session.accessToken), 204, "end my own session");
  expectError(await me("GET", "/sessions", account.session.accessToken), 401, "unauthorized", "after ending my own session");
});

test("DELETE /me needs a reauth login of the last 5 minutes; else 401 and nothing is deleted", async () => {
  const account = await signUp(app);
  const userId = account.user.id;
  const snapshot = () => rowsHolding([userId]);
  const held = await snapshot();
  assert.ok(held.users === 1 && held.credentials === 1 && held.sessions === 1, JSON.stringify(held));

  // A fresh signup and a fresh sign-in are not reauthentications.
  expectError(await me("DELETE", "", account.session.accessToken), 401, "reauthentication_required", "the signup's session");
  const signin = await logIn(app, account, { purpose: "signin" });
  expectError(await me("DELETE", "", signin.session.accessToken), 401, "reauthentication_required", "a sign-in session");
  for (const purpose of ["delete", 1, null, ""]) {
    expectError(await w.api("POST", `${P}/login/start`, { purpose }, { app: app.id }), 400, "invalid_request", `purpose ${JSON.stringify(purpose)}`);
  }
  // A reauth login older than 5 minutes.
  const stale = await logIn(app, account, { purpose: "reauth" });
  const staleSid = claims(stale.session.accessToken).sid;
  assert.equal(w.d1(`SELECT purpose FROM sessions WHERE id = ${sql(staleSid)}`)[0].purpose, "reauth");
  w.d1(`UPDATE sessions SET auth_time = auth_time - 301000, created_at = created_at - 301000 WHERE id = ${sql(staleSid)}`);
  await settle();
  expectError(await me("DELETE", "", stale.session.accessToken), 401, "reauthentication_required", "a stale reauth session");
  expectError(await w.api("DELETE", "/api/v1/users/me", undefined, { app: app.id }), 401, "unauthorized", "no Bearer");
  const now = await snapshot();
  assert.equal(now.users, 1, "the user is still there");
  assert.equal(now.credentials, 1, "the passkey is still there");
  assert.equal(now.sessions, 3, "every session is still there (signup, sign-in, stale reauth)");
  assert.deepEqual(eventsOf(userId, "user.deleted"), []);

  const fresh = await logIn(app, account, { purpose: "reauth" });
  // Refreshed, it is the same session and the same ceremony: still fresh.
  const rotated = await refresh(fresh.session);
  expectStatus(rotated, 200, "refresh the reauth session");
  const deleted = await w.api("DELETE", "/api/v1/users/me", undefined, { app: app.id, bearer: rotated.body.session.accessToken, headers: { "user-agent": "Deleter/1" } });
  expectStatus(deleted, 204, "delete my account");
  assert.deepEqual(await snapshot(), {}, "nothing of the user is left");
  for (const s of [account.session, signin.session, fresh.session, rotated.body.session]) {
    expectError(await me("GET", "/passkeys", s.accessToken), 401, "unauthorized", "tokens of the deleted account");
    expectError(await refresh(s), 401, "unauthorized", "refresh tokens of the deleted account");
  }
  const [event] = eventsOf(userId, "user.deleted");
  assert.equal(event.actor, "user");
  assert.equal(event.session_id, claims(fresh.session.accessToken).sid);
  assert.equal(event.user_agent, "Deleter/1");
  expectError(await admin("GET", `/api/v1/users/${userId}`, "admin"), 404, "not_found", "gone for the admin API");
});

// ---- email change ----

test("email change: a code to the new address, wrong codes refused, confirmed only then, a notice to the old address", async () => {
  const account = await signUp(app);
  const token = account.session.accessToken;
  const newEmail = uniqueEmail("new");
  const taken = await signUp(app);
  const elsewhere = await signUp(otherApp);

  expectError(await me("POST", "/email", token, { email: "not an email" }), 400, "invalid_request", "not an address");
  expectError(await me("POST", "/email", token, {}), 400, "invalid_request", "no email");
  expectError(await me("POST", "/email", token, { email: account.email.toUpperCase() }), 400, "invalid_request", "the same email");
  expectError(await me("POST", "/email", token, { email: taken.email }), 409, "email_taken", "another user's email");
  expectError(await w.api("POST", "/api/v1/users/me/email", { email: newEmail }, { app: app.id }), 401, "unauthorized", "no Bearer");
  expectError(await me("POST", "/email/confirm", token, { code: "123456" }), 400, "invalid_code", "no code requested yet");

  let since = w.sentMail().length;
  const requested = await me("POST", "/email", token, { email: newEmail.toUpperCase() });
  expectStatus(requested, 202, "request");
  assert.deepEqual(requested.body, { expiresIn: 600 });
  const mail = await w.waitForMail(newEmail, { since });
  const code = /\b(\d{6})\b/.exec(mail.text)[1];
  const wrong = code === "000000" ? "111111" : "000000";
  expectError(await me("POST", "/email/confirm", token, { code: wrong }), 400, "invalid_code", "wrong code");
  expectError(await me("POST", "/email/confirm", token, {}), 400, "invalid_request", "no code");
  assert.equal((await admin("GET", `/api/v1/users/${account.user.id}`, "admin")).body.user.email, account.email, "unchanged before the confirm");

  since = w.sentMail().length;
  const confirmed = await me("POST", "/email/confirm", token, { code });
  expectStatus(confirmed, 200, "confirm");
  assert.deepEqual(confirmed.body.user, { ...account.user, email: newEmail, emailVerified: true });
  assert.deepEqual((await admin("GET", `/api/v1/users/${account.user.id}`, "admin")).body.user, confirmed.body.user);
  const notice = await w.waitForMail(account.email, { since });
  assert.match(notice.subject, /email of your Users Test account was changed/);
  assert.ok(!notice.text.includes(newEmail), "the notice does not name the new address");
  expectError(await me("POST", "/email/confirm", token, { code }), 400, "invalid_code", "the code is used up");
  const [event] = eventsOf(account.user.id, "email.changed");
  assert.equal(event.actor, "user");
  assert.ok(!JSON.stringify(event).includes("@"), "the event holds no address");
  // The new email signs in (login/start with {email} lists the passkey); the old one is free.
  const options = await w.api("POST", `${P}/login/start`, { email: newEmail }, { app: app.id });
  assert.equal(options.body.allowCredentials.length, 1);
  const reborn = await signUp(app, { email: account.email });
  assert.equal(reborn.user.email, account.email, "the old email is free again");
  // An address of another application's user is no conflict.
  expectStatus(await me("POST", "/email", token, { email: elsewhere.email }), 202, "another application's user's email");
});

test("email change: five wrong tries burn the code, a new request replaces the old code, requests are rate limited", async () => {
  const account = await signUp(app);
  const token = account.session.accessToken;
  const target = uniqueEmail("burn");
  const request = async (email) => {
    const since = w.sentMail().length;
    expectStatus(await me("POST", "/email", token, { email }), 202, `request for ${email}`);
    return /\b(\d{6})\b/.exec((await w.waitForMail(email, { since })).text)[1];
  };
  const code = await request(target);
  const wrong = code === "000000" ? "111111" : "000000";
  for (let i = 1; i <= 5; i++) expectError(await me("POST", "/email/confirm", token, { code: wrong }), 400, "invalid_code", `wrong try ${i}`);
  expectError(await me("POST", "/email/confirm", token, { code }), 400, "invalid_code", "the right code after five wrong tries");

  const first = await request(target);
  const second = await request(uniqueEmail("other"));
  if (first !== second) expectError(await me("POST", "/email/confirm", token, { code: first }), 400, "invalid_code", "a replaced code");
  expectStatus(await me("POST", "/email/confirm", token, { code: second }), 200, "the newest code");

  // Five requests per address and 15 minutes (the signup codes' limit), then 429.
  const busy = uniqueEmail("busy");
  for (let i = 1; i <= 5; i++) expectStatus(await me("POST", "/email", token, { email: busy }), 202, `request ${i}`);
  const limited = await me("POST", "/email", token, { email: busy });
  expectError(limited, 429, "rate_limited", "the sixth request");
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
  assert.equal((await admin("GET", `/api/v1/users/${account.user.id}`, "admin")).body.user.email !== busy, true);

  // The hourly sweep deletes expired email-change codes, and only those.
  const pending = w.d1(`SELECT id FROM email_changes WHERE user_id = ${sql(account.user.id)} ORDER BY created_at`).map((r) => r.id);
  assert.ok(pending.length >= 2);
  w.d1(`UPDATE email_changes SET expires_at = 1 WHERE id = ${sql(pending[0])}`);
  await settle();
  expectStatus(await w.scheduled("17 * * * *"), 200, "sweep");
  const ids = () => w.d1(`SELECT id FROM email_changes WHERE user_id = ${sql(account.user.id)} ORDER BY created_at`).map((r) => r.id);
  let left = ids();
  for (let i = 0; i < 50 && left.length === pending.length; i++) { await new Promise((r) => setTimeout(r, 100)); left = ids(); }
  assert.deepEqual(left, pending.slice(1), "the expired code is gone, the live ones stay");
});
