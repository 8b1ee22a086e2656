// The hosted pages in five languages and with an application's branding, in a real browser
// (Debian's Chromium, a CDP virtual authenticator) on a phone-sized page (390x844, device scale
// factor 2). Each language's catalogue (src/i18n/catalogues/pages/) is what the page must show; a
// screenshot of each page in each language goes to test-output/screenshots/<page>-<lang>.png.
// The logo is served to the browser by the test (Playwright routes https://logo.example/): the
// page's CSP decides whether the browser may ask for it at all.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createServer } from "node:http";
import { crc32, deflateSync } from "node:zlib";
import { startWorker, ROOT } from "./harness.mjs";
import { launchBrowser, openDevice } from "./browser.mjs";

const SHOTS = join(ROOT, "test-output/screenshots");
const LANGS = ["en", "de", "fr", "es", "ja"];
const LOCALE_OF = { en: "en-US", de: "de-DE", fr: "fr-FR", es: "es-ES", ja: "ja-JP" };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 };
const LOGO = "https://logo.example/brand.png";
const BRANDING = { logoUrl: LOGO, primaryColor: "#ff8800", supportUrl: "mailto:help@brand.example" };
const PNG = png(144, 48, [255, 136, 0]);

/** A PNG of one colour (the logo the test serves). */
function png(width, height, [r, g, b]) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([head, Buffer.from(type), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3).map((_, i) => [r, g, b][i % 3])]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", pixels), chunk("IEND", Buffer.alloc(0))]);
}
const catalogue = Object.fromEntries(LANGS.map((l) => [l, JSON.parse(readFileSync(join(ROOT, `src/i18n/catalogues/pages/${l}.json`), "utf8"))]));

let worker, browser, app, plain;
let signedIn; // a phone whose tab holds a session of `app` (the account page's tests)

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  worker = await startWorker();
  app = await worker.createApp({ name: "Brand Test", passkey: { enabled: true, directSignup: true } });
  const branded = await worker.api("PATCH", `/api/v1/applications/${app.id}`, { branding: BRANDING }, { key: "admin" });
  assert.equal(branded.status, 200, branded.text);
  plain = await worker.createApp({ name: "Plain Test", passkey: { enabled: true } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

/** A phone: its own browser with an authenticator, `locale` its browser language (Accept-Language). */
async function phone(locale = "en-US") {
  const d = await openDevice(browser, `${worker.base}/healthz`, {}, { ...PHONE, locale });
  const context = d.page.context();
  await context.addInitScript(() => {
    // No passkey autofill: the pages stay where the test put them.
    if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push({ directive: e.effectiveDirective, uri: e.blockedURI }));
  });
  for (const host of ["logo.example", "other.example"]) {
    await context.route(`https://${host}/**`, (route) => route.fulfill({ status: 200, contentType: "image/png", body: PNG }));
  }
  return d;
}

const url = (page, query = "", id = app.id) => `${worker.base}/${page}?app=${id}${query}`;
const lang = (d) => d.page.evaluate(() => document.documentElement.lang);
const text = (d, selector) => d.page.locator(selector).first().innerText();

/** Every visible line of the page's text. */
const lines = (d) => d.page.evaluate(() => document.body.innerText.split("\n").map((l) => l.trim()).filter(Boolean));

/** No English catalogue text where the page's language has its own. */
async function noEnglish(d, l) {
  if (l === "en") return;
  const shown = await lines(d);
  const joined = shown.join("\n");
  for (const [key, english] of Object.entries(catalogue.en)) {
    if (catalogue[l][key] === english) continue;
    assert.ok(!shown.includes(english), `${l}: English "${english}" (${key}) shown`);
    if (english.length >= 12 && !english.includes("{")) assert.ok(!joined.includes(english), `${l}: English "${english}" (${key}) in the page`);
  }
}

async function noHorizontalOverflow(d, what) {
  const { scroll, width } = await d.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  assert.ok(scroll <= width, `${what}: ${scroll}px wide in a ${width}px viewport`);
}

/** The logo loaded, named by the app, and no CSP violation; the brand colour on the primary buttons. */
async function branded(d, what, button = "#passkey-button") {
  const logo = d.page.locator("img.logo");
  assert.equal(await logo.getAttribute("alt"), "Brand Test");
  await d.page.waitForFunction(() => document.querySelector("img.logo")?.complete, null, { timeout: 10_000 });
  assert.ok(await logo.evaluate((img) => img.naturalWidth > 0), `${what}: the logo loaded`);
  assert.deepEqual(await d.page.evaluate(() => window.__violations), [], `${what}: no CSP violation`);
  const colors = await d.page.locator(button).first().evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]);
  // #ff8800 is light: black text on it.
  assert.deepEqual(colors, ["rgb(255, 136, 0)", "rgb(0, 0, 0)"], `${what}: the primary colour`);
}

