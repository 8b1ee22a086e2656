// The OpenID Connect provider against a real client library: `openid-client` (npm) does the
// discovery, the authorization code flow with PKCE, the ID token's validation (signature from
// the JWKS, iss, aud, exp, nonce), userinfo and refresh; the person signs up and signs in on the
// hosted page in Chromium with a CDP virtual authenticator. Then the negative cases, each
// answered with the RFC's error, and the admin API of clients.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as oidc from "openid-client";
import { startWorker } from "./harness.mjs";
// Every answer of the Worker, to openid-client and to the direct calls below, is checked against docs/openapi.json.
import { checkedFetch as fetch } from "./openapi.mjs";
import { launchBrowser, openDevice } from "./browser.mjs";

const CALLBACK = "https://rp.example/callback";
const SPA_CALLBACK = "https://spa.example/callback";
const AFTER_LOGOUT = "https://rp.example/signed-out";
const email = "grace@example.com";

let worker, browser, app, hostApp, web, spa, device;
const insecure = { execute: [oidc.allowInsecureRequests], [oidc.customFetch]: fetch };

before(async () => {
  worker = await startWorker();
  app = await worker.createApp({ name: "OIDC Test", passkey: { enabled: true, directSignup: true } });
  // The issuer `{origin}` form: an application served on this host.
  // While it owns the hostname `localhost` (see onLocalhost), every public request to localhost
  // is its own, so the other application's tests run while it does not.
  hostApp = await worker.createApp({ name: "OIDC Host", origins: [worker.base, "http://spa.localhost:3000"], passkey: { enabled: true, directSignup: true } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

/** Runs `fn` while hostApp is served on the host `localhost` (its issuer is then `{origin}`). */
async function onLocalhost(fn) {
  const set = async (hostnames) => assert.equal((await worker.api("PATCH", `/api/v1/applications/${hostApp.id}`, { hostnames }, { key: "admin" })).status, 200);
  await set(["localhost"]);
  try {
    return await fn();
  } finally {
    await set([]);
  }
}

/** Creates a client through the admin API. */
async function createClient(appId, body, key = "admin") {
  const r = await worker.api("POST", `/api/v1/applications/${appId}/clients`, body, { key });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

/** A person's browser showing the Worker, the relying parties' callbacks answered by the test. */
async function newDevice() {
  const d = await openDevice(browser, `${worker.base}/healthz`);
  const context = d.page.context();
  // No passkey autofill: the person clicks, so each sign-in is one ceremony the test chose.
  await context.addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  for (const origin of ["https://rp.example", "https://spa.example"]) {
    await context.route(`${origin}/**`, (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<h1>The relying party</h1>" }));
  }
  return d;
}

/** Sends the browser to `url` (an authorization request) and answers where it lands. */
async function signInThrough(d, url, { signUp = false, landing = /^https:\/\/(rp|spa)\.example\// } = {}) {
  await d.page.goto(url.href ?? url);
  if (signUp) {
    await d.page.getByRole("button", { name: "Create an account" }).click();
    await d.page.getByRole("textbox", { name: "Email", exact: true }).fill(email);
    await d.page.getByRole("textbox", { name: "Name" }).fill("Grace Hopper");
    await d.page.getByRole("button", { name: "Skip email check and create a passkey" }).click();
    await d.page.getByText("Save your recovery codes").filter({ visible: true }).first().waitFor({ timeout: 20_000 });
    await d.page.getByRole("button", { name: "Continue", exact: true }).click();
  } else {
    await d.page.getByRole("button", { name: "Sign in with a passkey" }).click();
  }
  await d.page.waitForURL(landing, { timeout: 20_000 }).catch(async (err) => {
    const text = await d.page.locator("body").innerText().catch(() => "");
    throw new Error(`not back at the client: ${d.page.url()}\n${text.slice(0, 800)}`, { cause: err });
  });
  return new URL(d.page.url());
}

/** The OAuth error of a rejected openid-client call: { status, error }. */
async function oauthFailure(promise) {
  try {
    await promise;
  } catch (err) {
    let e = err;
    if (e.error === undefined && e.response === undefined && e.cause?.status !== undefined) e = e.cause;
    if (e.error !== undefined) return { status: e.status, error: e.error, description: e.error_description };
    if (e.response) {
      const body = await e.response.clone().json().catch(() => null);
      return { status: e.status, error: body?.error, description: body?.error_description };
    }
    return { status: undefined, error: e.code, description: e.message, claim: e.cause?.claim ?? e.cause?.cause?.claim };
  }
  assert.fail("expected the provider to refuse");
}

/** An authorization request of `config` with fresh PKCE, state and nonce. */
async function authorization(config, redirectUri, extra = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const checks = { pkceCodeVerifier: verifier, expectedState: oidc.randomState(), expectedNonce: oidc.randomNonce(), idTokenExpected: true };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid email profile",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: checks.expectedState,
    nonce: checks.expectedNonce,
    ...extra,
  });
  return { url, checks };
}

const state = {};

test("clients: created by the admin API, a secret shown once for confidential clients only", async () => {
  web = await createClient(app.id, { name: "Web", type: "confidential", redirectUris: [CALLBACK], postLogoutRedirectUris: [AFTER_LOGOUT] });
  assert.match(web.clientSecret, /^cs_[A-Za-z0-9_-]{43}$/);
  assert.equal(web.client.type, "confidential");
  assert.deepEqual(web.client.tokenEndpointAuthMethods, ["client_secret_basic", "client_secret_post"]);
  assert.ok(web.clientSecret.startsWith(web.client.secretPrefix));
  spa = await createClient(hostApp.id, { name: "SPA", type: "public", redirectUris: [SPA_CALLBACK] }, hostApp.apiKey);
  assert.equal(spa.clientSecret, undefined);
  assert.deepEqual(spa.client.tokenEndpointAuthMethods, ["none"]);

  const list = await worker.api("GET", `/api/v1/applications/${app.id}/clients`, undefined, { key: app.apiKey });
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.clients.map((c) => c.id), [web.client.id]);
  assert.ok(!list.text.includes(web.clientSecret) && !list.text.includes("secretHash"));
  const one = await worker.api("GET", `/api/v1/applications/${app.id}/clients/${web.client.id}`, undefined, { key: "admin" });
  assert.equal(one.body.client.name, "Web");

  // Another application's key, bad bodies, unknown clients.
  assert.equal((await worker.api("GET", `/api/v1/applications/${app.id}/clients`, undefined, { key: hostApp.apiKey })).status, 403);
  assert.equal((await worker.api("GET", `/api/v1/applications/${app.id}/clients`)).status, 401);
  for (const bad of [{ name: "x", type: "spa", redirectUris: [CALLBACK] }, { name: "x", type: "public", redirectUris: ["http://evil.example/cb"] }, { name: "x", type: "public" }]) {
    const r = await worker.api("POST", `/api/v1/applications/${app.id}/clients`, bad, { key: "admin" });
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal(r.body.error.code, "invalid_request");
  }
  assert.equal((await worker.api("GET", `/api/v1/applications/${app.id}/clients/cli_nope`, undefined, { key: "admin" })).status, 404);
  assert.equal((await worker.api("GET", `/api/v1/applications/${hostApp.id}/clients/${web.client.id}`, undefined, { key: "admin" })).status, 404);

  // PATCH merges and never changes the type; a public client has no secret to rotate.
  const patched = await worker.api("PATCH", `/api/v1/applications/${app.id}/clients/${web.client.id}`, { name: "Web app" }, { key: app.apiKey });
  assert.equal(patched.status, 200);
  assert.deepEqual([patched.body.client.name, patched.body.client.redirectUris], ["Web app", [CALLBACK]]);
  assert.equal((await worker.api("PATCH", `/api/v1/applications/${app.id}/clients/${web.client.id}`, { type: "public" }, { key: "admin" })).status, 400);
  assert.equal((await worker.api("POST", `/api/v1/applications/${hostApp.id}/clients/${spa.client.id}/secret`, undefined, { key: "admin" })).status, 400);

  // A deleted client is gone.
  const doomed = await createClient(app.id, { name: "Doomed", type: "public", redirectUris: [CALLBACK] });
  assert.equal((await worker.api("DELETE", `/api/v1/applications/${app.id}/clients/${doomed.client.id}`, undefined, { key: "admin" })).status, 204);
  assert.equal((await worker.api("DELETE", `/api/v1/applications/${app.id}/clients/${doomed.client.id}`, undefined, { key: "admin" })).status, 404);
});

test("discovery: both issuer forms, issuer equal to the URL it was fetched under", async () => {
  const fetched = await fetch(`${worker.base}/oidc/${app.id}/.well-known/openid-configuration`);
  assert.equal(fetched.status, 200);
  const path = { body: await fetched.json() };
  // Fetched under another origin (127.0.0.1), the issuer is that origin's.
  const elsewhere = await worker.api("GET", `/oidc/${app.id}/.well-known/openid-configuration`);
  assert.equal(elsewhere.body.issuer, `http://127.0.0.1:${worker.port}/oidc/${app.id}`);
  assert.equal(path.body.issuer, `${worker.base}/oidc/${app.id}`);
  assert.equal(path.body.authorization_endpoint, `${worker.base}/oidc/${app.id}/authorize`);
  assert.deepEqual(path.body.code_challenge_methods_supported, ["S256"]);
  assert.deepEqual(path.body.id_token_signing_alg_values_supported, ["ES256"]);
  assert.deepEqual(path.body.response_types_supported, ["code"]);
  assert.equal(path.body.jwks_uri, `${worker.base}/.well-known/jwks.json`);
  // Fetched from another origin: readable (public metadata).
  const cors = await worker.api("GET", `/oidc/${app.id}/.well-known/openid-configuration`, undefined, { headers: { origin: "https://anywhere.example" } });
  assert.equal(cors.headers.get("access-control-allow-origin"), "*");

  // `{origin}` is the issuer only of an application served on this host.
  assert.equal((await fetch(`${worker.base}/.well-known/openid-configuration`)).status, 404);
  await onLocalhost(async () => {
    const host = await fetch(`${worker.base}/.well-known/openid-configuration`).then((r) => r.json());
    assert.equal(host.issuer, worker.base);
    assert.equal(host.token_endpoint, `${worker.base}/oidc/token`);
    const ip = await worker.api("GET", "/.well-known/openid-configuration"); // 127.0.0.1 serves no application
    assert.equal(ip.status, 404);
    state.spa = await oidc.discovery(new URL(worker.base), spa.client.id, undefined, oidc.None(), insecure);
    assert.equal(state.spa.serverMetadata().issuer, worker.base);
  });
  assert.equal((await worker.api("GET", "/oidc/app_nope/.well-known/openid-configuration")).status, 404);

  // openid-client accepts both documents (it checks the issuer against the URL itself).
  const a = await oidc.discovery(new URL(`${worker.base}/oidc/${app.id}`), web.client.id, web.clientSecret, oidc.ClientSecretBasic(web.clientSecret), insecure);
  assert.equal(a.serverMetadata().issuer, `${worker.base}/oidc/${app.id}`);
  state.web = a;
});

test("confidential client (client_secret_basic): sign up on the hosted page, code + PKCE, ID token, userinfo, refresh", async () => {
  device = await newDevice();
  const config = state.web;
  const { url, checks } = await authorization(config, CALLBACK);
  const back = await signInThrough(device, url, { signUp: true });
  assert.equal(back.origin + back.pathname, CALLBACK);
  assert.equal(back.searchParams.get("iss"), `${worker.base}/oidc/${app.id}`);
  const before = Math.floor(Date.now() / 1000);

  const tokens = await oidc.authorizationCodeGrant(config, back, checks);
  assert.equal(tokens.token_type, "bearer");
  assert.ok(tokens.refresh_token && tokens.access_token && tokens.id_token);
  const claims = tokens.claims();
  assert.equal(claims.iss, `${worker.base}/oidc/${app.id}`);
  assert.equal(claims.aud, web.client.id);
  assert.equal(claims.nonce, checks.expectedNonce, "the nonce is echoed");
  assert.equal(claims.email, email);
  assert.equal(claims.email_verified, false, "direct signup: the email was not checked");
  assert.equal(claims.name, "Grace Hopper");
  assert.deepEqual(claims.amr, ["pop", "mfa"]);
  assert.ok(claims.auth_time <= before + 5 && claims.auth_time >= before - 120, `auth_time ${claims.auth_time}`);
  assert.ok(claims.exp > claims.iat);
  state.sub = claims.sub;

  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.deepEqual(info, { sub: claims.sub, email, email_verified: false, name: "Grace Hopper" });

  // Refresh: new tokens, a new ID token of the same person and sign-in.
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  assert.equal(refreshed.claims().sub, claims.sub);
  assert.equal(refreshed.claims().auth_time, claims.auth_time);
  assert.equal((await oidc.fetchUserInfo(config, refreshed.access_token, claims.sub)).email, email);

  // Reusing the old refresh token means it leaked: refused, and the whole session ends.
  const reuse = await oauthFailure(oidc.refreshTokenGrant(config, tokens.refresh_token));
  assert.deepEqual([reuse.status, reuse.error], [400, "invalid_grant"]);
  assert.equal((await oauthFailure(oidc.refreshTokenGrant(config, refreshed.refresh_token))).error, "invalid_grant");
  const ended = await oauthFailure(oidc.fetchUserInfo(config, refreshed.access_token, claims.sub));
  assert.deepEqual([ended.status, ended.error], [401, "invalid_token"]);
});

test("public client (none + PKCE) under the issuer {origin}: sign in with the passkey, CORS for the app's origins", () => onLocalhost(async () => {
  const config = state.spa;
  // Another application, so another account, on a browser of its own (one passkey per device).
  const spaDevice = await newDevice();
  const { url, checks } = await authorization(config, SPA_CALLBACK);
  const back = await signInThrough(spaDevice, url, { signUp: true });
  const tokens = await oidc.authorizationCodeGrant(config, back, checks);
  const claims = tokens.claims();
  assert.equal(claims.iss, worker.base);
  assert.equal(claims.aud, spa.client.id);
  assert.equal(claims.nonce, checks.expectedNonce);
  assert.notEqual(claims.sub, state.sub, "users of another application are other users");

  // A second sign-in, with the passkey now on the device.
  const second = await authorization(config, SPA_CALLBACK);
  const again = await signInThrough(spaDevice, second.url);
  const tokens2 = await oidc.authorizationCodeGrant(config, again, second.checks);
  assert.equal(tokens2.claims().sub, claims.sub);
  assert.ok(tokens2.claims().auth_time >= claims.auth_time);
  const refreshed = await oidc.refreshTokenGrant(config, tokens2.refresh_token);
  assert.equal((await oidc.fetchUserInfo(config, refreshed.access_token, claims.sub)).sub, claims.sub);

  // Token and userinfo answer CORS for the application's origins, and refuse other origins.
  const spaOrigin = "http://spa.localhost:3000";
  const info = await fetch(`${worker.base}/oidc/userinfo`, { headers: { authorization: `Bearer ${refreshed.access_token}`, origin: spaOrigin } });
  assert.equal(info.status, 200);
  assert.equal(info.headers.get("access-control-allow-origin"), spaOrigin);
  const token = await fetch(`${worker.base}/oidc/token`, {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: spaOrigin },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshed.refresh_token, client_id: spa.client.id }),
  });
  assert.equal(token.status, 200);
  assert.equal(token.headers.get("access-control-allow-origin"), spaOrigin);
  assert.equal(token.headers.get("cache-control"), "no-store");
  const other = await fetch(`${worker.base}/oidc/userinfo`, { headers: { authorization: `Bearer ${refreshed.access_token}`, origin: "https://evil.example" } });
  assert.equal(other.status, 403);
  assert.equal(other.headers.get("access-control-allow-origin"), "https://evil.example"); // readable, so its developer learns why

  // A public client without PKCE is sent back with invalid_request.
  const spaQ = new URLSearchParams({ client_id: spa.client.id, redirect_uri: SPA_CALLBACK, response_type: "code", scope: "openid", state: "s2" });
  const r = await fetch(`${worker.base}/oidc/authorize?${spaQ}`, { redirect: "manual" });
  assert.equal(r.status, 303);
  const to = new URL(r.headers.get("location"));
  assert.deepEqual([to.searchParams.get("error"), to.searchParams.get("state"), to.searchParams.get("iss")], ["invalid_request", "s2", worker.base]);
  assert.match(to.searchParams.get("error_description"), /PKCE/);
}));

test("authorize: wrong redirect_uri never redirects; other errors go back with error= and state", async () => {
  const config = state.web;
  const base = `${worker.base}/oidc/${app.id}/authorize`;
  const q = (params) => new URLSearchParams({ client_id: web.client.id, redirect_uri: CALLBACK, response_type: "code", scope: "openid", state: "s1", ...params });

  const wrong = await worker.api("GET", `/oidc/${app.id}/authorize?${q({ redirect_uri: "https://rp.example/other" })}`);
  assert.equal(wrong.status, 400);
  assert.equal(wrong.headers.get("location"), null);
  assert.match(wrong.text, /redirect_uri is not registered/);
  const unknown = await worker.api("GET", `/oidc/${app.id}/authorize?${q({ client_id: "cli_nope" })}`);
  assert.equal(unknown.status, 400);
  assert.equal(unknown.headers.get("location"), null);

  const errorOf = async (params) => {
    const r = await fetch(`${worker.base}/oidc/${app.id}/authorize?${q(params)}`, { redirect: "manual" });
    assert.equal(r.status, 303, await r.text());
    const to = new URL(r.headers.get("location"));
    assert.equal(to.origin + to.pathname, CALLBACK);
    assert.equal(to.searchParams.get("state"), "s1");
    assert.equal(to.searchParams.get("iss"), `${worker.base}/oidc/${app.id}`);
    return to.searchParams.get("error");
  };
  assert.equal(await errorOf({ response_type: "token" }), "unsupported_response_type");
  assert.equal(await errorOf({ scope: "email" }), "invalid_scope");
  assert.equal(await errorOf({ prompt: "none" }), "login_required");
  assert.equal(await errorOf({ code_challenge: "x".repeat(43), code_challenge_method: "plain" }), "invalid_request");

  // openid-client checks the iss of an error response too, and surfaces the error.
  const failed = await oauthFailure(oidc.authorizationCodeGrant(config, new URL(`${CALLBACK}?error=login_required&state=s1&iss=${encodeURIComponent(`${worker.base}/oidc/${app.id}`)}`), { expectedState: "s1" }));
  assert.equal(failed.error, "login_required");
});

test("token: wrong code_verifier, wrong secret and another client's code are refused and change nothing; a replayed code revokes its tokens", async () => {
  const config = state.web;
  const { url, checks } = await authorization(config, CALLBACK);
  const back = await signInThrough(device, url);

  const wrongVerifier = await oauthFailure(oidc.authorizationCodeGrant(config, back, { ...checks, pkceCodeVerifier: oidc.randomPKCECodeVerifier() }));
  assert.deepEqual([wrongVerifier.status, wrongVerifier.error], [400, "invalid_grant"]);
  const wrongSecret = await oidc.discovery(new URL(`${worker.base}/oidc/${app.id}`), web.client.id, undefined, oidc.ClientSecretBasic(`${web.clientSecret}x`), insecure);
  const badClient = await oauthFailure(oidc.authorizationCodeGrant(wrongSecret, back, checks));
  assert.deepEqual([badClient.status, badClient.error], [401, "invalid_client"]);
  const postWrong = await oidc.discovery(new URL(`${worker.base}/oidc/${app.id}`), web.client.id, undefined, oidc.ClientSecretPost("cs_wrong"), insecure);
  assert.equal((await oauthFailure(oidc.authorizationCodeGrant(postWrong, back, checks))).error, "invalid_client");
  // The application's API key is no client secret.
  const apiKey = await oidc.discovery(new URL(`${worker.base}/oidc/${app.id}`), web.client.id, undefined, oidc.ClientSecretPost(app.apiKey), insecure);
  assert.equal((await oauthFailure(oidc.authorizationCodeGrant(apiKey, back, checks))).error, "invalid_client");
  // Another client of the same application presenting this client's code.
  const other = await createClient(app.id, { name: "Other", type: "confidential", redirectUris: [CALLBACK] });
  const otherConfig = await oidc.discovery(new URL(`${worker.base}/oidc/${app.id}`), other.client.id, undefined, oidc.ClientSecretPost(other.clientSecret), insecure);
  const stolen = await oauthFailure(oidc.authorizationCodeGrant(otherConfig, back, checks));
  assert.deepEqual([stolen.status, stolen.error], [400, "invalid_grant"]);
  // None of that used the code up: the right exchange (client_secret_post this time) works.
  const post = await oidc.discovery(new URL(`${worker.base}/oidc/${app.id}`), web.client.id, undefined, oidc.ClientSecretPost(web.clientSecret), insecure);
  const tokens = await oidc.authorizationCodeGrant(post, back, checks);
  assert.equal(tokens.claims().nonce, checks.expectedNonce);
  assert.equal((await oidc.fetchUserInfo(post, tokens.access_token, tokens.claims().sub)).sub, tokens.claims().sub);

  // Replayed: refused, and the tokens it was exchanged for stop working (RFC 6749 4.1.2).
  const replay = await oauthFailure(oidc.authorizationCodeGrant(post, back, checks));
  assert.deepEqual([replay.status, replay.error], [400, "invalid_grant"]);
  assert.equal((await oauthFailure(oidc.fetchUserInfo(post, tokens.access_token, tokens.claims().sub))).error, "invalid_token");
  assert.equal((await oauthFailure(oidc.refreshTokenGrant(post, tokens.refresh_token))).error, "invalid_grant");
});

test("token: a nonce that is not the one sent fails openid-client's ID token check", async () => {
  const config = state.web;
  const { url, checks } = await authorization(config, CALLBACK);
  const back = await signInThrough(device, url);
  const mismatch = await oauthFailure(oidc.authorizationCodeGrant(config, back, { ...checks, expectedNonce: oidc.randomNonce() }));
  assert.deepEqual([mismatch.error, mismatch.claim], ["OAUTH_JWT_CLAIM_COMPARISON_FAILED", "nonce"]);
});

test("token: malformed requests get OAuth errors, never a 500", async () => {
  const endpoint = `${worker.base}/oidc/${app.id}/token`;
  const post = (body, headers = {}) => fetch(endpoint, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
  const cases = [
    [await post("grant_type=password&client_id=" + spa.client.id), 401, "invalid_client"], // spa belongs to another application
    [await post(`grant_type=password&client_id=${web.client.id}&client_secret=${web.clientSecret}`), 400, "unsupported_grant_type"],
    [await post(`client_id=${web.client.id}&client_secret=${web.clientSecret}`), 400, "invalid_request"],
    [await post(`grant_type=authorization_code&client_id=${web.client.id}`), 401, "invalid_client"],
    [await post(`grant_type=authorization_code&code=oc_x&client_id=${web.client.id}&client_secret=${web.clientSecret}&redirect_uri=${CALLBACK}`), 400, "invalid_grant"],
    [await fetch(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }), 400, "invalid_request"],
    [await post("grant_type=authorization_code&code=x", { authorization: "Basic !!!" }), 401, "invalid_client"],
  ];
  for (const [res, status, error] of cases) {
    const body = await res.json();
    assert.deepEqual([res.status, body.error], [status, error], JSON.stringify(body));
    assert.equal(res.headers.get("cache-control"), "no-store");
  }
});

test("RP-initiated logout: id_token_hint ends the session, then back to the registered post_logout_redirect_uri", async () => {
  const config = state.web;
  const { url, checks } = await authorization(config, CALLBACK, { prompt: "login", max_age: "0" });
  const back = await signInThrough(device, url);
  const tokens = await oidc.authorizationCodeGrant(config, back, { ...checks, maxAge: 0 });
  const end = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token, post_logout_redirect_uri: AFTER_LOGOUT, state: "bye" });
  const out = await fetch(end, { redirect: "manual" });
  assert.equal(out.status, 303);
  assert.equal(out.headers.get("location"), `${AFTER_LOGOUT}?state=bye`);
  assert.equal((await oauthFailure(oidc.fetchUserInfo(config, tokens.access_token, tokens.claims().sub))).error, "invalid_token");
  assert.equal((await oauthFailure(oidc.refreshTokenGrant(config, tokens.refresh_token))).error, "invalid_grant");

  // An unregistered return address is refused on a page; no hint at all just says signed out.
  const bad = await worker.api("GET", `/oidc/${app.id}/logout?${new URLSearchParams({ client_id: web.client.id, post_logout_redirect_uri: "https://evil.example/" })}`);
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get("location"), null);
  const plain = await worker.api("GET", `/oidc/${app.id}/logout`);
  assert.equal(plain.status, 200);
  assert.match(plain.text, /signed out of OIDC Test/);
});

