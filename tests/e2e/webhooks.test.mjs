// Webhooks end to end (docs/API.md, "Webhooks"), against wrangler dev with its local D1 and its
// local Queues (producer and consumer in the Worker, a dead-letter queue): endpoints are managed
// by the admin API (secret shown once, every change recorded once, strict input, tenants
// isolated), committed events reach a real HTTP server started here, signed in the Standard
// Webhooks format and checked with the `standardwebhooks` library from npm (not the project's
// code), a receiver's failure is retried with the same webhook-id until it answers 2xx, an
// endpoint that never does ends on the dead-letter queue as `failed`, a change that did not
// commit is never delivered, and the sweep announces deliveries whose announcement was lost.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { startWorker } from "./harness.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";

const P = "/auth/passkey-provider";
let w, appA, appB, receiver, hooks;
/** Every request the receiver got: {path, headers, body, status}. */
const received = [];
/** Attempts per (path, webhook-id), for the receivers that fail at first. */
const attempts = new Map();

before(async () => {
  // Retries after 1 s (instead of 5 s, 5 min, ...): the whole backoff and the dead-letter queue
  // fit in the test. The queue's max_retries (wrangler.toml) is unchanged: 7.
  w = await startWorker({ vars: { AUTHAZ_WEBHOOK_RETRY_SECONDS: "1" } });
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const path = req.url;
      const key = `${path} ${req.headers["webhook-id"]}`;
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      let status = 200;
      if (path.startsWith("/always-500")) status = 500;
      if (path.startsWith("/fail-twice") && n <= 2) status = 503;
      const headers = { "content-type": "text/plain" };
      if (path.startsWith("/redirect")) [status, headers.location] = [307, "/redirect-target"];
      received.push({ path, headers: req.headers, body, status, at: Date.now() });
      res.writeHead(status, headers).end(status === 200 ? "ok" : "no");
    });
  });
  await new Promise((ok) => receiver.listen(0, "127.0.0.1", ok));
  hooks = `http://127.0.0.1:${receiver.address().port}`;
  appA = await w.createApp({ name: "Hooks A", passkey: { enabled: true, directSignup: true } });
  appB = await w.createApp({ name: "Hooks B", passkey: { enabled: true, directSignup: true } });
});

after(async () => {
  await w?.stop();
  receiver?.close();
});

// ---- helpers ----

const sql = (s) => `'${String(s).replaceAll("'", "''")}'`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const uniqueEmail = () => `wh-${randomBytes(5).toString("hex")}@example.com`;
const hooksPath = (app, rest = "") => `/api/v1/applications/${app.id}/webhooks${rest}`;