test("the admin API keeps branding, clears it with null, and refuses bad values naming the field, changing nothing", async () => {
  const shown = await worker.api("GET", `/api/v1/applications/${app.id}`, undefined, { key: app.apiKey });
  assert.equal(shown.status, 200);
  assert.deepEqual(shown.body.application.branding, BRANDING);
  assert.deepEqual(plain.branding, { logoUrl: null, primaryColor: null, supportUrl: null });

  for (const [branding, field] of [
    [{ logoUrl: "http://logo.example/brand.png" }, "branding.logoUrl"],
    [{ logoUrl: "https://user:secret@logo.example/brand.png" }, "branding.logoUrl"],
    [{ primaryColor: "orange" }, "branding.primaryColor"],
    [{ primaryColor: "#ff88001" }, "branding.primaryColor"],
    [{ supportUrl: "javascript:alert(1)" }, "branding.supportUrl"],
    [{ colour: "#ffffff" }, "branding"],
  ]) {
    const r = await worker.api("PATCH", `/api/v1/applications/${app.id}`, { name: "Renamed", branding }, { key: app.apiKey });
    assert.equal(r.status, 400, JSON.stringify(branding));
    assert.equal(r.body.error.code, "invalid_request");
    assert.ok(r.body.error.message.includes(`\`${field}`), r.body.error.message);
  }
  const after = await worker.api("GET", `/api/v1/applications/${app.id}`, undefined, { key: "admin" });
  assert.equal(after.body.application.name, "Brand Test");
  assert.deepEqual(after.body.application.branding, BRANDING);

  const count = () => worker.d1("SELECT count(*) AS n FROM applications")[0].n;
  const before = count();
  const refused = await worker.api("POST", "/api/v1/applications", { name: "Bad Brand", rpId: "localhost", origins: [worker.base], branding: { supportUrl: "javascript:alert(1)" } }, { key: "admin" });
  assert.equal(refused.status, 400);
  assert.match(refused.body.error.message, /`branding\.supportUrl`/);
  assert.equal(count(), before);

  // Created with branding; a field set to null is cleared, the others kept; `branding: null` clears all.
  const created = await worker.api("POST", "/api/v1/applications", { name: "Brand Two", rpId: "localhost", origins: [worker.base], branding: { primaryColor: "#00AA00", supportUrl: "https://help.example/" } }, { key: "admin" });
  assert.equal(created.status, 201, created.text);
  const id = created.body.application.id;
  assert.deepEqual(created.body.application.branding, { logoUrl: null, primaryColor: "#00aa00", supportUrl: "https://help.example/" });
  const cleared = await worker.api("PATCH", `/api/v1/applications/${id}`, { branding: { supportUrl: null } }, { key: "admin" });
  assert.deepEqual(cleared.body.application.branding, { logoUrl: null, primaryColor: "#00aa00", supportUrl: null });
  const none = await worker.api("PATCH", `/api/v1/applications/${id}`, { branding: null }, { key: "admin" });
  assert.deepEqual(none.body.application.branding, { logoUrl: null, primaryColor: null, supportUrl: null });
});

test("the CSP allows exactly the logo's origin for images; a picture from elsewhere is blocked", async () => {
  const page = await worker.api("GET", `/sign-in?app=${app.id}`);
  const imgSrc = page.headers.get("content-security-policy").split(";").map((d) => d.trim()).find((d) => d.startsWith("img-src"));
  assert.equal(imgSrc, "img-src 'self' data: https://logo.example");
  const unbranded = await worker.api("GET", `/sign-in?app=${plain.id}`);
  assert.match(unbranded.headers.get("content-security-policy"), /img-src 'self' data:;/);
  assert.ok(!unbranded.text.includes("class=\"logo\"") && !unbranded.text.includes("class=\"support\""));

  const d = await phone();
  await d.page.goto(url("sign-in"));
  await d.page.locator("#passkey-button").waitFor();
  await branded(d, "sign-in");
  await d.page.evaluate(() => {
    const img = document.createElement("img");
    img.src = "https://other.example/elsewhere.png";
    document.body.append(img);
  });
  await d.page.waitForFunction(() => window.__violations.length > 0, null, { timeout: 10_000 });
  const violations = await d.page.evaluate(() => window.__violations);
  assert.deepEqual(violations, [{ directive: "img-src", uri: "https://other.example/elsewhere.png" }]);
  await d.close();
});

