// The account page's self-service in a real browser (Debian's Chromium, CDP virtual
// authenticator), driven through the page itself: where the user is signed in (this browser
// marked, another session signed out from here, its tokens refused at once), an email change
// (code to the new address, the old one told), and deleting the account behind a fresh passkey
// sign-in made for it (the user gone, checked through the admin API and in D1). Screenshots
// under test-output/account/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startWorker, ROOT } from "./harness.mjs";
import { launchBrowser, openDevice } from "./browser.mjs";

const SHOTS = join(ROOT, "test-output/account");
const PHONE = { width: 390, height: 844 };
let worker, browser, app;
const email = `acct-${randomBytes(4).toString("hex")}@example.com`;
const state = {};

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  worker = await startWorker();
  app = await worker.createApp({ name: "Account Co", passkey: { enabled: true, directSignup: true } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

async function device() {
  const d = await openDevice(browser, `${worker.base}/healthz`, {}, { viewport: PHONE });
  // No passkey autofill: the sign-in page stays put until a button is pressed.
  await d.page.context().addInitScript(() => {
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  return d;
}

const visible = (d, text) => d.page.getByText(text).filter({ visible: true }).first().waitFor({ timeout: 15_000 });
const field = (d, name) => d.page.getByRole("textbox", { name, exact: true });
const tokens = (d) => d.page.evaluate((id) => JSON.parse(sessionStorage.getItem(`authaz:${id}:session`) ?? "null"), app.id);
const shot = (d, name) => d.page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const sessionItems = (d) => d.page.locator("#session-list li");
const me = (token, method = "GET", path = "/passkeys") => worker.api(method, `/api/v1/users/me${path}`, undefined, { app: app.id, bearer: token });

test("sign up, then the account page lists this browser's session", async () => {
  const d = await device();
  state.a = d;
  await d.page.goto(`${worker.base}/sign-in?app=${app.id}`);
  await d.page.getByRole("button", { name: "Create an account" }).click();
  await field(d, "Email").fill(email);
  await d.page.getByRole("button", { name: "Skip email check and create a passkey" }).click();
  await visible(d, "Save your recovery codes");
  state.recoveryCodes = await d.page.locator("#recovery-codes-list li").allTextContents();
  await d.page.getByRole("button", { name: "Continue", exact: true }).click();
  await d.page.waitForURL(/\/account/);
  await sessionItems(d).first().waitFor({ timeout: 15_000 });
  assert.equal(await sessionItems(d).count(), 1);
  assert.match(await sessionItems(d).first().locator(".session-device").textContent(), /^Chrome on Linux \(this browser\)$/);
  assert.match(await sessionItems(d).first().locator(".session-dates").textContent(), /Signed in .* · last active .*/);
  await visible(d, `Your email is ${email}.`);
  await shot(d, "01-account-sessions");
});

test("another session is signed out from the account page, and its tokens stop at once", async () => {
  const a = state.a;
  // A second browser gets in with a recovery code (and a passkey of its own).
  const b = await device();
  await b.page.goto(`${worker.base}/sign-in?app=${app.id}`);
  await b.page.getByRole("button", { name: "Use a recovery code" }).click();
  await field(b, "Email").fill(email);
  await field(b, "Recovery code").fill(state.recoveryCodes[0]);
  await b.page.getByRole("button", { name: "Create a new passkey" }).click();
  await b.page.waitForURL(/\/account/, { timeout: 20_000 });
  await sessionItems(b).nth(1).waitFor({ timeout: 15_000 });
  const bTokens = await tokens(b);
  assert.equal((await me(bTokens.accessToken)).status, 200);

  await a.page.reload();
  await sessionItems(a).nth(1).waitFor({ timeout: 15_000 });
  assert.equal(await sessionItems(a).count(), 2);
  const other = sessionItems(a).filter({ hasNotText: "(this browser)" });
  await other.getByRole("button", { name: "Sign out" }).click();
  await visible(a, "was signed out.");
  assert.equal(await sessionItems(a).count(), 1);
  await shot(a, "02-other-session-signed-out");
  // B's access token is refused at once, and so is its refresh token.
  assert.equal((await me(bTokens.accessToken)).status, 401);
  const refreshed = await worker.api("POST", "/auth/token/refresh", { refreshToken: bTokens.refreshToken }, { app: app.id });
  assert.equal(refreshed.status, 401);
  // A's own session still works.
  assert.equal((await me((await tokens(a)).accessToken)).status, 200);
  await b.close();
});

test("the email changes only with the code mailed to the new address; the old address is told", async () => {
  const a = state.a;
  const newEmail = `new-${randomBytes(4).toString("hex")}@example.com`;
  await field(a, "New email").fill(newEmail);
  const since = worker.sentMail().length;
  await a.page.getByRole("button", { name: "Email me a code" }).click();
  await visible(a, `We sent a 6-digit code to ${newEmail}`);
  const mail = await worker.waitForMail(newEmail, { since });
  const code = /\b(\d{6})\b/.exec(mail.text)[1];
  const wrong = code === "000000" ? "111111" : "000000";
  await a.page.locator("#email-code").fill(wrong);
  await a.page.getByRole("button", { name: "Change email" }).click();
  await visible(a, "That code is not right");
  await visible(a, `Your email is ${email}.`);
  await a.page.locator("#email-code").fill(code);
  await a.page.getByRole("button", { name: "Change email" }).click();
  await visible(a, `Your email is now ${newEmail}.`);
  await visible(a, `Signed in as ${newEmail}`);
  await shot(a, "03-email-changed");
  const notice = await worker.waitForMail(email, { since });
  assert.match(notice.subject, /email of your Account Co account was changed/);
  const admin = await worker.api("GET", `/api/v1/applications/${app.id}/users?email=${encodeURIComponent(newEmail)}`, undefined, { key: app.apiKey });
  assert.equal(admin.body.users.length, 1);
  state.userId = admin.body.users[0].id;
  state.email = newEmail;
});

test("deleting the account asks for a fresh passkey sign-in, then nothing of the user is left", async () => {
  const a = state.a;
  const before = await tokens(a);
  await a.page.getByRole("button", { name: "Delete account" }).click();
  await visible(a, "Delete your account? Confirm it with your passkey.");
  await shot(a, "04-delete-confirm");
  await a.page.getByRole("button", { name: "Delete my account" }).click();
  await visible(a, "Your account has been deleted.");
  await shot(a, "05-deleted");
  assert.equal(await tokens(a), null, "the page forgot the session");
  // The reauthentication made a new session; the old one and the new one are both refused now.
  assert.equal((await me(before.accessToken)).status, 401);
  const gone = await worker.api("GET", `/api/v1/users/${state.userId}`, undefined, { key: app.apiKey });
  assert.equal(gone.status, 404);
  assert.equal(worker.d1(`SELECT COUNT(*) AS n FROM users WHERE id = '${state.userId}'`)[0].n, 0);
  assert.equal(worker.d1(`SELECT COUNT(*) AS n FROM credentials WHERE user_id = '${state.userId}'`)[0].n, 0);
  assert.equal(worker.d1(`SELECT COUNT(*) AS n FROM sessions WHERE user_id = '${state.userId}'`)[0].n, 0);
  // The passkey the browser still holds signs in nowhere.
  await a.page.goto(`${worker.base}/sign-in?app=${app.id}`);
  await a.page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await visible(a, "This passkey was not accepted by Account Co");
  await a.close();
});
