// Auth.js against the provider: the README's "Next.js with Auth.js" provider configuration, taken
// from the README itself and evaluated as it is written, runs in the real `@auth/core` (the
// framework-agnostic core that next-auth v5 runs) behind a small node HTTP server as AUTH_URL.
// Chromium opens the app's Auth.js sign-in page, clicks "Sign in with Passkey", creates a passkey
// on the hosted page (CDP virtual authenticator) and is sent back to
// {AUTH_URL}/api/auth/callback/authaz; Auth.js exchanges the code (client_secret_basic, PKCE),
// validates the ID token (signature, iss, aud, nonce) and sets its session cookie; the session
// read through Auth() with that cookie is the person who signed up. Then the same flow with a
// wrong client secret: an error page and no session.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Auth, setEnvDefaults } from "@auth/core";
import { startWorker, freePort, ROOT } from "./harness.mjs";
import { launchBrowser, openDevice } from "./browser.mjs";

const email = "ada@example.com";
let worker, browser, app, client, authApp;

/**
 * The `NextAuth({...})` argument of the README's `auth.ts` block, evaluated with `process.env`
 * = `env`: the test runs exactly what the README shows (it is plain JavaScript as written).
 */
function readmeConfig(env) {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("**Next.js with Auth.js**"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block?.includes("NextAuth({"), "the README's Auth.js block");
  const start = block.indexOf("NextAuth(") + "NextAuth(".length;
  const end = block.lastIndexOf(");");
  return new Function("process", `"use strict"; return (${block.slice(start, end)});`)({ env });
}

/**
 * What `NextAuth(config)` adds before it calls `Auth()` (next-auth v5's setEnvDefaults): the
 * base path /api/auth, then @auth/core's own env defaults (AUTH_SECRET, trustHost from AUTH_URL).
 * `errors` collects what Auth.js logs as errors instead of printing them.
 */
function nextAuthConfig(env, errors) {
  const config = readmeConfig(env);
  config.basePath ??= "/api/auth";
  setEnvDefaults(env, config, true);
  config.logger = { error: (e) => errors.push(e), warn: () => {}, debug: () => {} };
  return config;
}

/**
 * The application at AUTH_URL: a node HTTP server that hands /api/auth/* to `Auth(request, config)`
 * (what next-auth's route handlers do) and answers a page for anything else. `app.config` is the
 * configuration in use; `app.seen` records every request with its status and Location.
 */
async function startAuthApp(port) {
  const base = `http://localhost:${port}`;
  const authApp = { base, config: null, seen: [] };
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, base);
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
      const hasBody = !["GET", "HEAD"].includes(req.method);
      const response = url.pathname.startsWith("/api/auth/")
        ? await Auth(new Request(url, { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined }), authApp.config)
        : new Response("<h1>The app</h1>", { headers: { "content-type": "text/html" } });
      authApp.seen.push({ method: req.method, path: url.pathname + url.search, status: response.status, location: response.headers.get("location") });
      for (const [k, v] of response.headers) if (k !== "set-cookie") res.setHeader(k, v);
      const cookies = response.headers.getSetCookie();
      if (cookies.length) res.setHeader("set-cookie", cookies);
      res.writeHead(response.status);
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (err) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err?.stack ?? err));
    }
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  authApp.stop = () => new Promise((ok) => server.close(ok));
  return authApp;
}

/** The environment of a Next.js app with the README's auth.ts. */
function envFor(clientSecret) {
  return {
    AUTH_URL: authApp.base,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    AUTH_AUTHAZ_ISSUER: `${worker.base}/oidc/${app.id}`,
    AUTH_AUTHAZ_ID: client.client.id,
    AUTH_AUTHAZ_SECRET: clientSecret,
  };
}

before(async () => {
  worker = await startWorker();
  app = await worker.createApp({ name: "Auth.js App", passkey: { enabled: true, directSignup: true } });
  // The client's redirect URI names the app's address, so its port is chosen first.
  const port = await freePort();
  const created = await worker.api("POST", `/api/v1/applications/${app.id}/clients`, {
    name: "Next.js", type: "confidential", redirectUris: [`http://localhost:${port}/api/auth/callback/authaz`],
  }, { key: app.apiKey });
  assert.equal(created.status, 201, created.text);
  client = created.body;
  authApp = await startAuthApp(port);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await authApp?.stop();
  await worker?.stop();
});

/**
 * A person's browser: opens the app's Auth.js sign-in page, clicks "Sign in with Passkey", signs
 * up on the hosted page and follows the redirects until it is back on the app (anything but the
 * provider's origin). Answers the device and where it landed.
 */
