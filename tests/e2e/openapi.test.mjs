// docs/openapi.json itself: a valid OpenAPI 3.1 document, with every route of docs/API.md's
// tables and of the Worker's route table (src/contract/routes.rs), and a validator
// (tests/e2e/openapi.mjs, run by the harness on every answer) that does refuse wrong answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";
import { checkResponse, doc, matchOperation, validateDocument } from "./openapi.mjs";

/** `METHOD /path/{x}` with every parameter spelled `{}` (names differ between documents). */
const key = (method, path) => `${method.toUpperCase()} ${path.replace(/\{[^}]*\}/g, "{}").replace(/\/+$/, "") || "/"}`;

const documented = new Set(
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).filter((m) => ["get", "put", "post", "delete", "patch"].includes(m)).map((m) => key(m, path))),
);

/** The `| METHOD path |` rows of docs/API.md's tables, `{issuer}` in both of its forms. */
function apiMdRoutes() {
  const text = readFileSync(join(ROOT, "docs/API.md"), "utf8");
  const rows = [];
  for (const line of text.split("\n")) {
    const m = /^\|\s*((?:GET|POST|PUT|PATCH|DELETE)(?:\s+or\s+(?:GET|POST|PUT|PATCH|DELETE))*)\s+(\S+)\s*\|/.exec(line);
    if (!m) continue;
    const methods = m[1].split(/\s+or\s+/);
    const path = m[2];
    const paths = path.startsWith("{issuer}")
      ? [path.replace("{issuer}", "/oidc/{appId}"), path === "{issuer}/.well-known/openid-configuration" ? "/.well-known/openid-configuration" : path.replace("{issuer}", "/oidc")]
      : [path];
    for (const method of methods) for (const p of paths) rows.push(key(method, p));
  }
  return rows;
}

/** The routes of src/contract/routes.rs (`r("METHOD /path", ...)`). */
function workerRoutes() {
  const text = readFileSync(join(ROOT, "src/contract/routes.rs"), "utf8").split("#[cfg(test)]")[0];
  return [...text.matchAll(/\br\("([A-Z]+) (\/[^"]*)"/g)].map(([, method, path]) => key(method, path));
}

const headers = (contentType) => new Headers(contentType ? { "content-type": contentType } : {});
const answer = (status, body, contentType = "application/json") => ({
  status, headers: headers(contentType), body: body ?? null, text: body === undefined ? "" : JSON.stringify(body),
});

test("docs/openapi.json is a valid OpenAPI 3.1 document (JSON Schema 2020-12 dialect)", async () => {
  assert.equal(doc.openapi, "3.1.0");
  assert.equal(doc.jsonSchemaDialect, "https://json-schema.org/draft/2020-12/schema");
  const result = await validateDocument();
  assert.equal(result.version, "3.1");
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
});

test("every route of docs/API.md's tables is in docs/openapi.json", () => {
  const rows = apiMdRoutes();
  assert.ok(rows.length >= 40, `only ${rows.length} rows parsed from docs/API.md`);
  const missing = rows.filter((r) => !documented.has(r));
  assert.deepEqual(missing, [], "routes of docs/API.md missing from docs/openapi.json");
});

test("docs/openapi.json has exactly the Worker's routes (src/contract/routes.rs)", () => {
  const routes = new Set(workerRoutes());
  assert.ok(routes.size >= 45, `only ${routes.size} routes parsed from routes.rs`);
  assert.deepEqual([...routes].filter((r) => !documented.has(r)), [], "routes the Worker serves that docs/openapi.json lacks");
  // The pages' static files are served by Workers Static Assets (wrangler.toml [assets]), not the router.
  const assets = new Set([key("GET", "/pages/{asset}")]);
  assert.deepEqual([...documented].filter((r) => !routes.has(r) && !assets.has(r)), [], "operations of docs/openapi.json the Worker does not serve");
});

test("every documented error status has the contract's error body (or RFC 6749's at OAuth endpoints)", () => {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!operation?.responses) continue;
      for (const status of Object.keys(operation.responses).filter((s) => Number(s) >= 400)) {
        const r = operation.responses[status];
        const schema = r.$ref ? null : r.content?.["application/json"]?.schema;
        const html = r.content?.["text/html"];
        assert.ok(r.$ref || html || schema?.$ref === "#/components/schemas/OAuthError", `${method} ${path} ${status}: no error schema`);
      }
    }
  }
});

