// OpenAPI check of the Worker's real responses: finds the operation of docs/openapi.json for a
// request's method and path (its path template, as src/contract/routes.rs routes it) and
// validates the response's status, content type and JSON body against it with Ajv (JSON Schema
// 2020-12). tests/e2e/harness.mjs runs it on every answer of `worker.api(...)`, so the document
// cannot drift from the Worker; a mismatch throws with the method, path, status and Ajv's errors.
//
// What is not an operation of the document: a CORS preflight (`OPTIONS`, answered before
// routing) is not checked; an unknown path must answer `404 not_found` and a served path with
// another method `405 method_not_allowed`, in the contract's error model (docs/API.md Conventions).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);
export const DOC_PATH = join(ROOT, "docs/openapi.json");
export const doc = JSON.parse(readFileSync(DOC_PATH, "utf8"));

const DOC_ID = "https://authaz.invalid/openapi.json";

export const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...doc, $id: DOC_ID });

/** `a/b` as a JSON Pointer token. */
const token = (s) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** The compiled validator of the schema at `pointer` (`#/...`) of the document. */
const validators = new Map();
function validatorAt(pointer) {
  if (!validators.has(pointer)) {
    const v = ajv.getSchema(`${DOC_ID}${pointer}`);
    if (!v) throw new Error(`OpenAPI: no schema at ${pointer} of docs/openapi.json`);
    validators.set(pointer, v);
  }
  return validators.get(pointer);
}

const templates = Object.keys(doc.paths).map((template) => {
  const parts = template.replace(/^\/+|\/+$/g, "").split("/");
  return { template, parts, literals: parts.filter((p) => !p.startsWith("{")).length };
});

/** The request path without query, its segments as the router sees them (trailing `/` ignored). */
function segmentsOf(path) {
  const bare = path.split(/[?#]/)[0];
  return bare.replace(/^\/+|\/+$/g, "").split("/");
}

function fits(parts, segments) {
  return parts.length === segments.length && parts.every((p, i) => (p.startsWith("{") ? segments[i] !== "" : p === segments[i]));
}

/**
 * The document's operation for `method` and `path`: `{template, operation, pointer}`, or
 * `{template: null}` for a path no template has, or `{template, operation: null}` for a path
 * served with other methods only. A literal segment wins over a parameter (`/users/me/...`).
 */
export function matchOperation(method, path) {
  const segments = segmentsOf(path);
  const m = method.toLowerCase();
  const matching = templates.filter((t) => fits(t.parts, segments)).sort((a, b) => b.literals - a.literals);
  if (!matching.length) return { template: null, operation: null };
  const withMethod = matching.find((t) => doc.paths[t.template][m]);
  if (!withMethod) return { template: matching[0].template, operation: null };
  return { template: withMethod.template, operation: doc.paths[withMethod.template][m], pointer: `#/paths/${token(withMethod.template)}/${m}` };
}

/** A response object and its pointer, its `$ref` (to components/responses) followed. */
function resolveResponse(response, pointer) {
  while (response?.$ref) {
    pointer = response.$ref;
    response = pointer.slice(2).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~")).reduce((o, k) => o?.[k], doc);
  }
  return { response, pointer };
}

const mediaType = (contentType) => (contentType ?? "").split(";")[0].trim().toLowerCase();

function fail(method, path, status, why, details) {
  const more = details ? `\n${typeof details === "string" ? details : JSON.stringify(details, null, 2)}` : "";
  return new Error(`OpenAPI (docs/openapi.json): ${method} ${path} -> ${status}: ${why}${more}`);
}

/** Validates `body` (parsed JSON) against the schema at `pointer`; throws with Ajv's errors. */
function validateJson(method, path, status, pointer, body, text) {
  const validate = validatorAt(pointer);
  if (!validate(body)) {
    throw fail(method, path, status, `body does not match ${pointer}`, `${JSON.stringify(validate.errors, null, 2)}\nbody: ${String(text).slice(0, 2000)}`);
  }
}

/**
 * Checks one real response of the Worker against the document. `res`: `{status, headers, body,
 * text}` as `worker.api` answers (`body`: the parsed JSON or null). Throws on a mismatch.
 */
export function checkResponse(method, path, res) {
  method = method.toUpperCase();
  if (method === "OPTIONS") return; // CORS preflight: answered before routing, not an operation.
  const status = res.status;
  const contentType = mediaType(res.headers?.get?.("content-type"));
  const { template, operation, pointer: opPointer } = matchOperation(method, path);
  if (!operation) {
    // Unknown path: 404 not_found; a served path with another method: 405 method_not_allowed.
    const expected = template ? 405 : 404;
    if (status !== expected) throw fail(method, path, status, template ? `${template} has no ${method} operation (a 405 was expected)` : "no path template of the document matches (a 404 was expected)");
    if (contentType !== "application/json") throw fail(method, path, status, `content type ${contentType || "(none)"}, not application/json`, res.text?.slice(0, 500));
    validateJson(method, path, status, `#/components/responses/E${expected}/content/application~1json/schema`, res.body, res.text);
    return;
  }
  const declared = operation.responses?.[String(status)];
  if (!declared) throw fail(method, path, status, `status not documented for ${method} ${template} (documented: ${Object.keys(operation.responses ?? {}).join(", ")})`, res.text?.slice(0, 1000));
  const { response, pointer } = resolveResponse(declared, `${opPointer}/responses/${status}`);
  const content = response.content ?? {};
  const types = Object.keys(content);
  if (!types.length) {
    if (res.text) throw fail(method, path, status, `a body, where ${template} documents none`, res.text.slice(0, 1000));
    return;
  }
  if (!types.includes(contentType)) throw fail(method, path, status, `content type ${contentType || "(none)"}, documented: ${types.join(", ")}`, res.text?.slice(0, 1000));
  if (contentType === "application/json") {
    if (res.body === null && res.text !== "null") throw fail(method, path, status, "content type application/json but the body is not JSON", res.text?.slice(0, 1000));
    validateJson(method, path, status, `${pointer}/content/application~1json/schema`, res.body, res.text);
  }
}

/** Checks docs/openapi.json itself is a valid OpenAPI 3.1 document; answers the validator's result. */
export async function validateDocument() {
  const { Validator } = await import("@seriousme/openapi-schema-validator");
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  return { ...result, version: validator.version };
}


/**
 * `fetch` that checks the answer like `worker.api` does (for tests that call the Worker through
 * a client library, e.g. openid-client's `customFetch`, or by URL). Answers the untouched Response.
 */
export async function checkedFetch(url, init = {}) {
  const res = await fetch(url, init);
  const text = await res.clone().text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch {}
  const { pathname, search } = new URL(String(url instanceof Request ? url.url : url));
  checkResponse(init.method ?? (url instanceof Request ? url.method : "GET"), `${pathname}${search}`, { status: res.status, headers: res.headers, body, text });
  return res;
}
