// Mail in the user's language and the security notices (docs/API.md, "Languages" and "Security
// notices"), against wrangler dev with its local send_email: the verification mail follows the
// request's language (Accept-Language, `lang`), a user's language is kept from sign-up and
// follows their passkey sign-ins, and a passkey added, a recovery code used and a reset by
// support each mail one notice, in that language, with the time and the device, to verified
// addresses only; a refused ceremony mails nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startWorker } from "./harness.mjs";
import { SoftAuthenticator } from "./soft-authenticator.mjs";

const P = "/auth/passkey-provider";
const CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
let w, app, directApp;

before(async () => {
  w = await startWorker();
  app = await w.createApp({ name: "Notice Shop", passkey: { enabled: true } });
  directApp = await w.createApp({ name: "Direct Shop", passkey: { enabled: true, directSignup: true } });
});

after(async () => {
  await w?.stop();
});

const uniqueEmail = () => `n-${randomBytes(5).toString("hex")}@example.com`;
const post = (path, body, target, { lang, ua = CHROME_WINDOWS, bearer } = {}) =>
  w.api("POST", `${P}/${path}`, body, { app: target.id, bearer, headers: { "user-agent": ua, ...(lang ? { "accept-language": lang } : {}) } });

function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status} ${res.text}`);
}

/** The mails to `email` sent after `since`, once `count` of them are there (or after a settle time when 0 are expected). */
async function mailsTo(email, since, count) {
  const deadline = Date.now() + (count === 0 ? 1500 : 10_000);
  for (;;) {
    const mails = w.sentMail().slice(since).filter((m) => m.to.includes(email));
    if ((count > 0 && mails.length >= count) || Date.now() > deadline) return mails;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function codeMail(email, lang, target = app, path = "signup/verify-email/request") {
  const since = w.sentMail().length;
  const r = await w.api("POST", `${P}/${path}`, { email }, { app: target.id, headers: lang ? { "accept-language": lang } : {} });
  expectStatus(r, 202, "verify-email/request");
  const [mail] = await mailsTo(email, since, 1);
  assert.ok(mail, `no verification mail to ${email}`);
  return mail;
}

/** A user with a verified email, signed up in `lang`: {email, auth, body}. */
async function verifiedSignup(lang) {
  const email = uniqueEmail();
  const mail = await codeMail(email, lang);
  const code = /\b(\d{6})\b/.exec(mail.text)[1];
  const confirmed = await post("signup/verify-email/confirm", { email, code }, app, { lang });
  expectStatus(confirmed, 200, "confirm");
  const start = await post("signup/start", { email, verificationToken: confirmed.body.verificationToken, displayName: "N" }, app, { lang });
  expectStatus(start, 200, "signup/start");
  const auth = new SoftAuthenticator();
  const done = await post("signup/complete", auth.create(start.body, { origin: w.base }), app, { lang });
  expectStatus(done, 201, "signup/complete");
  return { email, auth, body: done.body };
}

async function login(auth, target, lang) {
  const start = await post("login/start", {}, target, { lang });
  expectStatus(start, 200, "login/start");
  const done = await post("login/complete", auth.get(start.body, { origin: w.base }), target, { lang });
  expectStatus(done, 200, "login/complete");
  return done.body;
}

async function addPasskey(bearer, target, { lang, name = "Work laptop" } = {}) {
  const start = await post("register/start", {}, target, { bearer, lang });
  expectStatus(start, 200, "register/start");
  const credential = new SoftAuthenticator().create(start.body, { origin: w.base });
  return post("register/complete", { credential, name }, target, { bearer, lang });
}

const userLocale = (email) => w.d1(`SELECT locale FROM users WHERE email = '${email}'`)[0]?.locale;

test("the verification mail speaks the request's language; English otherwise", async () => {
  const cases = [
    ["de-DE,de;q=0.9,en;q=0.8", "ist Ihr Bestätigungscode für Notice Shop", "läuft in 10 Minuten ab"],
    ["fr", "est votre code de vérification Notice Shop", "expire dans 10 minutes"],
    ["es-MX", "es tu código de verificación de Notice Shop", "caduca en 10 minutos"],
    ["ja", "Notice Shop の確認コードは", "10 分後に無効"],
    ["pt-BR, zh;q=0.5", "is your Notice Shop verification code", "expires in 10 minutes"],
    [undefined, "is your Notice Shop verification code", "expires in 10 minutes"],
  ];
  for (const [lang, subject, text] of cases) {
    const mail = await codeMail(uniqueEmail(), lang);
    assert.ok(mail.subject.includes(subject), `${lang}: subject ${mail.subject}`);
    assert.ok(mail.text.includes(text), `${lang}: text ${mail.text}`);
    assert.match(mail.subject, /\b\d{6}\b/);
  }
  // `lang` in the query overrides Accept-Language.
  const email = uniqueEmail();
  const since = w.sentMail().length;
  const r = await w.api("POST", `${P}/signup/verify-email/request?lang=fr`, { email }, { app: app.id, headers: { "accept-language": "de" } });
  expectStatus(r, 202, "request with lang");
  const [mail] = await mailsTo(email, since, 1);
  assert.ok(mail.subject.includes("est votre code de vérification"), mail.subject);
});

test("a passkey added mails one notice in the user's language, with time and device", async () => {
  const { email, body } = await verifiedSignup("de");
  assert.equal(userLocale(email), "de");
  const since = w.sentMail().length;
  const before = Date.now();
  const added = await addPasskey(body.session.accessToken, app, { lang: "de" });
  expectStatus(added, 201, "register/complete");
  const mails = await mailsTo(email, since, 1);
  assert.equal(mails.length, 1);
  const [notice] = mails;
  assert.equal(notice.subject, "Ein neuer Passkey wurde Ihrem Notice Shop-Konto hinzugefügt");
  assert.ok(notice.text.includes("„Work laptop“"), notice.text);
  assert.ok(notice.text.includes("Gerät: Chrome unter Windows"), notice.text);
  const stamp = /Zeitpunkt: (\d{4}-\d\d-\d\d \d\d:\d\d) UTC/.exec(notice.text)?.[1];
  assert.ok(stamp, notice.text);
  const at = Date.parse(`${stamp.replace(" ", "T")}:00Z`);
  assert.ok(at >= before - 61_000 && at <= Date.now(), `time ${stamp}`);
  assert.ok(notice.html.includes("Chrome unter Windows") && !notice.html.includes("{"));
  // No other mail went out for it, and signing up itself mailed no notice.
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await mailsTo(email, since, 0)).length, 1);
});

test("the user's language follows their sign-ins; a request naming none keeps it", async () => {
  const { email, auth } = await verifiedSignup("es");
  assert.equal(userLocale(email), "es");
  await login(auth, app, "*");
  assert.equal(userLocale(email), "es", "Accept-Language: * names no language");
  const { session } = await login(auth, app, "fr-CA,fr;q=0.9");
  assert.equal(userLocale(email), "fr");
  // A refused login changes nothing: a replayed assertion in Japanese.
  const start = await post("login/start", {}, app, { lang: "ja" });
  const assertion = auth.get(start.body, { origin: w.base });
  expectStatus(await post("login/complete", assertion, app, { lang: "ja" }), 200, "first use");
  await login(auth, app, "fr");
  expectStatus(await post("login/complete", assertion, app, { lang: "de" }), 400, "replay");
  assert.equal(userLocale(email), "fr");
  // The notice of a passkey added afterwards is French.
  const since = w.sentMail().length;
  expectStatus(await addPasskey(session.accessToken, app, { lang: "fr" }), 201, "register/complete");
  const [notice] = await mailsTo(email, since, 1);
  assert.equal(notice.subject, "Une nouvelle clé d’accès a été ajoutée à votre compte Notice Shop");
  assert.ok(notice.text.includes("Appareil : Chrome sur Windows"), notice.text);
});

test("a recovery code used mails its notice, naming the new passkey", async () => {
  const { email, body } = await verifiedSignup("ja");
  const recoveryCode = body.recoveryCodes[0];
  const since = w.sentMail().length;
  const start = await post("register/start", { email, recoveryCode }, app);
  expectStatus(start, 200, "register/start (recovery)");
  const credential = new SoftAuthenticator().create(start.body, { origin: w.base });
  const ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
  expectStatus(await post("register/complete", { credential, email, recoveryCode, name: "新しい iPhone" }, app, { ua }), 201, "recovery");
  const mails = await mailsTo(email, since, 1);
  assert.equal(mails.length, 1, "one notice (not a passkey-added one besides)");
  const [notice] = mails;
  assert.equal(notice.subject, "Notice Shop のアカウントで回復コードが使われました");
  assert.ok(notice.text.includes("「新しい iPhone」") && notice.text.includes("デバイス: iOS の Safari"), notice.text);
  // The same code again is refused, and mails nothing more.
  const again = await post("register/start", { email, recoveryCode }, app);
  expectStatus(again, 401, "used code");
  assert.equal((await mailsTo(email, since, 0)).length, 1);
});

test("a reset by support mails its notice, without support's device", async () => {
  const { email, body } = await verifiedSignup("en");
  const since = w.sentMail().length;
  const r = await w.api("DELETE", `/api/v1/users/${body.user.id}/passkeys`, undefined, { key: app.apiKey, headers: { "user-agent": CHROME_WINDOWS } });
  expectStatus(r, 200, "operator reset");
  const [notice] = await mailsTo(email, since, 1);
  assert.equal(notice.subject, "Your Notice Shop passkeys were reset by support");
  assert.ok(/When: \d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(notice.text), notice.text);
  assert.ok(!notice.text.includes("Device:") && !notice.text.includes("Windows"), notice.text);
  // A second reset removes nothing and mails nothing.
  expectStatus(await w.api("DELETE", `/api/v1/users/${body.user.id}/passkeys`, undefined, { key: app.apiKey }), 200, "second reset");
  assert.equal((await mailsTo(email, since, 0)).length, 1);
});

test("no notice to an address nobody verified, and none for a refused ceremony", async () => {
  // Direct signup: the address was never confirmed.
  const email = uniqueEmail();
  const start = await post("signup/start", { email }, directApp);
  expectStatus(start, 200, "signup/start");
  const done = await post("signup/complete", new SoftAuthenticator().create(start.body, { origin: w.base }), directApp);
  expectStatus(done, 201, "signup/complete");
  const since = w.sentMail().length;
  expectStatus(await addPasskey(done.body.session.accessToken, directApp), 201, "register/complete");
  assert.equal((await mailsTo(email, since, 0)).length, 0, "no mail to an unverified address");

  // A verified user whose register/complete is refused (a credential made for another origin).
  const verified = await verifiedSignup("en");
  const since2 = w.sentMail().length;
  const s = await post("register/start", {}, app, { bearer: verified.body.session.accessToken });
  expectStatus(s, 200, "register/start");
  const bad = new SoftAuthenticator().create(s.body, { origin: "https://evil.example" });
  expectStatus(await post("register/complete", bad, app, { bearer: verified.body.session.accessToken }), 400, "refused register");
  assert.equal((await mailsTo(verified.email, since2, 0)).length, 0, "no notice for a refused ceremony");
});
