// examples/hono: the Hono app runs under its own `wrangler dev` beside the provider; a person in
// Chromium opens it, clicks "Sign in", creates a passkey on the hosted page and lands back in
// the example signed in; then signs out (RP-initiated logout) and signs in again with the passkey.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker, freePort, ROOT } from "./harness.mjs";
import { launchBrowser, openDevice } from "./browser.mjs";

const EXAMPLE = join(ROOT, "examples/hono");
const email = "hono-user@example.com";
let worker, browser, example;

/** `wrangler dev` of the example on `port`, with `vars` (the client's id and secret among them). */
async function startExample(port, vars) {
  const dir = mkdtempSync(join(tmpdir(), "authaz-hono-"));
  const args = ["dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", dir, "--inspector-port", String(await freePort()), "--show-interactive-dev-session=false"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
  const child = spawn(join(ROOT, "node_modules/.bin/wrangler"), args, { cwd: EXAMPLE, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  let exited = null;
  child.on("exit", (code) => (exited = code));
  for (const started = Date.now(); ;) {
    if (exited !== null) throw new Error(`the example's wrangler dev exited (${exited}):\n${output}`);
    if (Date.now() - started > 120_000) throw new Error(`the example is not up after 120 s:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base: `http://localhost:${port}`, logs: () => output,
    async stop() {
      if (exited === null) {
        try { process.kill(-child.pid, "SIGTERM"); } catch {}
        for (let i = 0; i < 50 && exited === null; i++) await new Promise((r) => setTimeout(r, 100));
        if (exited === null) try { process.kill(-child.pid, "SIGKILL"); } catch {}
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

before(async () => {
  worker = await startWorker();
  const app = await worker.createApp({ name: "Hono Example", passkey: { enabled: true, directSignup: true } });
  // The client's redirect URIs name the example's address, so its port is chosen first.
  const port = await freePort();
  const created = await worker.api("POST", `/api/v1/applications/${app.id}/clients`, {
    name: "Hono example", type: "confidential",
    redirectUris: [`http://localhost:${port}/callback`], postLogoutRedirectUris: [`http://localhost:${port}/`],
  }, { key: app.apiKey });
  assert.equal(created.status, 201, created.text);
  example = await startExample(port, {
    OIDC_ISSUER: `${worker.base}/oidc/${app.id}`, OIDC_CLIENT_ID: created.body.client.id,
    OIDC_CLIENT_SECRET: created.body.clientSecret, COOKIE_SECRET: "test-cookie-secret-0123456789abcdef",
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await example?.stop();
  await worker?.stop();
});

test("sign up and sign in through the Hono example", async () => {
  const d = await openDevice(browser, `${example.base}/`);
  await d.page.context().addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await d.page.goto(`${example.base}/`);
  await d.page.getByText("You are not signed in.").waitFor();
  await d.page.getByRole("link", { name: "Sign in" }).click();

  // The provider's hosted page: create an account with a passkey.
  await d.page.waitForURL((url) => url.href.startsWith(worker.base));
  await d.page.getByRole("button", { name: "Create an account" }).click();
  await d.page.getByRole("textbox", { name: "Email", exact: true }).fill(email);
  await d.page.getByRole("button", { name: "Skip email check and create a passkey" }).click();
  await d.page.getByText("Save your recovery codes").filter({ visible: true }).first().waitFor({ timeout: 20_000 });
  await d.page.getByRole("button", { name: "Continue", exact: true }).click();

  // Back in the example, signed in.
  await d.page.waitForURL(`${example.base}/`, { timeout: 20_000 });
  assert.equal(await d.page.locator("#who").textContent(), `Signed in as ${email}`, example.logs().slice(-2000));

  // Sign out through the provider's end_session_endpoint, then in again with the passkey.
  await d.page.getByRole("link", { name: "Sign out" }).click();
  await d.page.waitForURL(`${example.base}/`);
  await d.page.getByText("You are not signed in.").waitFor();
  await d.page.getByRole("link", { name: "Sign in" }).click();
  await d.page.waitForURL((url) => url.href.startsWith(worker.base));
  await d.page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await d.page.waitForURL(`${example.base}/`, { timeout: 20_000 });
  assert.equal(await d.page.locator("#who").textContent(), `Signed in as ${email}`);
  await d.close();
});
