// What the ceremony end-to-end files share: one Worker, Chromium and a page of another origin per
// file (setUp/tearDown), two applications, and the helpers that drive ceremonies and read D1.
// The bindings are live: a test file sees w, app, ... once setUp has run.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { startWorker, ROOT } from "./harness.mjs";
import { launchBrowser } from "./browser.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";

export const P = "/auth/passkey-provider";
export const ENDPOINTS = [
  "signup/verify-email/request", "signup/verify-email/confirm", "signup/start", "signup/complete",
  "register/start", "register/complete", "login/start", "login/complete",
];

export let w, browser, otherOrigin;
/** Email-verified signup only (the default). */
export let app;
/** Direct signup allowed. */
export let directApp;

/** Starts the Worker, Chromium and a page on another origin (each test file's `before`). */
export async function setUp() {
  w = await startWorker();
  browser = await launchBrowser();
  app = await w.createApp({ name: "Ceremonies", passkey: { enabled: true } });
  directApp = await w.createApp({ name: "Direct", passkey: { enabled: true, directSignup: true } });
  // A blank page on another origin (same host, another port: rpId "localhost" stays valid there).
  otherOrigin = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>other</title>"));
  await new Promise((ok) => otherOrigin.listen(0, "127.0.0.1", ok));
}

/** Stops what `setUp` started (each test file's `after`). */
export async function tearDown() {
  await browser?.close();
  otherOrigin?.close();
  await w?.stop();
}

// ---- helpers ----

export const page = () => `${w.base}/healthz`;
export const otherPage = () => `http://localhost:${otherOrigin.address().port}/`;
export const uniqueEmail = (tag = "u") => `${tag}-${randomBytes(5).toString("hex")}@example.com`;
export const uniqueIp = () => `2001:db8::${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}`;
export const appHeader = (target) => ({ "x-authaz-app": target.id });
export const fromB64u = (text) => Buffer.from(text, "base64url");

export function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text ?? JSON.stringify(res.body)}`);
}

export function expectError(res, status, code, what, messagePattern) {
  expectStatus(res, status, what);
  assert.equal(res.body?.error?.code, code, `${what}: ${res.text ?? JSON.stringify(res.body)}`);
  if (messagePattern) assert.match(res.body.error.message, messagePattern, what);
}

export const post = (path, body, target, opts = {}) => w.api("POST", `${P}/${path}`, body, { app: target.id, ...opts });

/** Requests a code for `email` and answers the code read from the mail the binding sent. */
export async function mailedCode(email, target = app, opts = {}) {
  const since = w.sentMail().length;
  const r = await post("signup/verify-email/request", { email }, target, opts);
  expectStatus(r, 202, "verify-email/request");
  return codeFromMail(email, since);
}

export async function codeFromMail(email, since) {
  const mail = await w.waitForMail(email, { since });
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
  assert.ok(code, `no 6-digit code in the mail:\n${mail.text}`);
  return code;
}

/** A verificationToken for `email` (request + confirm through the API). */
export async function verificationToken(email, target = app) {
  const code = await mailedCode(email, target);
  const r = await post("signup/verify-email/confirm", { email, code }, target);
  expectStatus(r, 200, "verify-email/confirm");
  return r.body.verificationToken;
}

/** Direct signup of a new user with a software authenticator: {user, passkey, recoveryCodes, session, email, auth, credential}. */
export async function softSignup(target = directApp, { auth = new SoftAuthenticator(), createOpts = {} } = {}) {
  const email = uniqueEmail("soft");
  const start = await post("signup/start", { email, displayName: "Soft User" }, target);
  expectStatus(start, 200, "signup/start");
  const credential = auth.create(start.body, { origin: w.base, ...createOpts });
  const done = await post("signup/complete", credential, target);
  expectStatus(done, 201, "signup/complete");
  return { ...done.body, email, auth, credential, options: start.body };
}

/** A login with a software authenticator: answers the complete response. */
export async function softLogin(target, auth, getOpts = {}, startBody = {}) {
  const start = await post("login/start", startBody, target);
  expectStatus(start, 200, "login/start");
  return post("login/complete", auth.get(start.body, { origin: w.base, ...getOpts }), target);
}

/** Row counts of every table the ceremonies write, read from the local D1 database itself. */
export function tableCounts() {
  const tables = ["users", "credentials", "recovery_codes", "sessions", "refresh_tokens", "email_verifications"];
  const sql = `SELECT ${tables.map((t) => `(SELECT COUNT(*) FROM ${t}) AS ${t}`).join(", ")}`;
  const out = execFileSync(join(ROOT, "node_modules/.bin/wrangler"),
    ["d1", "execute", "DB", "--local", "--persist-to", join(w.dir, "state"), "--json", "--command", sql],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" }, encoding: "utf8" });
  return JSON.parse(out)[0].results[0];
}

export function assertSession(session, what) {
  assert.equal(session?.tokenType, "Bearer", what);
  assert.equal(typeof session.accessToken, "string", what);
  assert.equal(session.accessToken.split(".").length, 3, what);
  assert.equal(typeof session.refreshToken, "string", what);
  assert.ok(session.expiresIn > 0, what);
}