for (const l of LANGS) {
  test(`sign-in page in ${l}: its catalogue's words, branding, no overflow on a phone`, async () => {
    const t = catalogue[l];
    const d = await phone(LOCALE_OF[l]);
    await d.page.goto(url("sign-in", `&lang=${l}`));
    await d.page.locator("#passkey-button").waitFor();
    assert.equal(await lang(d), l);
    assert.equal(await text(d, "#title"), t["sign_in.title"]);
    assert.equal(await text(d, "#passkey-button"), t["sign_in.passkey_button"]);
    assert.equal(await d.page.title(), `${t["sign_in.title"]} · Brand Test`);
    assert.equal(await text(d, "label[for=sign-in-email]"), t["form.email"]);
    const support = d.page.locator(".support a");
    assert.equal(await support.innerText(), t["support.link"]);
    assert.equal(await support.getAttribute("href"), BRANDING.supportUrl);
    await noEnglish(d, l);
    await noHorizontalOverflow(d, `sign-in ${l}`);
    await branded(d, `sign-in ${l}`, "#passkey-button");
    await d.page.screenshot({ path: join(SHOTS, `sign-in-${l}.png`), fullPage: true });

    // The signup view too (the script's titles come from the page's words).
    await d.page.locator("[data-go=signup]").first().click();
    assert.equal(await text(d, "#title"), t["signup.title"]);
    await noEnglish(d, l);
    await noHorizontalOverflow(d, `signup ${l}`);
    await d.close();
  });
}

test("account page in every language: words, dates for the language, Accept-Language on its API calls", async () => {
  const d = await phone();
  signedIn = d;
  await d.page.goto(url("sign-in"));
  await d.page.locator("[data-go=signup]").first().click();
  await d.page.locator("#signup-email").fill("brand@example.com");
  await d.page.locator("#direct-signup").click();
  await d.page.locator("#codes-done").waitFor({ state: "visible", timeout: 20_000 });
  await d.page.locator("#codes-done").click();
  await d.page.waitForURL(/\/account/, { timeout: 20_000 });

  for (const l of LANGS) {
    const t = catalogue[l];
    const call = d.page.waitForRequest((r) => r.url().includes("/api/v1/users/me/passkeys"));
    await d.page.goto(url("account", `&lang=${l}`));
    assert.equal((await (await call).allHeaders())["accept-language"], l, `${l}: the script's Accept-Language`);
    await d.page.locator(".passkey").first().waitFor({ timeout: 15_000 });
    assert.equal(await lang(d), l);
    assert.equal(await text(d, "#title"), t["account.title"]);
    assert.equal(await text(d, "#signed-in-as"), t["account.signed_in_as"].replace("{email}", "brand@example.com"));
    assert.equal(await text(d, "#sign-out"), t["account.sign_out"]);
    assert.equal(await text(d, "#passkeys-title"), t["account.passkeys"]);
    const dates = await text(d, ".passkey-dates");
    const expected = await d.page.evaluate(async ({ l, created }) => {
      const session = JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find((k) => k.endsWith(":session"))));
      const res = await fetch("/api/v1/users/me/passkeys", { headers: { "X-Authaz-App": document.body.dataset.appId, Authorization: `Bearer ${session.accessToken}` } });
      const { passkeys } = await res.json();
      const date = new Intl.DateTimeFormat(l, { dateStyle: "medium", timeStyle: "short" }).format(new Date(passkeys[0].createdAt));
      return created.replace("{date}", date);
    }, { l, created: t["account.created"] });
    assert.ok(dates.startsWith(expected), `${l}: "${dates}" starts with "${expected}"`);
    assert.ok(dates.includes(t["account.not_used"]) || dates.includes(t["account.last_used"].split("{date}")[0].trim()), dates);
    assert.equal(await d.page.locator(".support a").innerText(), t["support.link"]);
    await noEnglish(d, l);
    await noHorizontalOverflow(d, `account ${l}`);
    await branded(d, `account ${l}`, "#add-passkey-form button.primary");
    await d.page.screenshot({ path: join(SHOTS, `account-${l}.png`), fullPage: true });
  }
});

test("a lang chosen in the query stays across the pages: sign out of a German account page reaches a German sign-in page", async () => {
  const d = signedIn;
  await d.page.goto(url("account", "&lang=de"));
  await d.page.locator(".passkey").first().waitFor({ timeout: 15_000 });
  await d.page.locator("#sign-out").click();
  await d.page.waitForURL(/\/sign-in/);
  assert.match(d.page.url(), /[?&]lang=de\b/);
  await d.page.locator("#passkey-button").waitFor();
  assert.equal(await lang(d), "de");
  await d.close();
});

