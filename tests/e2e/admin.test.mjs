// The admin API against the real Worker (wrangler dev: workerd, local D1): applications, their
// passkey config, operator and application keys, the error model and the 64 KiB body limit.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./harness.mjs";

let worker;

before(async () => {
  worker = await startWorker();
});

after(async () => {
  await worker?.stop();
});

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DEFAULT_PASSKEY = {
  enabled: false, userVerification: "required", residentKey: "required", authenticatorAttachment: null,
  attestation: "none", directSignup: false, timeoutMs: 300000, maxPasskeysPerUser: 10, ceremonyStartsPerMinute: 300,
  relatedOrigins: [], nativeOrigins: [], appleAppIds: [],
  allowedAaguids: [], deniedAaguids: [], requireCertified: null, refuseRevoked: true, attestationTrust: "none",
};

let counter = 0;
/** A fresh application (operator key) with its own hostname; returns {app, apiKey}. */
async function create(extra = {}) {
  counter += 1;
  const body = {
    name: `Admin Test ${counter}`, rpId: "localhost", origins: [worker.base],
    hostnames: [`admin${counter}.localhost`], ...extra,
  };
  const r = await worker.api("POST", "/api/v1/applications", body, { key: "admin" });
  assert.equal(r.status, 201, r.text);
  return { app: r.body.application, apiKey: r.body.apiKey };
}

const get = (id, key = "admin") => worker.api("GET", `/api/v1/applications/${id}`, undefined, { key });

function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body?.error?.code, code, r.text);
  assert.equal(typeof r.body.error.message, "string");
  assert.ok(r.body.error.message.length > 0);
  assert.match(r.headers.get("content-type") ?? "", /application\/json/);
}

test("GET /healthz answers the build's version", async () => {
  const r = await worker.api("GET", "/healthz");
  assert.equal(r.status, 200);
  assert.equal(r.body.status, "ok");
  assert.match(r.body.version, /^\d+\.\d+\.\d+/);
});

test("POST /api/v1/applications creates an application with the contract's shape and defaults", async () => {
  const r = await worker.api("POST", "/api/v1/applications", {
    name: "Shop", rpId: "localhost", origins: [worker.base], hostnames: ["shop.localhost"],
  }, { key: "admin" });
  assert.equal(r.status, 201, r.text);
  const { application: app, apiKey } = r.body;
  assert.deepEqual(Object.keys(r.body).sort(), ["apiKey", "application"]);
  assert.match(app.id, /^app_[A-Za-z0-9_-]{16}$/);
  assert.equal(app.name, "Shop");
  assert.equal(app.rpId, "localhost");
  assert.equal(app.rpName, "Shop", "rpName defaults to name");
  assert.deepEqual(app.origins, [worker.base]);
  assert.deepEqual(app.hostnames, ["shop.localhost"]);
  assert.deepEqual(app.redirectUris, []);
  assert.deepEqual(app.passkey, DEFAULT_PASSKEY);
  assert.match(app.createdAt, RFC3339);
  assert.match(app.updatedAt, RFC3339);
  assert.ok(Math.abs(Date.parse(app.createdAt) - Date.now()) < 60_000);
  assert.equal(typeof apiKey, "string");
  assert.ok(apiKey.length >= 40);

  // GET shows the same application, config included, and never the key again.
  for (const key of ["admin", apiKey]) {
    const g = await get(app.id, key);
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(g.body, { application: app });
    assert.ok(!g.text.includes(apiKey), "the API key is shown only once");
  }
});

test("every field of POST is validated; a refused create stores nothing", async () => {
  const base = { name: "V", rpId: "localhost", origins: [worker.base] };
  const bad = [
    {}, { ...base, name: "" }, { ...base, name: "a\nb" }, { ...base, rpId: "127.0.0.1" }, { ...base, rpId: "com" },
    { ...base, origins: [] }, { ...base, origins: ["https://evil.example"] }, { ...base, origins: [`${worker.base}/`] },
    { ...base, origins: "http://localhost" }, { ...base, rpId: "example.com", origins: ["http://example.com"] },
    { ...base, hostnames: ["bad host"] }, { ...base, hostnames: ["v.localhost:8787"] },
    { ...base, redirectUris: ["/relative"] }, { ...base, redirectUris: ["http://app.example/cb"] },
    { ...base, redirectUris: ["https://app.example/cb#frag"] }, { ...base, rpName: 5 },
    { ...base, redirectURIs: [] }, { ...base, passkey: { enabled: true } }, [base], "text", 42,
  ];
  for (const body of bad) {
    const isObject = typeof body === "object" && !Array.isArray(body);
    const sent = isObject ? { hostnames: ["refused.localhost"], ...body } : body;
    assertError(await worker.api("POST", "/api/v1/applications", sent, { key: "admin" }), 400, "invalid_request");
  }
  // The hostname of every refused body is still free: nothing was stored.
  const { app } = await create({ hostnames: ["refused.localhost"] });
  assert.deepEqual(app.hostnames, ["refused.localhost"]);
});