test("secret rotation: the old secret stops working, the new one works", async () => {
  const rotated = await worker.api("POST", `/api/v1/applications/${app.id}/clients/${web.client.id}/secret`, undefined, { key: app.apiKey });
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.body.clientSecret, web.clientSecret);
  const { url, checks } = await authorization(state.web, CALLBACK);
  const back = await signInThrough(device, url);
  assert.equal((await oauthFailure(oidc.authorizationCodeGrant(state.web, back, checks))).error, "invalid_client");
  const fresh = await oidc.discovery(new URL(`${worker.base}/oidc/${app.id}`), web.client.id, undefined, oidc.ClientSecretBasic(rotated.body.clientSecret), insecure);
  state.web = fresh;
  assert.ok((await oidc.authorizationCodeGrant(fresh, back, checks)).id_token);
});

test("an expired code (older than 60 s) is refused", async () => {
  const { url, checks } = await authorization(state.web, CALLBACK);
  const issued = Date.now();
  const back = await signInThrough(device, url);
  // The code lives 60 s: its row says so; then it is made 61 s old in D1 (not waited for, to keep
  // CI short), and the token endpoint must refuse it by its expiry alone.
  const [code] = worker.d1(`SELECT code_hash, expires_at FROM oidc_codes WHERE client_id = '${web.client.id}' AND used_at IS NULL ORDER BY expires_at DESC LIMIT 1`);
  assert.ok(code.expires_at >= issued + 60_000 && code.expires_at <= Date.now() + 60_000, `expires_at ${code.expires_at}, issued ${issued}`);
  worker.d1(`UPDATE oidc_codes SET expires_at = ${Date.now() - 1_000} WHERE code_hash = '${code.code_hash}'`);
  const expired = await oauthFailure(oidc.authorizationCodeGrant(state.web, back, checks));
  assert.deepEqual([expired.status, expired.error], [400, "invalid_grant"]);
  assert.match(expired.description, /expired/);
});