test("Accept-Language picks the language, lang and ui_locales override it, an unsupported one gets English", async () => {
  const german = await phone("de-DE");
  await german.page.goto(url("sign-in"));
  assert.equal(await lang(german), "de");
  assert.equal(await text(german, "#title"), catalogue.de["sign_in.title"]);
  await german.page.goto(url("sign-in", "&lang=ja"));
  assert.equal(await lang(german), "ja");
  assert.equal(await text(german, "#title"), catalogue.ja["sign_in.title"]);
  await german.close();

  const portuguese = await phone("pt-BR");
  await portuguese.page.goto(url("account"));
  await portuguese.page.waitForURL(/\/sign-in/); // not signed in
  assert.equal(await lang(portuguese), "en");
  await portuguese.page.goto(url("sign-in", "&lang=ko"));
  assert.equal(await lang(portuguese), "en");
  assert.equal(await text(portuguese, "#passkey-button"), catalogue.en["sign_in.passkey_button"]);
  await portuguese.close();

  const html = async (query, headers = {}) => (await worker.api("GET", `/sign-in?app=${app.id}${query}`, undefined, { headers })).text;
  assert.match(await html("", { "accept-language": "zh-CN, fr-CA;q=0.9, en;q=0.8" }), /<html lang="fr">/);
  assert.match(await html("&ui_locales=zz%20es", { "accept-language": "de" }), /<html lang="es">/);
  assert.match(await html("", { "accept-language": "pt-BR" }), /<html lang="en">/);
  // A problem page speaks the language too.
  const nowhere = await worker.api("GET", "/sign-in?app=app_doesnotexist&lang=fr");
  assert.equal(nowhere.status, 404);
  assert.ok(nowhere.text.includes(catalogue.fr["problem.no_app"]), nowhere.text);
});

test("an OpenID Connect authorization's ui_locales picks the sign-in page's language", async () => {
  const client = await worker.api("POST", `/api/v1/applications/${app.id}/clients`, { name: "Web", type: "confidential", redirectUris: ["https://rp.example/cb"] }, { key: "admin" });
  assert.equal(client.status, 201, client.text);
  const q = (more) => new URLSearchParams({ client_id: client.body.client.id, redirect_uri: "https://rp.example/cb", response_type: "code", scope: "openid", state: "s", ...more });
  const page = await worker.api("GET", `/oidc/${app.id}/authorize?${q({ ui_locales: "ja-JP de" })}`, undefined, { headers: { "accept-language": "fr" } });
  assert.equal(page.status, 200);
  assert.match(page.text, /<html lang="ja">/);
  assert.match(page.text, /data-oidc-request="oar_/);
  assert.ok(page.text.includes(`>${catalogue.ja["sign_in.passkey_button"]}<`));
  const browserChoice = await worker.api("GET", `/oidc/${app.id}/authorize?${q({})}`, undefined, { headers: { "accept-language": "es" } });
  assert.match(browserChoice.text, /<html lang="es">/);
  const refused = await worker.api("GET", `/oidc/${app.id}/authorize?${q({ ui_locales: "de", client_id: "cli_nope" })}`);
  assert.equal(refused.status, 400);
  assert.match(refused.text, /<html lang="de">/);
  assert.ok(refused.text.includes(catalogue.de["problem.bad_oidc_link"].split("{reason}")[0]));
});

test("the script's messages are in the page's language: a missing email, a refused recovery code", async () => {
  const t = catalogue.es;
  const d = await phone("es-ES");
  await d.page.goto(url("sign-in", "&lang=es"));
  await d.page.locator("#sign-in-form button[type=submit]").click();
  await d.page.locator("#message").filter({ hasText: t["input.email_or_passkey"] }).waitFor({ timeout: 10_000 });

  await d.page.locator("[data-go=recover]").first().click();
  await d.page.locator("#recover-email").fill("nobody@example.com");
  await d.page.locator("#recover-code").fill("abcd-efgh-ijkl");
  await d.page.locator("#recover-form button[type=submit]").click();
  await d.page.locator("#message").filter({ hasText: t["error.recover.unauthorized"] }).waitFor({ timeout: 15_000 });
  await noHorizontalOverflow(d, "recover es");
  await d.page.screenshot({ path: join(SHOTS, "sign-in-es-error.png"), fullPage: true });
  await d.close();
});

test("cross-origin, the pages' Accept-Language passes CORS, even where it needs a preflight", async () => {
  const server = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>other</title>"));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const other = `http://localhost:${server.address().port}`;
  try {
    const corsApp = await worker.createApp({ name: "Cors Test", origins: [worker.base, other], passkey: { enabled: true } });
    const d = await phone();
    await d.page.goto(other);
    const answers = await d.page.evaluate(async ({ url, id }) => {
      const send = (lang) => fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-Authaz-App": id, "Accept-Language": lang }, body: "{}" })
        .then((r) => r.status, (e) => e.name);
      // A value over 128 bytes is not CORS-safelisted: the preflight must allow the header.
      return [await send("ja"), await send(`de-CH, ${"fr;q=0.9, es;q=0.8, ".repeat(8)}en;q=0.1`)];
    }, { url: `${worker.base}/auth/passkey-provider/login/start`, id: corsApp.id });
    assert.deepEqual(answers, [200, 200]);
    await d.close();
  } finally {
    server.close();
  }
});