test("malformed JSON is 400 invalid_request and changes nothing", async () => {
  const truncated = `{"name":"M","rpId":"localhost","origins":["${worker.base}"],"hostnames":["malformed.localhost"]`;
  assertError(await worker.api("POST", "/api/v1/applications", undefined, { key: "admin", raw: truncated }), 400, "invalid_request");
  const { app } = await create({ hostnames: ["malformed.localhost"] });

  const before = (await get(app.id)).body;
  for (const raw of ['{"name": "X",', "not json", '{"name": "X"} trailing', "\u0000"]) {
    assertError(await worker.api("PATCH", `/api/v1/applications/${app.id}`, undefined, { key: "admin", raw }), 400, "invalid_request");
    assertError(await worker.api("PUT", `/api/v1/applications/${app.id}/auth/passkey`, undefined, { key: "admin", raw }), 400, "invalid_request");
  }
  assert.deepEqual((await get(app.id)).body, before);
});

test("PATCH replaces the fields given and keeps the others", async () => {
  const { app, apiKey } = await create({ rpName: "Original RP" });
  const r = await worker.api("PATCH", `/api/v1/applications/${app.id}`, {
    name: "Renamed", redirectUris: ["https://app.example/callback", "http://localhost:3000/cb"],
  }, { key: apiKey });
  assert.equal(r.status, 200, r.text);
  const patched = r.body.application;
  assert.equal(patched.name, "Renamed");
  assert.deepEqual(patched.redirectUris, ["https://app.example/callback", "http://localhost:3000/cb"]);
  assert.equal(patched.rpName, "Original RP");
  assert.deepEqual(patched.origins, app.origins);
  assert.deepEqual(patched.hostnames, app.hostnames);
  assert.equal(patched.createdAt, app.createdAt);
  assert.ok(Date.parse(patched.updatedAt) >= Date.parse(app.updatedAt));
  assert.deepEqual((await get(app.id)).body.application, patched);

  // Every patchable field at once, then an empty patch that changes nothing.
  const all = {
    name: "All", rpName: "All RP", origins: [worker.base, "https://sub.localhost"],
    hostnames: ["all-new.localhost"], redirectUris: [],
  };
  const r2 = await worker.api("PATCH", `/api/v1/applications/${app.id}`, all, { key: "admin" });
  assert.equal(r2.status, 200, r2.text);
  for (const [k, v] of Object.entries(all)) assert.deepEqual(r2.body.application[k], v, k);
  const r3 = await worker.api("PATCH", `/api/v1/applications/${app.id}`, {}, { key: "admin" });
  assert.equal(r3.status, 200);
  const { updatedAt: _a, ...same } = r3.body.application;
  const { updatedAt: _b, ...expected } = r2.body.application;
  assert.deepEqual(same, expected);
});

test("PATCH refuses bad fields, rpId and unknown fields, and changes nothing", async () => {
  const { app } = await create();
  const before = (await get(app.id)).body;
  const bad = [
    { rpId: "other.localhost" }, { id: "app_x" }, { passkey: { enabled: true } }, { nmae: "typo" },
    { name: "" }, { name: null }, { origins: [] }, { origins: ["https://elsewhere.example"] },
    { hostnames: "x.localhost" }, { hostnames: ["1.2.3.4"] }, { redirectUris: ["javascript:alert(1)"] },
    // A valid field next to an invalid one: the valid one is not applied either.
    { name: "Half", origins: ["ftp://localhost"] },
  ];
  for (const body of bad) {
    assertError(await worker.api("PATCH", `/api/v1/applications/${app.id}`, body, { key: "admin" }), 400, "invalid_request");
  }
  assert.deepEqual((await get(app.id)).body, before);
});