test("path templates: a literal segment wins, query and trailing slash are ignored", () => {
  assert.equal(matchOperation("GET", "/api/v1/users/me/passkeys").template, "/api/v1/users/me/passkeys");
  assert.equal(matchOperation("DELETE", "/api/v1/users/me/passkeys").template, "/api/v1/users/{userId}/passkeys");
  assert.equal(matchOperation("GET", "/sign-in/?app=a").template, "/sign-in");
  assert.equal(matchOperation("POST", "/oidc/authorize/complete").template, "/oidc/authorize/complete");
  assert.equal(matchOperation("GET", "/oidc/app_1/authorize?client_id=x").template, "/oidc/{appId}/authorize");
  assert.equal(matchOperation("GET", "/nowhere").template, null);
  assert.equal(matchOperation("GET", "/api/v1/applications").operation, null);
});

test("the validator accepts right answers and refuses wrong ones, loudly", () => {
  const user = { id: "usr_1", email: "a@example.com", emailVerified: true, displayName: null, createdAt: "2026-01-01T00:00:00Z" };
  const session = { accessToken: "a.b.c", tokenType: "Bearer", expiresIn: 900, refreshToken: "r" };
  checkResponse("POST", "/auth/passkey-provider/login/complete", answer(200, { user, session }));
  checkResponse("POST", "/auth/token/refresh", answer(401, { error: { code: "unauthorized", message: "no" } }));
  checkResponse("GET", "/api/v1/nothing", answer(404, { error: { code: "not_found", message: "no" } }));
  checkResponse("DELETE", "/auth/passkey-provider/passkeys/pk_1", answer(204, undefined, null));
  checkResponse("GET", "/sign-in?app=a", answer(200, undefined, "text/html; charset=utf-8"));
  checkResponse("POST", "/oidc/app_1/token", answer(400, { error: "invalid_grant", error_description: "used" }));

  const refused = (method, path, res, pattern) =>
    assert.throws(() => checkResponse(method, path, res), (e) => {
      assert.match(e.message, new RegExp(`^OpenAPI \\(docs/openapi.json\\): ${method} ${path.replace(/[?]/g, "\\?")} -> ${res.status}: `));
      assert.match(e.message, pattern);
      return true;
    });
  // A wrong body: Ajv's errors are in the message.
  refused("POST", "/auth/passkey-provider/login/complete", answer(200, { user, session: { ...session, tokenType: "bearer" } }), /tokenType.*must be equal to constant/s);
  refused("POST", "/auth/passkey-provider/login/complete", answer(200, { session }), /must have required property 'user'/);
  // An error code of another status, an error not in the error model.
  refused("POST", "/auth/token/refresh", answer(401, { error: { code: "invalid_request", message: "no" } }), /must be equal to one of the allowed values/);
  refused("POST", "/auth/token/refresh", answer(400, { error: "invalid_request" }), /must be object/);
  // A status, content type or endpoint the document lacks.
  refused("GET", "/healthz", answer(418, { status: "ok" }), /status not documented/);
  refused("GET", "/sign-in", answer(200, { page: 1 }), /content type application\/json, documented: text\/html/);
  refused("GET", "/nowhere", answer(200, { ok: true }), /no path template/);
  refused("GET", "/api/v1/applications", answer(200, { applications: [] }), /has no GET operation/);
  refused("POST", "/auth/logout", answer(204, { ok: true }), /documents none/);
});
