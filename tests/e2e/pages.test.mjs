// The hosted pages in a real browser: Debian's Chromium with a CDP virtual authenticator, driven
// through the pages themselves (clicks and typing, never their API behind their back). Every test
// saves a screenshot under test-output/pages/.
//
// Chromium's virtual authenticator answers a passkey-autofill (conditional) request at once, as if
// the person had picked the passkey. Tests that must see the sign-in page stay put turn autofill
// off for their browser, the way a browser without it would be: `autofill(device, false)`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startWorker, ROOT } from "./harness.mjs";
import { launchBrowser, openDevice } from "./browser.mjs";

const SHOTS = join(ROOT, "test-output/pages");
const CALLBACK = "https://app.example/callback";
const PHONE = { width: 375, height: 812 };

let worker, browser, app;
const email = "ada@example.com";
const state = {}; // what one test leaves for the next: recovery codes, devices

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  worker = await startWorker();
  app = await worker.createApp({ name: "Pages Test", passkey: { enabled: true }, redirectUris: [CALLBACK] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

const signInUrl = (query = "") => `${worker.base}/sign-in?app=${app.id}${query}`;

/** A person's browser with its authenticator, showing `url`; autofill on unless told otherwise. */
async function device({ autofill: on = true, viewport } = {}) {
  const d = await openDevice(browser, `${worker.base}/healthz`);
  const context = d.page.context();
  await context.addInitScript(() => {
    // Test switch: a browser without passkey autofill.
    if (localStorage.getItem("test:no-autofill") && window.PublicKeyCredential) {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    }
    // Record how the page asked for credentials (kept across navigations of this tab).
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options) => {
      const seen = JSON.parse(sessionStorage.getItem("test:mediation") ?? "[]");
      sessionStorage.setItem("test:mediation", JSON.stringify([...seen, options?.mediation ?? "optional"]));
      return get(options);
    };
  });
  await context.route("https://app.example/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<h1>The app</h1>" }));
  if (viewport) await d.page.setViewportSize(viewport);
  await autofill(d, on);
  return d;
}

async function autofill(d, on) {
  await d.page.evaluate((on) => (on ? localStorage.removeItem("test:no-autofill") : localStorage.setItem("test:no-autofill", "1")), on);
}