test("a hostname serves one application: taking another's is 400 invalid_request", async () => {
  const a = await create({ hostnames: ["taken.localhost"] });
  const r = await worker.api("POST", "/api/v1/applications", {
    name: "B", rpId: "localhost", origins: [worker.base], hostnames: ["free-b.localhost", "taken.localhost"],
  }, { key: "admin" });
  assertError(r, 400, "invalid_request");
  assert.match(r.body.error.message, /taken\.localhost/);
  // free-b was not stored either.
  const b = await create({ hostnames: ["free-b.localhost"] });

  const before = (await get(b.app.id)).body;
  const p = await worker.api("PATCH", `/api/v1/applications/${b.app.id}`, { name: "B2", hostnames: ["taken.localhost"] }, { key: "admin" });
  assertError(p, 400, "invalid_request");
  assert.deepEqual((await get(b.app.id)).body, before);

  // Giving a hostname up frees it; an application may keep its own hostnames in a patch.
  assert.equal((await worker.api("PATCH", `/api/v1/applications/${a.app.id}`, { hostnames: ["a-moved.localhost"] }, { key: "admin" })).status, 200);
  assert.equal((await worker.api("PATCH", `/api/v1/applications/${a.app.id}`, { hostnames: ["a-moved.localhost"] }, { key: "admin" })).status, 200);
  const moved = await worker.api("PATCH", `/api/v1/applications/${b.app.id}`, { hostnames: ["taken.localhost", "free-b.localhost"] }, { key: "admin" });
  assert.equal(moved.status, 200, moved.text);
  assert.deepEqual(moved.body.application.hostnames, ["taken.localhost", "free-b.localhost"]);
});

test("PUT .../auth/passkey merges: fields left out keep their values", async () => {
  const { app, apiKey } = await create();
  const path = `/api/v1/applications/${app.id}/auth/passkey`;
  const g0 = await worker.api("GET", path, undefined, { key: apiKey });
  assert.equal(g0.status, 200);
  assert.deepEqual(g0.body, { passkey: DEFAULT_PASSKEY });

  let r = await worker.api("PUT", path, { enabled: true }, { key: apiKey });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { passkey: { ...DEFAULT_PASSKEY, enabled: true } });

  r = await worker.api("PUT", path, { enabled: true, directSignup: true, authenticatorAttachment: "platform", timeoutMs: 60000 }, { key: "admin" });
  const merged = { ...DEFAULT_PASSKEY, enabled: true, directSignup: true, authenticatorAttachment: "platform", timeoutMs: 60000 };
  assert.deepEqual(r.body, { passkey: merged });

  // Omitted keeps "platform"; null sets "both".
  r = await worker.api("PUT", path, { enabled: true, userVerification: "preferred" }, { key: "admin" });
  assert.deepEqual(r.body.passkey, { ...merged, userVerification: "preferred" });
  r = await worker.api("PUT", path, { enabled: true, authenticatorAttachment: null, residentKey: "preferred", attestation: "direct" }, { key: "admin" });
  const final = { ...merged, userVerification: "preferred", authenticatorAttachment: null, residentKey: "preferred", attestation: "direct" };
  assert.deepEqual(r.body.passkey, final);

  // The application shows the same config.
  assert.deepEqual((await get(app.id)).body.application.passkey, final);
  assert.deepEqual((await worker.api("GET", path, undefined, { key: "admin" })).body, { passkey: final });
  // `enabled` is required: {}, an empty body and a body without it answer 400 and change nothing.
  for (const body of [{}, undefined, { directSignup: false }]) {
    assertError(await worker.api("PUT", path, body, { key: "admin" }), 400, "invalid_request");
  }
  assert.deepEqual((await worker.api("GET", path, undefined, { key: "admin" })).body.passkey, final);
});

test("concurrent PUTs of different passkey fields are all kept", async () => {
  const { app } = await create();
  const path = `/api/v1/applications/${app.id}/auth/passkey`;
  const puts = [{ enabled: true }, { directSignup: true }, { timeoutMs: 42000 }, { attestation: "indirect" }, { residentKey: "discouraged" }]
    .map((put) => ({ enabled: true, ...put }));
  const answers = await Promise.all(puts.map((body) => worker.api("PUT", path, body, { key: "admin" })));
  for (const a of answers) assert.equal(a.status, 200, a.text);
  const { passkey } = (await worker.api("GET", path, undefined, { key: "admin" })).body;
  assert.deepEqual(passkey, { ...DEFAULT_PASSKEY, ...Object.assign({}, ...puts) });
});

