// Authaz hosted pages, the part both pages share: messages, the tab's session, the JSON API,
// WebAuthn in the browser, form helpers and the recovery-codes panel, handed to app.js as
// window.AuthazPages. Plain browser JavaScript, no framework, nothing loaded from elsewhere.
"use strict";

window.AuthazPages = (() => {
  /** What the pages change as they go: the pending passkey autofill, and what a failure does. */
  const shared = { conditional: null, onFailure: null };
  const page = document.body.dataset;
  const APP_ID = page.appId || "";
  const APP_NAME = page.appName || "";
  const $ = (id) => document.getElementById(id);
  const P = "/auth/passkey-provider";

  // ---- errors and messages -------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message, retryAfter) {
      super(message);
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
    }
  }

  // The page's words: its language's catalogue, which the Worker embeds as a JSON data block
  // (src/i18n/catalogues/pages/). `t(key, {name: value})` fills in `{name}`s.
  const LANG = document.documentElement.lang || "en";
  let strings = {};
  try { strings = JSON.parse($("authaz-strings")?.textContent || "{}"); } catch { /* keys are shown */ }
  const t = (key, values = {}) => (strings[key] ?? key).replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
  const app = { app: APP_NAME };

  function describe(err, context) {
    if (err instanceof ApiError && err.code === "input") return err.message; // what was typed, said as is
    if (err instanceof ApiError) {
      // Where a code means something more specific than its general sentence: `error.<context>.<code>`.
      const known = (key) => (key in strings ? t(key, app) : null);
      let text = known(`error.${context}.${err.code}`) ?? known(`error.${err.code}`) ?? (err.message || t("error.internal"));
      if (err.code === "rate_limited") text += ` ${waitText(err.retryAfter)}`;
      return text;
    }
    // The browser's WebAuthn errors (DOMException names).
    switch (err?.name) {
      case "NotAllowedError":
        return t("error.webauthn.not_allowed");
      case "InvalidStateError":
        return t(context === "create" ? "error.webauthn.already_registered" : "error.webauthn.pending");
      case "SecurityError":
        return t("error.webauthn.security", app);
      case "NotSupportedError":
        return t("error.webauthn.not_supported");
      case "UnsupportedBrowser":
        return t("error.webauthn.unsupported_browser");
      default:
        return t("error.internal");
    }
  }

  function waitText(retryAfter) {
    const seconds = Number(retryAfter);
    if (!Number.isFinite(seconds) || seconds <= 0) return t("wait.little");
    if (seconds < 90) return t("wait.seconds", { seconds: Math.ceil(seconds) });
    return t("wait.minutes", { minutes: Math.ceil(seconds / 60) });
  }

  function say(text, kind = "info") {
    const el = $("message");
    el.textContent = text;
    el.className = `message ${kind}`;
    el.setAttribute("role", kind === "error" ? "alert" : "status");
  }
  const clearMessage = () => say("", "info");

  // ---- the session of this tab ---------------------------------------------------------------

  const SESSION_KEY = `authaz:${APP_ID}:session`;
  const NOTICE_KEY = `authaz:${APP_ID}:notice`;
  const session = {
    get() {
      try { return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null"); } catch { return null; }
    },
    save(tokens, user) {
      const previous = session.get();
      sessionStorage.setItem(SESSION_KEY, JSON.stringify({
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        user: user ?? previous?.user ?? null,
      }));
    },
    clear: () => sessionStorage.removeItem(SESSION_KEY),
  };

  let refreshing = null;
  function refreshSession() {
    refreshing ??= (async () => {
      const current = session.get();
      if (!current?.refreshToken) return false;
      try {
        const result = await call("POST", "/auth/token/refresh", { refreshToken: current.refreshToken });
        session.save(result.session);
        return true;
      } catch {
        session.clear();
        return false;
      }
    })().finally(() => { refreshing = null; });
    return refreshing;
  }

  // ---- the JSON API ---------------------------------------------------------------------------

  async function call(method, path, body, { auth = false } = {}) {
    const send = () => {
      // The page's language: mail the Worker sends for this request is written in it.
      const headers = { "X-Authaz-App": APP_ID, "Accept-Language": LANG };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (auth) {
        const current = session.get();
        if (!current) throw new ApiError(401, "unauthorized", "not signed in");
        headers.Authorization = `Bearer ${current.accessToken}`;
      }
      return fetch(path, {
        method, headers, cache: "no-store", credentials: "omit",
        body: body === undefined ? undefined : JSON.stringify(body),
      }).catch(() => { throw new ApiError(0, "network", "network error"); });
    };
    const read = async (res) => {
      const text = await res.text();
      try { return text ? JSON.parse(text) : null; } catch { return null; /* not JSON */ }
    };
    let res = await send();
    let data = await read(res);
    // A session too old for this (reauthentication_required) is still a session: neither a
    // refresh (it keeps the session's sign-in time) nor signing out helps; a passkey sign-in does.
    const stale = (r, d) => r.status === 401 && d?.error?.code !== "reauthentication_required";
    if (stale(res, data) && auth && (await refreshSession())) {
      res = await send();
      data = await read(res);
    }
    if (!res.ok) {
      if (stale(res, data) && auth) session.clear();
      const err = new ApiError(res.status, data?.error?.code ?? "internal", data?.error?.message ?? "", res.headers.get("Retry-After"));
      // login/complete refused a passkey the application does not know (removed, say).
      err.unknownCredential = data?.error?.unknownCredential === true;
      throw err;
    }
    return data;
  }

  /**
   * A passkey sign-in of the signed-in user, for a fresh session (answers nothing); with
   * `purpose` "reauth", a session that may delete the account.
   */
  async function reauthenticate(purpose) {
    requireWebAuthn();
    abortConditional();
    const email = session.get()?.user?.email;
    const options = await call("POST", `${P}/login/start`, { ...(email ? { email } : {}), ...(purpose ? { purpose } : {}) });
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    const result = await call("POST", `${P}/login/complete`, credentialJSON(credential));
    session.save(result.session, result.user);
  }

  /**
   * Runs `action`; when the server wants a recent passkey sign-in first
   * (401 reauthentication_required), asks for one and runs `action` again.
   */
  async function withRecentSignIn(action) {
    try {
      return await action();
    } catch (err) {
      if (!(err instanceof ApiError && err.code === "reauthentication_required")) throw err;
      say(t("error.reauthentication_required"), "info");
      await reauthenticate();
      clearMessage();
      return action();
    }
  }

  // ---- WebAuthn: the browser's JSON API, with a small converter where it is missing -----------

  const b64url = {
    decode(text) {
      const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
      return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
    },
    encode(buffer) {
      let binary = "";
      for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
      return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    },
  };
  const withIds = (list) => (list ?? []).map((c) => ({ ...c, id: b64url.decode(c.id) }));

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return {
      ...json,
      challenge: b64url.decode(json.challenge),
      user: { ...json.user, id: b64url.decode(json.user.id) },
      excludeCredentials: withIds(json.excludeCredentials),
    };
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return { ...json, challenge: b64url.decode(json.challenge), allowCredentials: withIds(json.allowCredentials) };
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    const r = credential.response;
    const response = { clientDataJSON: b64url.encode(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = b64url.encode(r.attestationObject);
      response.transports = r.getTransports?.() ?? [];
      const authenticatorData = r.getAuthenticatorData?.();
      if (authenticatorData) response.authenticatorData = b64url.encode(authenticatorData);
      const publicKey = r.getPublicKey?.();
      if (publicKey) response.publicKey = b64url.encode(publicKey);
      const algorithm = r.getPublicKeyAlgorithm?.();
      if (algorithm !== undefined) response.publicKeyAlgorithm = algorithm;
    } else {
      response.authenticatorData = b64url.encode(r.authenticatorData);
      response.signature = b64url.encode(r.signature);
      if (r.userHandle) response.userHandle = b64url.encode(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: b64url.encode(credential.rawId),
      type: credential.type,
      response,
      authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
      clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
    };
  }

  function requireWebAuthn() {
    if (!window.PublicKeyCredential || !navigator.credentials) {
      throw Object.assign(new Error("no WebAuthn"), { name: "UnsupportedBrowser" });
    }
  }

  // Passkey autofill: a conditional request that waits for the person to pick a passkey in the
  // email field's suggestions. Any other ceremony aborts it first (a browser runs one at a time).
  function abortConditional() {
    shared.conditional?.abort();
    shared.conditional = null;
  }

  /** start: { path, body, auth }; answers the body of .../complete. */
  async function createPasskey(start, complete, wrap = (credential) => credential) {
    requireWebAuthn();
    abortConditional();
    const options = await call("POST", start.path, start.body, { auth: start.auth });
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
    return call("POST", complete, wrap(credentialJSON(credential)), { auth: start.auth });
  }

  // ---- small helpers for forms ----------------------------------------------------------------

  /** Runs an action with its button disabled; shows any failure in the message area. */
  async function run(button, context, action) {
    if (button?.disabled) return;
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
    clearMessage();
    try {
      await action();
    } catch (err) {
      if (err?.name === "AbortError") return;
      say(describe(err, context), "error");
      shared.onFailure?.(err);
    } finally {
      if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
    }
  }

  // Another hosted page, keeping the app named in the query and a language chosen there.
  const pageUrl = (path) => {
    const query = new URLSearchParams(location.search);
    const next = new URLSearchParams();
    if (query.has("app")) next.set("app", APP_ID);
    if (query.has("lang") || query.has("ui_locales")) next.set("lang", LANG);
    const text = next.toString();
    return text ? `${path}?${text}` : path;
  };
  const validEmail = (email) => /^[^\s@]+@[^\s@]+$/.test(email);

  /** The trimmed value of an input, or an "input" error that names the problem and focuses it. */
  function field(input, check, problem) {
    const value = input.value.trim();
    if (!check(value)) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
      throw new ApiError(400, "input", problem);
    }
    input.removeAttribute("aria-invalid");
    return value;
  }

  // ---- recovery codes panel (both pages) ------------------------------------------------------

  function showRecoveryCodes(codes) {
    const list = $("recovery-codes-list");
    list.replaceChildren(...codes.map((code) => {
      const item = document.createElement("li");
      item.textContent = code;
      return item;
    }));
    const text = `${t("codes.file_title", app)}\n${t("codes.file_note")}\n\n${codes.join("\n")}\n`;
    $("copy-codes").onclick = async () => {
      try {
        await navigator.clipboard.writeText(text);
        say(t("codes.copied"), "success");
      } catch {
        const range = document.createRange();
        range.selectNodeContents(list);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        say(t("codes.copy_blocked"), "info");
      }
    };
    $("download-codes").onclick = () => {
      const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = `${APP_NAME.replace(/[^\w-]+/g, "-")}-${t("codes.file_name")}.txt`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      say(t("codes.downloaded"), "success");
    };
  }

  // ---- the WebAuthn Signal API: telling the passkey provider what the server knows ------------
  // Feature-detected (browsers without it get nothing); a signal is a courtesy and never fails the
  // page. The full list of a user's passkeys only: a partial one would hide the others.

  const RP_ID = page.rpId || "";
  const canSignal = (name) => typeof window.PublicKeyCredential?.[name] === "function" && RP_ID !== "";
  function signal(name, options) {
    if (!canSignal(name)) return;
    try {
      Promise.resolve(PublicKeyCredential[name]({ rpId: RP_ID, ...options })).catch(() => {});
    } catch { /* refused by the browser: nothing to do */ }
  }
  const signals = {
    canSignal,
    /** The passkey `credentialId` (base64url) is not known to the application. */
    unknownCredential(credentialId) {
      if (credentialId) signal("signalUnknownCredential", { credentialId });
    },
    /** `passkeys` is the user's whole list (GET /api/v1/users/me/passkeys). */
    acceptedCredentials(user, passkeys) {
      if (!user?.webauthnUserId || !Array.isArray(passkeys) || passkeys.some((p) => !p.credentialId)) return;
      signal("signalAllAcceptedCredentials", { userId: user.webauthnUserId, allAcceptedCredentialIds: passkeys.map((p) => p.credentialId) });
    },
    /** The user's current email (the passkey's name) and display name. */
    currentUserDetails(user) {
      if (!user?.webauthnUserId || !user.email) return;
      signal("signalCurrentUserDetails", { userId: user.webauthnUserId, name: user.email, displayName: user.displayName || user.email });
    },
  };

  // ---- branding: the application's primary colour, with a readable text colour on it --------

  const color = /^#[0-9a-f]{6}$/i.test(page.primaryColor || "") ? page.primaryColor : null;
  if (color) {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(color.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    const style = document.documentElement.style;
    style.setProperty("--accent", color);
    style.setProperty("--accent-hover", color);
    // Black or white, whichever contrasts more (WCAG relative luminance).
    style.setProperty("--accent-text", luminance > 0.179 ? "#000000" : "#ffffff");
  }

  return Object.freeze({ signals, shared, page, APP_NAME, LANG, t, $, P, ApiError, describe, say, clearMessage, NOTICE_KEY, session, call, withRecentSignIn, reauthenticate, requestOptions, credentialJSON, requireWebAuthn, abortConditional, createPasskey, run, pageUrl, validEmail, field, showRecoveryCodes });
})();