function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text}`);
}

function expectError(res, status, code, what) {
  expectStatus(res, status, what);
  assert.equal(res.body?.error?.code, code, `${what}: ${res.text}`);
}

async function createHook(app, body, key = app.apiKey) {
  const r = await w.api("POST", hooksPath(app), body, { key });
  expectStatus(r, 201, "create webhook");
  return r.body;
}

async function signUp(app, email = uniqueEmail()) {
  const auth = new SoftAuthenticator();
  const start = await w.api("POST", `${P}/signup/start`, { email }, { app: app.id });
  expectStatus(start, 200, "signup/start");
  const done = await w.api("POST", `${P}/signup/complete`, auth.create(start.body, { origin: w.base }), { app: app.id });
  expectStatus(done, 201, "signup/complete");
  return { ...done.body, auth, email };
}

async function login(app, auth) {
  const start = await w.api("POST", `${P}/login/start`, {}, { app: app.id });
  expectStatus(start, 200, "login/start");
  const done = await w.api("POST", `${P}/login/complete`, auth.get(start.body, { origin: w.base }), { app: app.id });
  expectStatus(done, 200, "login/complete");
  return done.body;
}

/** The receiver's requests to `path` whose event matches `pred`, waited for until there are `n`. */
async function waitFor(path, n, pred = () => true, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    const got = received.filter((r) => r.path === path && pred(JSON.parse(r.body)));
    if (got.length >= n) return got;
    if (Date.now() > until) throw new Error(`${path}: ${got.length} of ${n} deliveries after ${ms} ms; logs:\n${w.logs().slice(-3000)}`);
    await sleep(100);
  }
}

/** Verifies a delivery with the Standard Webhooks library; answers its parsed payload. */
function verified(delivery, secret) {
  return new Webhook(secret).verify(delivery.body, {
    "webhook-id": delivery.headers["webhook-id"],
    "webhook-timestamp": delivery.headers["webhook-timestamp"],
    "webhook-signature": delivery.headers["webhook-signature"],
  });
}

async function deliveries(app, hookId, params = {}, key = app.apiKey) {
  const r = await w.api("GET", hooksPath(app, `/${hookId}/deliveries?${new URLSearchParams(params)}`), undefined, { key });
  expectStatus(r, 200, "deliveries");
  return r.body;
}

/** The delivery log's entry of `eventId`, waited for until `pred` holds. */
async function logEntry(app, hookId, eventId, pred, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    const entry = (await deliveries(app, hookId, { limit: 200 })).deliveries.find((d) => d.eventId === eventId);
    if (entry && pred(entry)) return entry;
    if (Date.now() > until) throw new Error(`delivery of ${eventId}: ${JSON.stringify(entry)}`);
    await sleep(200);
  }
}

// ---- the admin API ----

test("an endpoint is created with its secret shown once, listed, patched, rotated and deleted; each change recorded once", async () => {
  const app = await w.createApp({ name: "Hooks admin" });
  const made = await createHook(app, { url: `${hooks}/admin`, eventTypes: ["login.succeeded", "user.created"], description: "CRM sync" });
  const hook = made.webhook;
  assert.match(hook.id, /^whk_/);
  assert.match(made.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.deepEqual(
    { url: hook.url, eventTypes: hook.eventTypes, description: hook.description, enabled: hook.enabled, applicationId: hook.applicationId },
    { url: `${hooks}/admin`, eventTypes: ["login.succeeded", "user.created"], description: "CRM sync", enabled: true, applicationId: app.id },
  );
  assert.equal(hook.createdAt, hook.updatedAt);

  const got = await w.api("GET", hooksPath(app, `/${hook.id}`), undefined, { key: app.apiKey });
  expectStatus(got, 200, "get");
  assert.deepEqual(got.body, { webhook: hook });
  assert.ok(!got.text.includes(made.secret.slice(6)), "the secret is shown once");
  const list = await w.api("GET", hooksPath(app), undefined, { key: "admin" });
  expectStatus(list, 200, "list");
  assert.deepEqual(list.body, { webhooks: [hook] });
  // The secret is stored nowhere: only a salt it is derived from with the Worker's HMAC key.
  const dump = JSON.stringify(w.d1(`SELECT * FROM webhook_endpoints`)) + JSON.stringify(w.d1(`SELECT * FROM events`));
  assert.ok(!dump.includes(made.secret.slice(6)), "the secret is in D1");

  const patched = await w.api("PATCH", hooksPath(app, `/${hook.id}`), { eventTypes: null, enabled: false }, { key: app.apiKey });
  expectStatus(patched, 200, "patch");
  assert.equal(patched.body.webhook.eventTypes, null);
  assert.equal(patched.body.webhook.enabled, false);
  const same = await w.api("PATCH", hooksPath(app, `/${hook.id}`), { enabled: false }, { key: app.apiKey });
  expectStatus(same, 200, "patch that changes nothing");
  assert.deepEqual(same.body, patched.body);

  const rotated = await w.api("POST", hooksPath(app, `/${hook.id}/secret`), undefined, { key: app.apiKey });
  expectStatus(rotated, 200, "rotate");
  assert.match(rotated.body.secret, /^whsec_/);
  assert.notEqual(rotated.body.secret, made.secret);
  assert.equal(rotated.body.webhook.id, hook.id);

  expectStatus(await w.api("DELETE", hooksPath(app, `/${hook.id}`), undefined, { key: app.apiKey }), 204, "delete");
  expectError(await w.api("GET", hooksPath(app, `/${hook.id}`), undefined, { key: app.apiKey }), 404, "not_found", "deleted");
  expectError(await w.api("DELETE", hooksPath(app, `/${hook.id}`), undefined, { key: app.apiKey }), 404, "not_found", "deleted twice");
  expectError(await w.api("POST", hooksPath(app, `/${hook.id}/secret`), undefined, { key: app.apiKey }), 404, "not_found", "rotate deleted");
  assert.equal(w.d1(`SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ${sql(hook.id)}`)[0].n, 0, "its log goes with it");

  const changes = w.d1(`SELECT detail FROM events WHERE app_id = ${sql(app.id)} AND type = 'webhook_endpoint.changed' ORDER BY at, id`).map((r) => JSON.parse(r.detail));
  assert.deepEqual(changes, [
    { action: "created", webhookId: hook.id },
    { action: "updated", fields: ["eventTypes", "enabled"], webhookId: hook.id },
    { action: "secret_rotated", webhookId: hook.id },
    { action: "deleted", webhookId: hook.id },
  ]);
  const viaApi = await w.api("GET", `/api/v1/applications/${app.id}/events?type=webhook_endpoint.changed`, undefined, { key: app.apiKey });
  assert.equal(viaApi.body.events.length, 4);
  assert.equal(viaApi.body.events[0].actor.startsWith("key:"), true);
});

test("bad input answers 400 and changes nothing; past 20 endpoints 409 webhook_limit_reached", async () => {
  const app = await w.createApp({ name: "Hooks input" });
  const bad = [
    {},
    { url: "http://example.com/hook" },
    { url: "ftp://example.com/hook" },
    { url: "https://user:pw@example.com/hook" },
    { url: "https://example.com/hook#x" },
    { url: `${hooks}/x`, eventTypes: [] },
    { url: `${hooks}/x`, eventTypes: ["passkey.exploded"] },
    { url: `${hooks}/x`, eventTypes: "login.succeeded" },
    { url: `${hooks}/x`, enabled: "yes" },
    { url: `${hooks}/x`, secret: "whsec_mine" },
    { url: `${hooks}/x`, description: "x".repeat(201) },
  ];
  for (const body of bad) expectError(await w.api("POST", hooksPath(app), body, { key: app.apiKey }), 400, "invalid_request", JSON.stringify(body));
  expectError(await w.api("POST", hooksPath(app), undefined, { key: app.apiKey, raw: "{nope" }), 400, "invalid_request", "not JSON");
  assert.equal(w.d1(`SELECT count(*) AS n FROM webhook_endpoints WHERE app_id = ${sql(app.id)}`)[0].n, 0);
  const { webhook } = await createHook(app, { url: `${hooks}/input` });
  for (const body of [{}, { url: "http://example.com/" }, { enabled: 1 }, { id: "whk_x" }]) {
    expectError(await w.api("PATCH", hooksPath(app, `/${webhook.id}`), body, { key: app.apiKey }), 400, "invalid_request", `patch ${JSON.stringify(body)}`);
  }
  const farCursor = Buffer.from("99999999999999999.evt_a").toString("base64url");
  for (const params of [{ status: "lost" }, { limit: "0" }, { cursor: "x" }, { cursor: farCursor }, { type: "login.succeeded" }]) {
    const r = await w.api("GET", hooksPath(app, `/${webhook.id}/deliveries?${new URLSearchParams(params)}`), undefined, { key: app.apiKey });
    expectError(r, 400, "invalid_request", `deliveries ${JSON.stringify(params)}`);
  }
  const still = await w.api("GET", hooksPath(app, `/${webhook.id}`), undefined, { key: app.apiKey });
  assert.deepEqual(still.body.webhook, webhook, "refused patches changed nothing");
  expectError(await w.api("GET", hooksPath(app, "/whk_unknown"), undefined, { key: app.apiKey }), 404, "not_found", "unknown id");
  expectError(await w.api("GET", "/api/v1/applications/app_unknown/webhooks", undefined, { key: "admin" }), 404, "not_found", "unknown app");
  expectError(await w.api("GET", hooksPath(app), undefined, {}), 401, "unauthorized", "no key");
  for (let i = 1; i < 20; i++) await createHook(app, { url: `${hooks}/input/${i}` });
  expectError(await w.api("POST", hooksPath(app), { url: `${hooks}/input/21` }, { key: app.apiKey }), 409, "webhook_limit_reached", "21st");
  assert.equal(w.d1(`SELECT count(*) AS n FROM webhook_endpoints WHERE app_id = ${sql(app.id)}`)[0].n, 20);
  assert.equal(w.d1(`SELECT count(*) AS n FROM events WHERE app_id = ${sql(app.id)} AND type = 'webhook_endpoint.changed'`)[0].n, 20, "the refused one recorded nothing");
});

test("one application's key is refused on every other application's webhooks and deliveries", async () => {
  const { webhook } = await createHook(appA, { url: `${hooks}/isolation`, enabled: false });
  const calls = [
    ["POST", hooksPath(appA), { url: `${hooks}/intruder` }],
    ["GET", hooksPath(appA)],
    ["GET", hooksPath(appA, `/${webhook.id}`)],
    ["PATCH", hooksPath(appA, `/${webhook.id}`), { url: `${hooks}/intruder` }],
    ["DELETE", hooksPath(appA, `/${webhook.id}`)],
    ["POST", hooksPath(appA, `/${webhook.id}/secret`)],
    ["GET", hooksPath(appA, `/${webhook.id}/deliveries`)],
  ];
  for (const [method, path, body] of calls) expectError(await w.api(method, path, body, { key: appB.apiKey }), 403, "forbidden", `${method} ${path}`);
  // App A's endpoint through app B's own path: not found.
  for (const [method, rest, body] of [["GET", ""], ["PATCH", "", { enabled: true }], ["DELETE", ""], ["POST", "/secret"], ["GET", "/deliveries"]]) {
    expectError(await w.api(method, hooksPath(appB, `/${webhook.id}${rest}`), body, { key: appB.apiKey }), 404, "not_found", `${method} B/${rest}`);
  }
  const still = await w.api("GET", hooksPath(appA, `/${webhook.id}`), undefined, { key: appA.apiKey });
  assert.deepEqual(still.body.webhook, webhook, "unchanged");
  expectStatus(await w.api("DELETE", hooksPath(appA, `/${webhook.id}`), undefined, { key: appA.apiKey }), 204, "cleanup");
});

// ---- deliveries ----

test("committed events are delivered once per endpoint, signed (verified with standardwebhooks), as the events API shows them", async () => {
  const app = await w.createApp({ name: "Hooks deliver", passkey: { enabled: true, directSignup: true } });
  const all = await createHook(app, { url: `${hooks}/all` });
  const logins = await createHook(app, { url: `${hooks}/logins`, eventTypes: ["login.succeeded"] });
  const off = await createHook(app, { url: `${hooks}/off`, enabled: false });
  const account = await signUp(app);
  await login(app, account.auth);

  const created = (await waitFor("/all", 1, (e) => e.type === "user.created" && e.data.userId === account.user.id))[0];
  const payload = verified(created, all.secret);
  const listed = await w.api("GET", `/api/v1/applications/${app.id}/events?type=user.created&user=${account.user.id}`, undefined, { key: app.apiKey });
  const event = listed.body.events[0];
  assert.deepEqual(payload, { type: "user.created", timestamp: event.createdAt, data: event });
  assert.equal(created.headers["webhook-id"], event.id, "webhook-id is the event's id");
  assert.ok(Math.abs(Number(created.headers["webhook-timestamp"]) - Date.now() / 1000) < 60);
  assert.equal(created.headers["content-type"], "application/json");
  assert.throws(() => verified(created, logins.secret), "another endpoint's secret does not verify it");
  assert.throws(() => verified({ ...created, body: created.body.replace(account.user.id, "usr_forged") }, all.secret), "a changed body does not verify");

  const login1 = (await waitFor("/logins", 1, (e) => e.data.userId === account.user.id))[0];
  assert.equal(verified(login1, logins.secret).type, "login.succeeded");
  await waitFor("/all", 1, (e) => e.type === "login.succeeded" && e.data.userId === account.user.id);
  await waitFor("/all", 1, (e) => e.type === "passkey.added" && e.data.userId === account.user.id);
  // The endpoint's own creation reaches the endpoints that existed when it was recorded.
  await waitFor("/all", 1, (e) => e.type === "webhook_endpoint.changed" && e.data.detail.webhookId === off.webhook.id);
  await sleep(1500);
  const mine = (path) => received.filter((r) => r.path === path && JSON.parse(r.body).data.userId === account.user.id);
  assert.deepEqual(mine("/all").map((r) => JSON.parse(r.body).type).sort(), ["login.succeeded", "passkey.added", "user.created"], "each once");
  assert.equal(mine("/logins").length, 1, "the filter holds");
  assert.equal(received.filter((r) => r.path === "/off").length, 0, "a disabled endpoint gets nothing");

  const entry = await logEntry(app, all.webhook.id, event.id, (d) => d.status === "delivered");
  assert.deepEqual({ eventType: entry.eventType, attempts: entry.attempts, lastStatus: entry.lastStatus, lastError: entry.lastError },
    { eventType: "user.created", attempts: 1, lastStatus: 200, lastError: null });
  const page = await deliveries(app, all.webhook.id, { limit: 1, status: "delivered" });
  assert.equal(page.deliveries.length, 1);
  assert.ok(page.nextCursor);
  const next = await deliveries(app, all.webhook.id, { limit: 1, status: "delivered", cursor: page.nextCursor });
  assert.notEqual(next.deliveries[0].eventId, page.deliveries[0].eventId, "keyset pages do not repeat");
  assert.equal((await deliveries(app, off.webhook.id)).deliveries.length, 0);
});

test("the first endpoint of an application the Worker has just looked up gets the very next event", async () => {
  // The signup makes the Worker look the application up (and keep it, with "no endpoints");
  // creating an endpoint must make the next ceremony announce its event at once.
  const app = await w.createApp({ name: "Hooks first endpoint", passkey: { enabled: true, directSignup: true } });
  const account = await signUp(app);
  const first = await createHook(app, { url: `${hooks}/first-endpoint`, eventTypes: ["login.succeeded"] });
  await login(app, account.auth);
  const got = await waitFor("/first-endpoint", 1, (e) => e.data.userId === account.user.id, 15_000);
  assert.equal(verified(got[0], first.secret).type, "login.succeeded");
});

test("a receiver's failure is retried with backoff and the same webhook-id until it answers 2xx", async () => {
  const app = await w.createApp({ name: "Hooks retry", passkey: { enabled: true, directSignup: true } });
  const flaky = await createHook(app, { url: `${hooks}/fail-twice`, eventTypes: ["user.created"] });
  const account = await signUp(app);
  const tries = await waitFor("/fail-twice", 3, (e) => e.data.userId === account.user.id);
  assert.deepEqual(tries.map((t) => t.status), [503, 503, 200]);
  assert.equal(new Set(tries.map((t) => t.headers["webhook-id"])).size, 1, "one message id across attempts");
  for (const t of tries) assert.equal(verified(t, flaky.secret).data.userId, account.user.id);
  for (let i = 1; i < tries.length; i++) assert.ok(tries[i].at - tries[i - 1].at >= 900, "retried after the backoff delay");
  const entry = await logEntry(app, flaky.webhook.id, tries[0].headers["webhook-id"], (d) => d.status === "delivered");
  assert.deepEqual({ attempts: entry.attempts, lastStatus: entry.lastStatus }, { attempts: 3, lastStatus: 200 });
});

test("an endpoint that never answers 2xx ends on the dead-letter queue: its delivery failed after 8 attempts", async () => {
  const app = await w.createApp({ name: "Hooks dead", passkey: { enabled: true, directSignup: true } });
  const dead = await createHook(app, { url: `${hooks}/always-500`, eventTypes: ["user.created"] });
  const fine = await createHook(app, { url: `${hooks}/beside-dead`, eventTypes: ["user.created"] });
  const account = await signUp(app);
  const eventId = (await waitFor("/beside-dead", 1, (e) => e.data.userId === account.user.id))[0].headers["webhook-id"];
  const entry = await logEntry(app, dead.webhook.id, eventId, (d) => d.status === "failed", 90_000);
  assert.deepEqual({ attempts: entry.attempts, lastStatus: entry.lastStatus, lastError: entry.lastError }, { attempts: 8, lastStatus: 500, lastError: "HTTP 500" });
  assert.equal(received.filter((r) => r.path === "/always-500" && r.headers["webhook-id"] === eventId).length, 8);
  assert.equal(received.filter((r) => r.path === "/beside-dead" && r.headers["webhook-id"] === eventId).length, 1, "the delivered endpoint is not sent again");
  assert.equal((await logEntry(app, fine.webhook.id, eventId, () => true)).status, "delivered");
  const failed = await deliveries(app, dead.webhook.id, { status: "failed" });
  assert.deepEqual(failed.deliveries.map((d) => d.eventId), [eventId]);
});

test("a change that did not commit is never delivered: the second of two signups of one email", async () => {
  await createHook(appA, { url: `${hooks}/commits`, eventTypes: ["user.created", "passkey.added"] });
  const email = uniqueEmail();
  const [first, second] = [new SoftAuthenticator(), new SoftAuthenticator()];
  const s1 = await w.api("POST", `${P}/signup/start`, { email }, { app: appA.id });
  const s2 = await w.api("POST", `${P}/signup/start`, { email }, { app: appA.id });
  const done = await w.api("POST", `${P}/signup/complete`, first.create(s1.body, { origin: w.base }), { app: appA.id });
  expectStatus(done, 201, "first");
  expectError(await w.api("POST", `${P}/signup/complete`, second.create(s2.body, { origin: w.base }), { app: appA.id }), 409, "email_taken", "second");
  await waitFor("/commits", 2, () => true);
  await sleep(2500);
  const got = received.filter((r) => r.path === "/commits").map((r) => JSON.parse(r.body));
  assert.deepEqual(got.map((e) => `${e.type} ${e.data.userId}`).sort(), [`passkey.added ${done.body.user.id}`, `user.created ${done.body.user.id}`]);
  const orphans = w.d1(`SELECT count(*) AS n FROM webhook_deliveries d LEFT JOIN events e ON e.id = d.event_id WHERE e.id IS NULL`)[0].n;
  assert.equal(orphans, 0);
});

test("the sweep announces again deliveries whose announcement was lost", async () => {
  const app = await w.createApp({ name: "Hooks sweep" });
  const { webhook, secret } = await createHook(app, { url: `${hooks}/sweep`, eventTypes: ["sessions.ended"] });
  // An event committed 20 minutes ago whose queue message never went out (written straight to D1:
  // its trigger writes the delivery, nothing announces it).
  const id = `evt_lost${randomBytes(6).toString("hex")}`;
  const at = Date.now() - 20 * 60 * 1000;
  w.d1(`INSERT INTO events (id, app_id, type, actor, detail, at) VALUES (${sql(id)}, ${sql(app.id)}, 'sessions.ended', 'system', '{"reason":"logout","count":1}', ${at})`);
  await sleep(2500);
  assert.equal(received.filter((r) => r.path === "/sweep").length, 0, "not announced");
  expectStatus(await w.scheduled(), 200, "sweep");
  const [delivery] = await waitFor("/sweep", 1);
  assert.equal(delivery.headers["webhook-id"], id);
  assert.equal(verified(delivery, secret).data.detail.reason, "logout");
  assert.equal((await logEntry(app, webhook.id, id, (d) => d.status === "delivered")).attempts, 1);
});

test("a redirect is an answer like any other that is not 2xx: never followed, the attempt failed", async () => {
  const app = await w.createApp({ name: "Hooks redirect", passkey: { enabled: true, directSignup: true } });
  const moved = await createHook(app, { url: `${hooks}/redirect`, eventTypes: ["user.created"] });
  const account = await signUp(app);
  const [first] = await waitFor("/redirect", 1, (e) => e.data.userId === account.user.id);
  const entry = await logEntry(app, moved.webhook.id, first.headers["webhook-id"], (d) => d.attempts >= 1);
  assert.deepEqual({ lastStatus: entry.lastStatus, lastError: entry.lastError }, { lastStatus: 307, lastError: "HTTP 307" });
  assert.notEqual(entry.status, "delivered");
  assert.equal(received.filter((r) => r.path === "/redirect-target").length, 0, "the signed body went nowhere else");
});

test("the sweep marks failed what is still pending 3 days after its event", async () => {
  const app = await w.createApp({ name: "Hooks give up" });
  const { webhook } = await createHook(app, { url: `${hooks}/given-up`, eventTypes: ["sessions.ended"], enabled: true });
  const id = `evt_old${randomBytes(6).toString("hex")}`;
  const at = Date.now() - 4 * 24 * 3600 * 1000;
  w.d1(`INSERT INTO events (id, app_id, type, actor, detail, at) VALUES (${sql(id)}, ${sql(app.id)}, 'sessions.ended', 'system', '{}', ${at})`);
  // As if its attempts had been made and its dead-letter message lost.
  w.d1(`UPDATE webhook_deliveries SET attempts = 8, last_status = 500, last_error = 'HTTP 500' WHERE event_id = ${sql(id)}`);
  expectStatus(await w.scheduled(), 200, "sweep");
  const entry = await logEntry(app, webhook.id, id, (d) => d.status === "failed");
  assert.deepEqual({ attempts: entry.attempts, lastError: entry.lastError }, { attempts: 8, lastError: "HTTP 500" });
});