async function signUpThroughAuthJs(personEmail, name) {
  const d = await openDevice(browser, `${worker.base}/healthz`);
  // No passkey autofill: the person clicks, so the sign-up is the one ceremony.
  await d.page.context().addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  const callbackUrl = `${authApp.base}/dashboard`;
  await d.page.goto(`${authApp.base}/api/auth/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  await d.page.getByRole("button", { name: "Sign in with Passkey" }).click();
  await d.page.waitForURL((u) => u.origin === worker.base && u.pathname.startsWith(`/oidc/${app.id}/`), { timeout: 20_000 });
  await d.page.getByRole("button", { name: "Create an account" }).click();
  await d.page.getByRole("textbox", { name: "Email", exact: true }).fill(personEmail);
  await d.page.getByRole("textbox", { name: "Name" }).fill(name);
  await d.page.getByRole("button", { name: "Skip email check and create a passkey" }).click();
  await d.page.getByText("Save your recovery codes").filter({ visible: true }).first().waitFor({ timeout: 20_000 });
  await d.page.getByRole("button", { name: "Continue", exact: true }).click();
  await d.page.waitForURL((u) => u.origin === authApp.base && !u.pathname.startsWith("/api/auth/callback/"), { timeout: 20_000 }).catch(async (err) => {
    const text = await d.page.locator("body").innerText().catch(() => "");
    throw new Error(`not back at the app: ${d.page.url()}\n${text.slice(0, 800)}\n${JSON.stringify(authApp.seen, null, 1)}`, { cause: err });
  });
  return { device: d, landed: new URL(d.page.url()) };
}

/** The app's Auth.js cookies in the browser, as a Cookie header. */
async function cookieHeader(d) {
  const cookies = await d.page.context().cookies(authApp.base);
  return { names: cookies.map((c) => c.name), header: cookies.map((c) => `${c.name}=${c.value}`).join("; ") };
}

/** GET /api/auth/session through Auth() with the browser's cookies: the session JSON (or null). */
async function session(d) {
  const { header } = await cookieHeader(d);
  const res = await Auth(new Request(`${authApp.base}/api/auth/session`, { headers: { cookie: header } }), authApp.config);
  assert.equal(res.status, 200);
  return res.json();
}

test("the README's Auth.js provider: sign up on the hosted page, back in the app with a session of that person", async () => {
  const errors = [];
  authApp.config = nextAuthConfig(envFor(client.clientSecret), errors);
  const [provider] = authApp.config.providers;
  assert.deepEqual([provider.type, provider.checks, provider.authorization.params.scope], ["oidc", ["pkce", "state", "nonce"], "openid email profile"]);
  authApp.seen.length = 0;

  const { device, landed } = await signUpThroughAuthJs(email, "Ada Lovelace");
  try {
    assert.equal(landed.href, `${authApp.base}/dashboard`, JSON.stringify(authApp.seen, null, 1));
    assert.deepEqual(errors, []);

    // The authorization request Auth.js made: our authorize endpoint, code + PKCE S256, state, nonce.
    const signin = authApp.seen.find((r) => r.method === "POST" && r.path === "/api/auth/signin/authaz");
    assert.equal(signin?.status, 302);
    const authorize = new URL(signin.location);
    assert.equal(authorize.origin + authorize.pathname, `${worker.base}/oidc/${app.id}/authorize`);
    const q = Object.fromEntries(authorize.searchParams);
    assert.equal(q.response_type, "code");
    assert.equal(q.client_id, client.client.id);
    assert.equal(q.redirect_uri, `${authApp.base}/api/auth/callback/authaz`);
    assert.equal(q.scope, "openid email profile");
    assert.equal(q.code_challenge_method, "S256");
    assert.ok(q.code_challenge && q.state && q.nonce, JSON.stringify(q));

    // The provider's redirect back, handled by Auth.js: to the callbackUrl, with its session cookie.
    const callback = authApp.seen.find((r) => r.path.startsWith("/api/auth/callback/authaz?"));
    const params = new URL(callback.path, authApp.base).searchParams;
    assert.ok(params.get("code"));
    assert.equal(params.get("state"), q.state);
    assert.equal(params.get("iss"), `${worker.base}/oidc/${app.id}`);
    assert.deepEqual([callback.status, callback.location], [302, `${authApp.base}/dashboard`]);
    assert.ok((await cookieHeader(device)).names.includes("authjs.session-token"));

    const s = await session(device);
    assert.equal(s?.user?.email, email, JSON.stringify(s));
    assert.equal(s.user.name, "Ada Lovelace");
    assert.ok(new Date(s.expires) > new Date());

    // Read by the browser through the app's own route too.
    const inPage = await device.page.evaluate(async () => (await fetch("/api/auth/session")).json());
    assert.equal(inPage?.user?.email, email);
  } finally {
    await device.close();
  }
});

test("a wrong client secret: the token request is refused, Auth.js shows an error and sets no session", async () => {
  const errors = [];
  authApp.config = nextAuthConfig(envFor(`cs_${randomBytes(32).toString("base64url")}`), errors);
  authApp.seen.length = 0;

  const { device, landed } = await signUpThroughAuthJs("wrong-secret@example.com", "Mallory");
  try {
    assert.equal(landed.pathname, "/api/auth/error", landed.href);
    assert.equal(landed.searchParams.get("error"), "Configuration");
    const callback = authApp.seen.find((r) => r.path.startsWith("/api/auth/callback/authaz?"));
    assert.equal(callback?.status, 302);
    assert.ok(new URL(callback.path, authApp.base).searchParams.get("code"), "the provider did send a code");

    // What Auth.js logged: the token endpoint's answer, 401 invalid_client with a Basic challenge
    // (oauth4webapi reports the WWW-Authenticate challenge; the body says invalid_client).
    assert.equal(errors.length, 1, errors.map(String).join("\n"));
    assert.equal(errors[0].type, "CallbackRouteError", String(errors[0]));
    const cause = errors[0].cause?.err;
    assert.equal(cause?.name, "WWWAuthenticateChallengeError", String(cause?.stack ?? cause));
    assert.equal(cause.status, 401);
    assert.equal(new URL(cause.response.url).pathname, `/oidc/${app.id}/token`);
    assert.deepEqual(cause.cause.map((c) => c.scheme), ["basic"]);
    assert.equal((await cause.response.json()).error, "invalid_client");

    assert.ok(!(await cookieHeader(device)).names.includes("authjs.session-token"));
    assert.equal(await session(device), null);
  } finally {
    await device.close();
  }
});