async function shot(d, name) {
  await d.page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const visible = (d, text) => d.page.getByText(text).filter({ visible: true }).first().waitFor({ timeout: 15_000 });
/** The visible text field named `name` (hidden views hold fields of the same name). */
const field = (d, name, exact = true) => d.page.getByRole("textbox", { name, exact });
const message = (d) => d.page.locator("#message");
const passkeyNames = (d) => d.page.locator(".passkey-name").allTextContents();
const tokens = (d) => d.page.evaluate((id) => JSON.parse(sessionStorage.getItem(`authaz:${id}:session`) ?? "null"), app.id);

/** Waits (up to 10 s) until `check()` holds. */
async function until(check, what) {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out: ${what}`);
}

async function onAccountPage(d, passkeys) {
  await d.page.waitForURL(/\/account/, { timeout: 20_000 });
  await d.page.locator(".passkey").nth(passkeys - 1).waitFor({ timeout: 15_000 });
  assert.equal((await passkeyNames(d)).length, passkeys);
}

test("pages are served with a strict CSP, hashed assets and the app's name", async () => {
  const page = await worker.api("GET", `/sign-in?app=${app.id}`);
  assert.equal(page.status, 200);
  const csp = page.headers.get("content-security-policy");
  for (const directive of ["script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "default-src 'none'"]) {
    assert.ok(csp.includes(directive), `${directive} in ${csp}`);
  }
  assert.equal(page.headers.get("cache-control"), "no-store");
  assert.ok(page.text.includes("Pages Test"));
  assert.ok(!/<script>|<style>| on[a-z]+=/.test(page.text), "no inline script, style or handler");
  const script = /<script src="(\/pages\/app\.[0-9a-f]{16}\.js)"/.exec(page.text)?.[1];
  const style = /<link rel="stylesheet" href="(\/pages\/style\.[0-9a-f]{16}\.css)"/.exec(page.text)?.[1];
  assert.ok(script && style, "hashed asset paths");
  const js = await worker.api("GET", script);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type"), /javascript/);
  assert.match(js.headers.get("cache-control"), /immutable/);
  assert.equal((await worker.api("GET", "/pages/app.0000000000000000.js")).status, 404);
  assert.equal((await worker.api("GET", `/account?app=${app.id}`)).status, 200);

  const nowhere = await worker.api("GET", "/sign-in?app=app_doesnotexist");
  assert.equal(nowhere.status, 404);
  assert.match(nowhere.text, /No application is set up at this address/);

  const off = await worker.createApp({ name: "Passkeys Off" });
  const disabled = await worker.api("GET", `/sign-in?app=${off.id}`);
  assert.equal(disabled.status, 403);
  assert.match(disabled.text, /not turned on for Passkeys Off/);
});

test("sign up with an email code, recovery codes shown once with copy and download", async () => {
  const d = await device({ viewport: PHONE });
  state.a = d;
  await d.page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: worker.base });
  await d.page.goto(signInUrl());
  await visible(d, "Sign in with a passkey");
  assert.equal(await d.page.locator("#sign-in-email").getAttribute("autocomplete"), "username webauthn");
  await shot(d, "01-sign-in-phone");

  await d.page.getByRole("button", { name: "Create an account" }).click();
  await field(d, "Email").fill(email);
  await field(d, "Name", false).fill("Ada Lovelace");
  const since = worker.sentMail().length;
  await d.page.getByRole("button", { name: "Email me a code" }).click();
  await visible(d, "We sent a 6-digit code");
  await shot(d, "02-code-phone");
  const mail = await worker.waitForMail(email, { since });
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
  assert.ok(code, `a code in: ${mail.text}`);

  // A wrong code first: a clear message, and the page stays usable.
  const wrong = code === "000000" ? "111111" : "000000";
  await field(d, "Code from the email").fill(wrong);
  await d.page.getByRole("button", { name: "Verify and create a passkey" }).click();
  await visible(d, "That code is not right");
  await field(d, "Code from the email").fill(code);
  await d.page.getByRole("button", { name: "Verify and create a passkey" }).click();

  await visible(d, "Save your recovery codes");
  const codes = await d.page.locator("#recovery-codes-list li").allTextContents();
  assert.equal(codes.length, 10);
  for (const c of codes) assert.match(c, /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
  state.recoveryCodes = codes;
  await shot(d, "03-recovery-codes-phone");

  await d.page.getByRole("button", { name: "Copy codes" }).click();
  await visible(d, "Recovery codes copied");
  assert.ok((await d.page.evaluate(() => navigator.clipboard.readText())).includes(codes[0]));
  const [download] = await Promise.all([
    d.page.waitForEvent("download"),
    d.page.getByRole("button", { name: "Download codes" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /recovery-codes\.txt$/);
  const saved = readFileSync(await download.path(), "utf8");
  for (const c of codes) assert.ok(saved.includes(c));

  await d.page.getByRole("button", { name: "Continue", exact: true }).click();
  await onAccountPage(d, 1);
  await visible(d, `Signed in as ${email}`);
  await shot(d, "04-account-phone");
});

test("sign out ends the session", async () => {
  const d = state.a;
  await d.page.setViewportSize({ width: 1024, height: 800 });
  await autofill(d, false);
  const before = await tokens(d);
  assert.ok(before?.accessToken);
  await d.page.getByRole("button", { name: "Sign out" }).click();
  await d.page.waitForURL(/\/sign-in/);
  await visible(d, "Sign in with a passkey");
  assert.equal(await tokens(d), null);
  const me = await worker.api("GET", "/api/v1/users/me/passkeys", undefined, { app: app.id, bearer: before.accessToken });
  assert.equal(me.status, 401);
  await shot(d, "05-signed-out");
});

test("sign in with the passkey button", async () => {
  const d = state.a;
  await d.page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await onAccountPage(d, 1);
  await visible(d, "Last used");
  await shot(d, "06-account-after-button-sign-in");
});

test("sign in with email (the passkeys of that account are offered)", async () => {
  const d = state.a;
  await d.page.getByRole("button", { name: "Sign out" }).click();
  await d.page.waitForURL(/\/sign-in/);
  await field(d, "Email").fill(email.toUpperCase());
  await d.page.keyboard.press("Enter");
  await onAccountPage(d, 1);
});

test("sign in via passkey autofill", async () => {
  const d = state.a;
  await autofill(d, true);
  await d.page.evaluate(() => sessionStorage.removeItem("test:mediation"));
  // Signing out lands on the sign-in page, whose email field offers the passkey; Chromium's
  // virtual authenticator picks it at once, as a person choosing it from the suggestions would.
  await Promise.all([
    d.page.waitForURL(/\/sign-in/, { waitUntil: "commit" }),
    d.page.getByRole("button", { name: "Sign out" }).click(),
  ]);
  await onAccountPage(d, 1);
  const mediations = await d.page.evaluate(() => JSON.parse(sessionStorage.getItem("test:mediation") ?? "[]"));
  assert.deepEqual(mediations, ["conditional"]);
  await shot(d, "07-account-after-autofill");
  await autofill(d, false);
});

test("add a second passkey, rename it, remove it; the last passkey is guarded", async () => {
  const d = state.a;
  // The authenticator holds the first passkey, which the page excludes (and an authenticator keeps
  // one passkey per account): set it aside until the second one is gone again.
  const [first] = await d.credentials();
  await d.removeCredential(first.credentialId);
  await field(d, "Name for a new passkey", false).fill("Travel key");
  await d.page.getByRole("button", { name: "Add a passkey" }).click();
  await onAccountPage(d, 2);
  await visible(d, "Passkey “Travel key” added");
  assert.deepEqual((await passkeyNames(d))[1], "Travel key");
  const [second] = (await d.credentials()).filter((c) => c.credentialId !== first.credentialId);
  await shot(d, "08-two-passkeys");

  // Rename with the keyboard: Escape cancels, Enter saves.
  const item = d.page.locator(".passkey").nth(1);
  await item.getByRole("button", { name: "Rename Travel key" }).click();
  await d.page.keyboard.press("Escape");
  assert.equal(await item.locator(".rename-form").isHidden(), true);
  await item.getByRole("button", { name: "Rename Travel key" }).click();
  const input = item.getByLabel("New name");
  assert.equal(await input.evaluate((el) => el === document.activeElement), true);
  await input.fill("Work laptop");
  await d.page.keyboard.press("Enter");
  await visible(d, "Renamed to “Work laptop”");
  assert.deepEqual(await passkeyNames(d), [(await passkeyNames(d))[0], "Work laptop"]);
  await shot(d, "09-renamed");

  // Remove it (after a confirmation), and the authenticator forgets it too: the page tells it
  // the passkeys the account still accepts (WebAuthn signalAllAcceptedCredentials).
  await d.page.getByRole("button", { name: "Remove Work laptop" }).click();
  await shot(d, "10-remove-confirm");
  await d.page.locator(".passkey").nth(1).getByRole("button", { name: "Remove", exact: true }).click();
  await visible(d, "“Work laptop” was removed");
  assert.equal((await passkeyNames(d)).length, 1);
  await until(async () => !(await d.credentials()).some((c) => c.credentialId === second.credentialId), "the removed passkey leaves the authenticator");
  await d.cdp.send("WebAuthn.addCredential", { authenticatorId: d.authenticatorId, credential: first });

  // The only passkey left cannot be removed: the contract's 409 last_passkey, said plainly.
  const onlyName = (await passkeyNames(d))[0];
  await d.page.getByRole("button", { name: `Remove ${onlyName}` }).click();
  await d.page.locator(".passkey").first().getByRole("button", { name: "Remove", exact: true }).click();
  await visible(d, "This is your only passkey");
  assert.equal((await passkeyNames(d)).length, 1);
  await shot(d, "11-last-passkey-guarded");
});

test("recover with a recovery code on a new device", async () => {
  const d = await device({ autofill: false, viewport: PHONE });
  await d.page.goto(signInUrl());
  await d.page.getByRole("button", { name: "Use a recovery code" }).click();
  await field(d, "Email").fill(email);
  await field(d, "Recovery code").fill("zzzz-zzzz-zzzz");
  await d.page.getByRole("button", { name: "Create a new passkey" }).click();
  await visible(d, "do not match an unused recovery code");
  await shot(d, "12-recovery-wrong-code-phone");

  await field(d, "Recovery code").fill(state.recoveryCodes[0].toUpperCase());
  await d.page.getByRole("button", { name: "Create a new passkey" }).click();
  await onAccountPage(d, 2);
  await visible(d, "You signed in with a recovery code");
  await shot(d, "13-recovered-phone");

  // The code is used up.
  await d.page.getByRole("button", { name: "Sign out" }).click();
  await d.page.waitForURL(/\/sign-in/);
  await d.page.getByRole("button", { name: "Use a recovery code" }).click();
  await field(d, "Email").fill(email);
  await field(d, "Recovery code").fill(state.recoveryCodes[0]);
  await d.page.getByRole("button", { name: "Create a new passkey" }).click();
  await visible(d, "do not match an unused recovery code");
  await d.close();
});

/** Signs in on a sign-in link with a hand-off and answers the code the browser brought back. */
async function handOff(query) {
  const d = state.a;
  await d.page.getByRole("button", { name: "Sign out" }).click();
  await d.page.waitForURL(/\/sign-in/);
  await d.page.goto(signInUrl(query));
  await d.page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await d.page.waitForURL(/^https:\/\/app\.example\/callback\?/, { timeout: 20_000 });
  const url = new URL(d.page.url());
  await shot(d, `14-hand-off-${url.searchParams.has("state") ? "state" : "plain"}`);
  await d.page.goto(`${worker.base}/account?app=${app.id}`);
  await onAccountPage(d, 2);
  return url;
}

test("hand-off to the app: code exchanged with the app's API key", async () => {
  const url = await handOff(`&redirect_uri=${encodeURIComponent(CALLBACK)}&state=${encodeURIComponent("st/1 ?&")}`);
  assert.equal(url.searchParams.get("state"), "st/1 ?&");
  const code = url.searchParams.get("code");
  assert.ok(code);

  const noKey = await worker.api("POST", "/auth/token", { code }, { app: app.id });
  assert.equal(noKey.status, 401);
  const otherUri = await worker.api("POST", "/auth/token", { code, redirect_uri: "https://app.example/other" }, { app: app.id, key: app.apiKey });
  assert.equal(otherUri.status, 400);
  const ok = await worker.api("POST", "/auth/token", { code, redirect_uri: CALLBACK }, { app: app.id, key: app.apiKey });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.user.email, email);
  assert.equal(ok.body.session.tokenType, "Bearer");
  const me = await worker.api("GET", "/api/v1/users/me/passkeys", undefined, { app: app.id, bearer: ok.body.session.accessToken });
  assert.equal(me.status, 200);
  const again = await worker.api("POST", "/auth/token", { code }, { app: app.id, key: app.apiKey });
  assert.equal(again.status, 400);
  assert.equal(again.body.error.code, "invalid_code");
});

test("hand-off to the app: code exchanged with the PKCE verifier", async () => {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const url = await handOff(`&redirect_uri=${encodeURIComponent(CALLBACK)}&code_challenge=${challenge}&code_challenge_method=S256`);
  assert.equal(url.searchParams.has("state"), false);
  const code = url.searchParams.get("code");

  const noVerifier = await worker.api("POST", "/auth/token", { code }, { app: app.id, key: app.apiKey });
  assert.equal(noVerifier.status, 400);
  const wrong = await worker.api("POST", "/auth/token", { code, code_verifier: randomBytes(32).toString("base64url") }, { app: app.id });
  assert.equal(wrong.status, 400);
  const ok = await worker.api("POST", "/auth/token", { code, code_verifier: verifier }, { app: app.id });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.user.email, email);
  const again = await worker.api("POST", "/auth/token", { code, code_verifier: verifier }, { app: app.id });
  assert.equal(again.status, 400);
});

test("a redirect URI that is not registered: an error, never a redirect", async () => {
  const d = state.a;
  let leftForEvil = false;
  await d.page.context().route("https://evil.example/**", (route) => { leftForEvil = true; return route.abort(); });
  const evil = encodeURIComponent("https://evil.example/callback");
  const res = await d.page.goto(signInUrl(`&redirect_uri=${evil}&state=s`));
  assert.equal(res.status(), 400);
  await visible(d, "This sign-in link cannot be used");
  assert.equal(await d.page.getByRole("button", { name: "Sign in with a passkey" }).isVisible(), false);
  await shot(d, "15-redirect-not-allowed");
  // Nor will the API issue a code for it, even to a signed-in user.
  await d.page.goto(`${worker.base}/account?app=${app.id}`);
  await onAccountPage(d, 2);
  const { accessToken } = await tokens(d);
  const refused = await worker.api("POST", "/auth/authorize", { redirect_uri: "https://evil.example/callback" }, { app: app.id, bearer: accessToken });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.code, "invalid_request");
  const prefix = await worker.api("POST", "/auth/authorize", { redirect_uri: `${CALLBACK}/x` }, { app: app.id, bearer: accessToken });
  assert.equal(prefix.status, 400);
  assert.equal(leftForEvil, false);
});

test("direct signup where the app allows it; a taken email is said plainly", async () => {
  const direct = await worker.createApp({ name: "Direct Co", passkey: { enabled: true, directSignup: true } });
  const d = await device({ autofill: false });
  await d.page.goto(`${worker.base}/sign-in?app=${direct.id}`);
  await visible(d, "Direct Co");
  await d.page.getByRole("button", { name: "Create an account" }).click();
  await field(d, "Email").fill("grace@example.com");
  await shot(d, "16-direct-signup");
  await d.page.getByRole("button", { name: "Skip email check and create a passkey" }).click();
  await visible(d, "Save your recovery codes");
  await d.page.getByRole("button", { name: "Continue", exact: true }).click();
  await d.page.waitForURL(/\/account/);

  // The same email again, from another browser.
  const other = await device({ autofill: false });
  await other.page.goto(`${worker.base}/sign-in?app=${direct.id}`);
  await other.page.getByRole("button", { name: "Create an account" }).click();
  await field(other, "Email").fill("Grace@Example.com");
  await other.page.getByRole("button", { name: "Skip email check and create a passkey" }).click();
  await visible(other, "An account with this email already exists");
  await shot(other, "17-email-taken");
  assert.equal(await message(other).getAttribute("role"), "alert");
  await other.close();
  await d.close();

  // Where direct signup is off, the button is not offered.
  const a = state.a;
  await a.page.goto(signInUrl());
  await a.page.getByRole("button", { name: "Create an account" }).click();
  assert.equal(await a.page.getByRole("button", { name: "Skip email check and create a passkey" }).isVisible(), false);
});

test("WebAuthn Signal API: the pages keep the passkey provider in step with the account", async () => {
  const signalApp = await worker.createApp({ name: "Signal Co", passkey: { enabled: true, directSignup: true } });
  const d = await device({ autofill: false });
  // Record the signals the pages send (kept across this tab's navigations); the browser still gets them.
  await d.page.context().addInitScript(() => {
    for (const name of ["signalUnknownCredential", "signalAllAcceptedCredentials", "signalCurrentUserDetails"]) {
      const real = PublicKeyCredential[name];
      if (typeof real !== "function") continue;
      PublicKeyCredential[name] = (options) => {
        const seen = JSON.parse(sessionStorage.getItem("test:signals") ?? "[]");
        sessionStorage.setItem("test:signals", JSON.stringify([...seen, { name, options }]));
        return real.call(PublicKeyCredential, options);
      };
    }
  });
  const signals = async (name) => (await d.page.evaluate(() => JSON.parse(sessionStorage.getItem("test:signals") ?? "[]"))).filter((s) => s.name === name);
  const forget = () => d.page.evaluate(() => sessionStorage.removeItem("test:signals"));
  const signUrl = `${worker.base}/sign-in?app=${signalApp.id}`;
  assert.equal(await d.page.evaluate(() => typeof PublicKeyCredential.signalAllAcceptedCredentials), "function", "this Chromium has the Signal API");

  await d.page.goto(signUrl);
  await d.page.getByRole("button", { name: "Create an account" }).click();
  await field(d, "Email").fill("lin@example.com");
  await field(d, "Name", false).fill("Lin Signal");
  await d.page.getByRole("button", { name: "Skip email check and create a passkey" }).click();
  await visible(d, "Save your recovery codes");
  await d.page.getByRole("button", { name: "Continue", exact: true }).click();
  await onAccountPage(d, 1);
  const [held] = await d.credentials();
  const me = await d.page.evaluate((id) => JSON.parse(sessionStorage.getItem(`authaz:${id}:session`) ?? "null"), signalApp.id);
  const user = me.user;
  assert.match(user.webauthnUserId, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(held.userHandle, "base64").toString("base64url"), user.webauthnUserId);
  const heldId = Buffer.from(held.credentialId, "base64").toString("base64url");

  // The account page's load: the user's whole list.
  await until(async () => (await signals("signalAllAcceptedCredentials")).length > 0, "signalAllAcceptedCredentials on load");
  assert.deepEqual((await signals("signalAllAcceptedCredentials")).at(-1).options, { rpId: "localhost", userId: user.webauthnUserId, allAcceptedCredentialIds: [heldId] });

  // A sign-in: the user's details and passkeys.
  await forget();
  await d.page.getByRole("button", { name: "Sign out" }).click();
  await d.page.waitForURL(/\/sign-in/);
  await d.page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await onAccountPage(d, 1);
  assert.deepEqual((await signals("signalCurrentUserDetails")).map((s) => s.options), [
    { rpId: "localhost", userId: user.webauthnUserId, name: "lin@example.com", displayName: "Lin Signal" },
  ]);
  assert.ok((await signals("signalAllAcceptedCredentials")).every((s) => JSON.stringify(s.options.allAcceptedCredentialIds) === JSON.stringify([heldId])));
  assert.equal((await signals("signalUnknownCredential")).length, 0, "nothing is unknown yet");

  // Support resets the passkeys: the next sign-in with the one on this device is refused as unknown,
  // the page says so to the browser, and the authenticator forgets it.
  const reset = await worker.api("DELETE", `/api/v1/users/${user.id}/passkeys`, undefined, { key: signalApp.apiKey });
  assert.equal(reset.status, 200);
  await d.page.goto(signUrl);
  await d.page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await visible(d, "This passkey was not accepted");
  assert.deepEqual((await signals("signalUnknownCredential")).map((s) => s.options), [{ rpId: "localhost", credentialId: heldId }]);
  await until(async () => (await d.credentials()).length === 0, "the unknown passkey leaves the authenticator");
  await shot(d, "18-unknown-passkey-signalled");
  await d.close();
});