test("PUT .../auth/passkey validates every field and changes nothing on a bad one", async () => {
  const { app } = await create();
  const path = `/api/v1/applications/${app.id}/auth/passkey`;
  await worker.api("PUT", path, { enabled: true, timeoutMs: 120000 }, { key: "admin" });
  const before = (await worker.api("GET", path, undefined, { key: "admin" })).body;
  const bad = [
    { enabled: "true" }, { enabled: null }, { userVerification: "always" }, { residentKey: true },
    { authenticatorAttachment: "usb" }, { attestation: "full" }, { directSignup: 1 },
    { timeoutMs: 9999 }, { timeoutMs: 600001 }, { timeoutMs: 1.5e4 + 0.5 }, { timeoutMs: "60000" },
    { maxPasskeysPerUser: 0 }, { maxPasskeysPerUser: 101 }, { maxPasskeysPerUser: 2.5 }, { maxPasskeysPerUser: "3" },
    { ceremonyStartsPerMinute: 0 }, { ceremonyStartsPerMinute: 100001 }, { ceremonyStartsPerMinute: "300" },
    { enabeld: false }, { enabled: false, userVerification: "never" }, [], "on",
  ].map((body) => (typeof body === "object" && !Array.isArray(body) && !("enabled" in body) && !("enabeld" in body) ? { enabled: true, ...body } : body));
  for (const body of bad) {
    assertError(await worker.api("PUT", path, body, { key: "admin" }), 400, "invalid_request");
  }
  assert.deepEqual((await worker.api("GET", path, undefined, { key: "admin" })).body, before);
  // The bounds themselves are accepted.
  for (const timeoutMs of [10000, 600000]) {
    assert.equal((await worker.api("PUT", path, { enabled: true, timeoutMs }, { key: "admin" })).body.passkey.timeoutMs, timeoutMs);
  }
  for (const maxPasskeysPerUser of [1, 100]) {
    assert.equal((await worker.api("PUT", path, { enabled: true, maxPasskeysPerUser }, { key: "admin" })).body.passkey.maxPasskeysPerUser, maxPasskeysPerUser);
  }
});

test("X-API-Key: missing or wrong is 401 on every admin endpoint", async () => {
  const { app, apiKey } = await create();
  const wrongKeys = [undefined, "", "wrong", worker.adminKey + "x", worker.adminKey.slice(0, -1), apiKey + "x", apiKey.toUpperCase(), "x".repeat(5000)];
  const calls = [
    ["POST", "/api/v1/applications", { name: "N", rpId: "localhost", origins: [worker.base] }],
    ["GET", `/api/v1/applications/${app.id}`],
    ["PATCH", `/api/v1/applications/${app.id}`, { name: "Hacked" }],
    ["GET", `/api/v1/applications/${app.id}/auth/passkey`],
    ["PUT", `/api/v1/applications/${app.id}/auth/passkey`, { enabled: true }],
    ["GET", "/api/v1/applications/app_doesnotexist0000"],
  ];
  for (const key of wrongKeys) {
    for (const [method, path, body] of calls) {
      const headers = key === undefined ? {} : { "x-api-key": key };
      assertError(await worker.api(method, path, body, { headers }), 401, "unauthorized");
    }
  }
  // Authentication comes before the body: a malformed body with no key is still 401.
  assertError(await worker.api("PATCH", `/api/v1/applications/${app.id}`, undefined, { raw: "{oops" }), 401, "unauthorized");
  const after = (await get(app.id)).body.application;
  assert.equal(after.name, app.name);
  assert.equal(after.passkey.enabled, false);
});

test("an application key works for its own application only (403 elsewhere); the operator key everywhere", async () => {
  const a = await create();
  const b = await create();
  const beforeB = (await get(b.app.id)).body;

  assert.equal((await get(a.app.id, a.apiKey)).status, 200);
  assertError(await get(b.app.id, a.apiKey), 403, "forbidden");
  assertError(await worker.api("PATCH", `/api/v1/applications/${b.app.id}`, { name: "Taken over" }, { key: a.apiKey }), 403, "forbidden");
  assertError(await worker.api("GET", `/api/v1/applications/${b.app.id}/auth/passkey`, undefined, { key: a.apiKey }), 403, "forbidden");
  assertError(await worker.api("PUT", `/api/v1/applications/${b.app.id}/auth/passkey`, { enabled: true }, { key: a.apiKey }), 403, "forbidden");
  // Unknown applications answer 403 to an application key too (it may not probe for ids).
  assertError(await get("app_doesnotexist0000", a.apiKey), 403, "forbidden");
  // Creating applications is the operator's.
  assertError(await worker.api("POST", "/api/v1/applications", { name: "N", rpId: "localhost", origins: [worker.base] }, { key: a.apiKey }), 403, "forbidden");
  assert.deepEqual((await get(b.app.id)).body, beforeB);

  // The operator key reads and changes both.
  for (const { app } of [a, b]) {
    assert.equal((await get(app.id)).status, 200);
    assert.equal((await worker.api("PATCH", `/api/v1/applications/${app.id}`, { rpName: "By operator" }, { key: "admin" })).status, 200);
  }
  assertError(await get("app_doesnotexist0000"), 404, "not_found");
  assertError(await worker.api("PUT", "/api/v1/applications/app_doesnotexist0000/auth/passkey", { enabled: true }, { key: "admin" }), 404, "not_found");
  assertError(await worker.api("PATCH", "/api/v1/applications/app_doesnotexist0000", { name: "x" }, { key: "admin" }), 404, "not_found");
});

