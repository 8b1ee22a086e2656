// The README's "Use it from your framework": the cURL section's script (examples/curl/oidc.sh)
// runs the code flow against the provider; the person signs up on the hosted page in Chromium.
// (The Hono section is examples/hono, checked by hono-example.test.mjs.)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startWorker, ROOT } from "./harness.mjs";
import { launchBrowser, openDevice } from "./browser.mjs";

const CALLBACK = "https://app.example/callback";
let worker, browser, env;

before(async () => {
  worker = await startWorker();
  const app = await worker.createApp({ name: "cURL", passkey: { enabled: true, directSignup: true } });
  const created = await worker.api("POST", `/api/v1/applications/${app.id}/clients`, { name: "cURL", type: "confidential", redirectUris: [CALLBACK] }, { key: app.apiKey });
  assert.equal(created.status, 201, created.text);
  env = { ...process.env, ISSUER: `${worker.base}/oidc/${app.id}`, CLIENT_ID: created.body.client.id, CLIENT_SECRET: created.body.clientSecret, REDIRECT_URI: CALLBACK };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

const curl = (...args) => execFileSync("bash", [join(ROOT, "examples/curl/oidc.sh"), ...args], { env, encoding: "utf8" });

test("cURL: authorize URL, code exchange, userinfo and refresh with examples/curl/oidc.sh", async () => {
  const printed = Object.fromEntries(curl("authorize-url").trim().split("\n").map((line) => line.split(/=(.*)/s).slice(0, 2)));
  assert.match(printed.VERIFIER, /^[A-Za-z0-9_-]{43}$/);
  const d = await openDevice(browser, `${worker.base}/healthz`);
  await d.page.context().addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await d.page.context().route("https://app.example/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<h1>app</h1>" }));
  await d.page.goto(printed.URL);
  await d.page.getByRole("button", { name: "Create an account" }).click();
  await d.page.getByRole("textbox", { name: "Email", exact: true }).fill("curl@example.com");
  await d.page.getByRole("button", { name: "Skip email check and create a passkey" }).click();
  await d.page.getByText("Save your recovery codes").filter({ visible: true }).first().waitFor({ timeout: 20_000 });
  await d.page.getByRole("button", { name: "Continue", exact: true }).click();
  await d.page.waitForURL(/^https:\/\/app\.example\/callback/, { timeout: 20_000 });
  const code = new URL(d.page.url()).searchParams.get("code");
  assert.ok(code);

  const tokens = JSON.parse(curl("exchange", code, printed.VERIFIER));
  assert.equal(tokens.token_type, "Bearer");
  const idClaims = JSON.parse(Buffer.from(tokens.id_token.split(".")[1], "base64url"));
  assert.equal(idClaims.aud, env.CLIENT_ID);
  assert.equal(idClaims.iss, env.ISSUER);
  const info = JSON.parse(curl("userinfo", tokens.access_token));
  assert.deepEqual([info.sub, info.email], [idClaims.sub, "curl@example.com"]);
  const refreshed = JSON.parse(curl("refresh", tokens.refresh_token));
  assert.ok(refreshed.access_token && refreshed.refresh_token !== tokens.refresh_token);
  // curl -f fails on the provider's 400 for a code used twice.
  assert.throws(() => curl("exchange", code, printed.VERIFIER));
  await d.close();
});
