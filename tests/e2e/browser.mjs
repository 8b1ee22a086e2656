// A real browser for the end-to-end tests: Debian's Chromium driven by playwright-core, with the
// CDP WebAuthn virtual authenticator, and the two ways a web page runs a ceremony:
//   - "native":         PublicKeyCredential.parse{Creation,Request}OptionsFromJSON + credential.toJSON()
//   - "simplewebauthn": @simplewebauthn/browser's startRegistration / startAuthentication, put into
//                       the page from node_modules (never from a CDN)
//
//   const browser = await launchBrowser();
//   const device = await openDevice(browser, `${worker.base}/healthz`);   // a page + authenticator
//   const other = await openDevice(browser, otherOriginUrl);   // any page of another origin
//   const r = await device.ceremony({ via: "native", kind: "create", start: {...}, complete: {...} });
//   await browser.close();
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ROOT } from "./harness.mjs";

export const CHROMIUM = process.env.AUTHAZ_CHROMIUM ?? "/usr/bin/chromium";
export const VIAS = ["native", "simplewebauthn"];

const SIMPLEWEBAUTHN_BUNDLE = join(ROOT, "node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js");

/**
 * Starts Chromium headless; Playwright gives it a fresh profile directory and removes it on close.
 * `args`: more command-line switches (e.g. --host-resolver-rules for a test's own host names).
 */
export async function launchBrowser({ args = [] } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/setup.sh\` (installs Debian's chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ...args,
    ],
  });
}

/**
 * Opens `url` in a browser context of its own (one person's browser) with a CDP virtual
 * authenticator: a "device" that holds passkeys. Authenticator options (CDP
 * WebAuthn.VirtualAuthenticatorOptions) default to a platform authenticator with resident keys
 * and user verification that succeeds. `contextOptions`: Playwright's browser context options
 * (viewport, deviceScaleFactor, locale...).
 */
export async function openDevice(browser, url, authenticator = {}, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const device = await attachDevice(await context.newPage(), url, authenticator);
  device.close = () => context.close();
  return device;
}

async function attachDevice(page, url, authenticator) {
  await page.goto(url);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      ctap2Version: "ctap2_1",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...authenticator,
    },
  });
  const device = {
    page, cdp, authenticatorId,
    /** Whether the next user verification succeeds. */
    setUserVerified: (isUserVerified) => cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified }),
    /** Makes the authenticator lie in its answers: { isBadUV, isBadUP, isBogusSignature }. */
    setResponseOverrideBits: (bits) => cdp.send("WebAuthn.setResponseOverrideBits", { authenticatorId, ...bits }),
    /** The credentials the authenticator holds (CDP WebAuthn.Credential). */
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
    removeCredential: (credentialId) => cdp.send("WebAuthn.removeCredential", { authenticatorId, credentialId }),
    /** fetch() from the page (same origin as the page); answers { status, body, headers }. */
    fetch: (method, path, body, headers = {}) => pageFetch(page, method, path, body, headers),
    /** Runs navigator.credentials.create/get on `optionsJSON` and answers the credential's JSON. */
    async credential(kind, optionsJSON, via = "native") {
      if (via === "simplewebauthn" && !(await page.evaluate(() => "SimpleWebAuthnBrowser" in globalThis))) {
        await page.addScriptTag({ content: readFileSync(SIMPLEWEBAUTHN_BUNDLE, "utf8") });
      }
      return page.evaluate(runInPage, { kind, optionsJSON, via });
    },
    /**
     * A whole ceremony from the page: POST start, create/get the credential, POST complete.
     * start: { path, body }, complete: { path, wrap?: (credential) => body }, headers for both.
     * Answers { start, credential, complete } (each response as { status, body, headers }).
     */
    async ceremony({ via = "native", kind, start, complete, headers = {} }) {
      const started = await device.fetch("POST", start.path, start.body ?? {}, headers);
      if (started.status !== 200) return { start: started };
      const credential = await device.credential(kind, started.body, via);
      if (credential.error) return { start: started, credential };
      const body = complete.wrap ? complete.wrap(credential) : credential;
      const completed = await device.fetch("POST", complete.path, body, headers);
      return { start: started, credential, complete: completed };
    },
  };
  return device;
}

async function pageFetch(page, method, path, body, headers) {
  return page.evaluate(async ({ method, path, body, headers }) => {
    const init = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch {}
    return { status: res.status, body: json, text, headers: Object.fromEntries(res.headers) };
  }, { method, path, body, headers });
}

/** Runs in the page: one WebAuthn call, answered as JSON or as { error: { name, message } }. */
async function runInPage({ kind, optionsJSON, via }) {
  try {
    if (via === "simplewebauthn") {
      const lib = globalThis.SimpleWebAuthnBrowser;
      return kind === "create"
        ? await lib.startRegistration({ optionsJSON })
        : await lib.startAuthentication({ optionsJSON });
    }
    if (kind === "create") {
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(optionsJSON);
      return (await navigator.credentials.create({ publicKey })).toJSON();
    }
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(optionsJSON);
    return (await navigator.credentials.get({ publicKey })).toJSON();
  } catch (e) {
    return { error: { name: e?.name ?? "Error", message: String(e?.message ?? e) } };
  }
}