test("bodies over 64 KiB are refused with 413 and change nothing", async () => {
  const { app } = await create();
  const before = (await get(app.id)).body;
  const big = JSON.stringify({ name: "x".repeat(65 * 1024) });
  assertError(await worker.api("PATCH", `/api/v1/applications/${app.id}`, undefined, { key: "admin", raw: big }), 413, "payload_too_large");
  assertError(await worker.api("PUT", `/api/v1/applications/${app.id}/auth/passkey`, undefined, { key: "admin", raw: big }), 413, "payload_too_large");
  assertError(await worker.api("POST", "/api/v1/applications", undefined, { key: "admin", raw: big }), 413, "payload_too_large");

  // Without a Content-Length (chunked), the limit holds while reading.
  const chunks = [big.slice(0, 40000), big.slice(40000)];
  const stream = new ReadableStream({ pull(c) { const next = chunks.shift(); next === undefined ? c.close() : c.enqueue(new TextEncoder().encode(next)); } });
  const res = await fetch(`http://127.0.0.1:${worker.port}/api/v1/applications/${app.id}`, {
    method: "PATCH", body: stream, duplex: "half", headers: { "x-api-key": worker.adminKey, "content-type": "application/json" },
  });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).error.code, "payload_too_large");

  // Just under the limit is read (and refused for its content, not its size).
  const near = JSON.stringify({ name: "x".repeat(60 * 1024) });
  assertError(await worker.api("PATCH", `/api/v1/applications/${app.id}`, undefined, { key: "admin", raw: near }), 400, "invalid_request");
  assert.deepEqual((await get(app.id)).body, before);
});

test("unknown paths are 404 not_found and wrong methods 405, in the error model", async () => {
  const { app } = await create();
  assertError(await worker.api("GET", "/api/v1/nothing", undefined, { key: "admin" }), 404, "not_found");
  assertError(await worker.api("DELETE", `/api/v1/applications/${app.id}`, undefined, { key: "admin" }), 405, "method_not_allowed");
  assertError(await worker.api("GET", "/api/v1/applications", undefined, { key: "admin" }), 405, "method_not_allowed");
  assert.equal((await get(app.id)).status, 200);
});

test("a change to an application applies to the very next request, though the Worker keeps looked-up applications", async () => {
  const { app } = await create();
  const put = (body) => worker.api("PUT", `/api/v1/applications/${app.id}/auth/passkey`, body, { key: "admin" });
  const loginStart = () => worker.api("POST", "/auth/passkey-provider/login/start", {}, { app: app.id, ip: "203.0.113.77" });
  assert.equal((await put({ enabled: true })).status, 200);
  const first = await loginStart();
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.timeout, 300000, first.text);
  // Turned off: the next request is refused, not served from the application looked up before.
  assert.equal((await put({ enabled: false })).status, 200);
  assertError(await loginStart(), 403, "passkey_disabled");
  assert.equal((await put({ enabled: true, timeoutMs: 120000 })).status, 200);
  const again = await loginStart();
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.timeout, 120000, again.text);
  // PATCH too: a new rpName shows at once in the creation options of signup/start.
  assert.equal((await put({ enabled: true, directSignup: true })).status, 200);
  const signup = () => worker.api("POST", "/auth/passkey-provider/signup/start", { email: `cache-${app.id}@example.com` }, { app: app.id, ip: "203.0.113.78" });
  assert.equal((await signup()).status, 200);
  const patched = await worker.api("PATCH", `/api/v1/applications/${app.id}`, { rpName: "Renamed at once" }, { key: "admin" });
  assert.equal(patched.status, 200, patched.text);
  const renamed = await signup();
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.body.rp?.name, "Renamed at once", renamed.text);
});
