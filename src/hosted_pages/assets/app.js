// Authaz hosted pages: the sign-in page and the account page. Plain browser JavaScript, no
// framework, nothing loaded from elsewhere. The page's <body data-*> attributes carry what the
// Worker knows: the application, and on the sign-in page a checked hand-off (redirect_uri, state,
// code_challenge). Tokens live in sessionStorage of this origin only.
"use strict";

(() => {
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

  // One sentence for every error code of the contract (and a few of the browser's own).
  const MESSAGES = {
    invalid_request: "Something you entered was not accepted. Please check it and try again.",
    verification_failed: "Your passkey could not be verified. Please try again.",
    invalid_code: "That code is not right or has expired. Check it, or ask for a new one.",
    unauthorized: "Your session has ended. Please sign in again.",
    forbidden: "You are not allowed to do that.",
    passkey_disabled: `Passkeys are not turned on for ${APP_NAME} yet.`,
    direct_signup_disabled: `${APP_NAME} asks you to confirm your email first: use “Email me a code”.`,
    not_found: "That passkey no longer exists. The list has been refreshed.",
    app_not_found: "No application is set up at this address.",
    email_taken: "An account with this email already exists. Sign in with your passkey, or use a recovery code.",
    last_passkey: "This is your only passkey. Add another passkey before you remove this one, so you can still sign in.",
    challenge_expired: "That took too long. Please try again.",
    payload_too_large: "That request was too large. Please try again.",
    rate_limited: "Too many attempts.",
    internal: "Something went wrong on our side. Please try again in a moment.",
    network: "The server could not be reached. Check your connection and try again.",
  };

  // Where a code means something more specific than its general sentence.
  const CONTEXT_MESSAGES = {
    login: { verification_failed: `This passkey was not accepted by ${APP_NAME}. It may have been removed from your account.` },
    recover: { unauthorized: "That email and recovery code do not match an unused recovery code. Check both and try again." },
    signup: { unauthorized: "Your email confirmation has expired. Please ask for a new code.", invalid_code: "Your email confirmation has expired. Please ask for a new code." },
  };

  function describe(err, context) {
    if (err instanceof ApiError && err.code === "input") return err.message; // what was typed, said as is
    if (err instanceof ApiError) {
      const specific = CONTEXT_MESSAGES[context]?.[err.code];
      let text = specific ?? MESSAGES[err.code] ?? (err.message || MESSAGES.internal);
      if (err.code === "rate_limited") text += ` ${waitText(err.retryAfter)}`;
      return text;
    }
    // The browser's WebAuthn errors (DOMException names).
    switch (err?.name) {
      case "NotAllowedError":
        return "The passkey request was cancelled or timed out. Please try again.";
      case "InvalidStateError":
        return context === "create"
          ? "This device already holds a passkey for your account. Use another device or passkey provider."
          : "A passkey request is already open. Please finish or close it first.";
      case "SecurityError":
        return `Passkeys of ${APP_NAME} cannot be used on this address.`;
      case "NotSupportedError":
        return "This device or browser cannot create the kind of passkey this site needs.";
      case "UnsupportedBrowser":
        return "This browser does not support passkeys. Please use a current browser.";
      default:
        return MESSAGES.internal;
    }
  }

  function waitText(retryAfter) {
    const seconds = Number(retryAfter);
    if (!Number.isFinite(seconds) || seconds <= 0) return "Please wait a little and try again.";
    if (seconds < 90) return `Please wait ${Math.ceil(seconds)} seconds and try again.`;
    return `Please wait about ${Math.ceil(seconds / 60)} minutes and try again.`;
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
      const headers = { "X-Authaz-App": APP_ID };
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
    let res = await send();
    if (res.status === 401 && auth && (await refreshSession())) res = await send();
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    if (!res.ok) {
      if (res.status === 401 && auth) session.clear();
      throw new ApiError(res.status, data?.error?.code ?? "internal", data?.error?.message ?? "", res.headers.get("Retry-After"));
    }
    return data;
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
  let conditional = null;
  function abortConditional() {
    conditional?.abort();
    conditional = null;
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
      onFailure?.(err);
    } finally {
      if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
    }
  }
  let onFailure = null;

  const pageUrl = (path) => (new URLSearchParams(location.search).has("app") ? `${path}?app=${encodeURIComponent(APP_ID)}` : path);
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
    const text = `${APP_NAME} recovery codes\nEach code works once.\n\n${codes.join("\n")}\n`;
    $("copy-codes").onclick = async () => {
      try {
        await navigator.clipboard.writeText(text);
        say("Recovery codes copied.", "success");
      } catch {
        const range = document.createRange();
        range.selectNodeContents(list);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        say("Copying is blocked here: the codes are selected, copy them with your keyboard.", "info");
      }
    };
    $("download-codes").onclick = () => {
      const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = `${APP_NAME.replace(/[^\w-]+/g, "-")}-recovery-codes.txt`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      say("Recovery codes downloaded.", "success");
    };
  }

  // ---- the sign-in page -----------------------------------------------------------------------

  function signInPage() {
    const handOff = page.redirectUri
      ? {
          redirect_uri: page.redirectUri,
          ...(page.state ? { state: page.state } : {}),
          ...(page.codeChallenge ? { code_challenge: page.codeChallenge, code_challenge_method: "S256" } : {}),
        }
      : null;
    const views = [...document.querySelectorAll("[data-view]")];
    let current = null;
    let signup = null; // { email, displayName, verificationToken? }

    function show(name, { focus = true } = {}) {
      const previous = current;
      current = name;
      for (const view of views) view.hidden = view.dataset.view !== name;
      const view = views.find((v) => v.dataset.view === name);
      $("title").textContent = view.dataset.title;
      document.title = `${view.dataset.title} · ${APP_NAME}`;
      if (focus) (view.querySelector("input:not([type=hidden]), button") ?? $("title")).focus();
      // Coming back from "busy" means a sign-in just failed: autofill is restarted by the failure
      // handler of a button's sign-in, never by its own (it would fail again at once).
      if (name === "sign-in" && previous !== "sign-in" && previous !== "busy") startAutofill();
      if (name !== "sign-in" && name !== "busy") abortConditional();
    }
    onFailure = () => {
      if (current === "busy") show(returnTo, { focus: false });
      if (current === "sign-in" && !conditional) startAutofill();
    };
    let returnTo = "sign-in";
    const busy = (text) => {
      returnTo = current === "busy" ? returnTo : current;
      $("busy-text").textContent = text;
      show("busy", { focus: false });
    };

    async function finishSignIn(user, tokens) {
      session.save(tokens, user);
      busy(handOff || page.oidcRequest ? `Returning you to ${APP_NAME}…` : "Signed in. Opening your account…");
      if (page.oidcRequest) {
        // The page is the UI of an OpenID Connect authorization request: the Worker answers
        // where to send the browser (the client's redirect URI with a code, or with an error).
        const { redirectTo } = await call("POST", "/oidc/authorize/complete", { request: page.oidcRequest }, { auth: true });
        location.replace(redirectTo);
      } else if (handOff) {
        const { redirectTo } = await call("POST", "/auth/authorize", handOff, { auth: true });
        location.replace(redirectTo);
      } else {
        location.replace(pageUrl("/account"));
      }
    }

    async function completeLogin(credential) {
      busy("Signing you in…");
      const result = await call("POST", `${P}/login/complete`, credentialJSON(credential));
      await finishSignIn(result.user, result.session);
    }

    async function signIn(body) {
      requireWebAuthn();
      abortConditional();
      const options = await call("POST", `${P}/login/start`, body);
      const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
      await completeLogin(credential);
    }

    async function startAutofill() {
      if (!window.PublicKeyCredential?.isConditionalMediationAvailable) return;
      if (!(await PublicKeyCredential.isConditionalMediationAvailable().catch(() => false))) return;
      // Meanwhile the person may have started another ceremony or left the view.
      if (current !== "sign-in" || document.querySelector("button[aria-busy]")) return;
      abortConditional();
      const controller = new AbortController();
      conditional = controller;
      try {
        const options = await call("POST", `${P}/login/start`, {});
        if (controller.signal.aborted) return;
        const credential = await navigator.credentials.get({
          publicKey: requestOptions(options), mediation: "conditional", signal: controller.signal,
        });
        if (controller.signal.aborted) return;
        conditional = null;
        await completeLogin(credential);
      } catch (err) {
        if (controller.signal.aborted || err?.name === "AbortError") return;
        if (conditional === controller) conditional = null;
        if (current === "busy") show("sign-in", { focus: false });
        // A passkey picked after its challenge expired: offer autofill again with a fresh one.
        if (err instanceof ApiError && err.code === "challenge_expired") setTimeout(startAutofill, 0);
        if (err?.name !== "NotAllowedError") say(describe(err, "login"), "error");
      }
    }

    async function createAccount(verificationToken) {
      const body = { email: signup.email, ...(signup.displayName ? { displayName: signup.displayName } : {}) };
      if (verificationToken) body.verificationToken = verificationToken;
      busy("Creating your passkey…");
      const result = await createPasskey({ path: `${P}/signup/start`, body }, `${P}/signup/complete`);
      session.save(result.session, result.user);
      showRecoveryCodes(result.recoveryCodes ?? []);
      show("recovery-codes");
    }

    function readSignup() {
      const email = field($("signup-email"), validEmail, "Please enter your email address.");
      const displayName = $("signup-name").value.trim();
      if (signup?.email !== email) signup = { email, displayName };
      signup.displayName = displayName;
    }

    async function requestCode() {
      await call("POST", `${P}/signup/verify-email/request`, { email: signup.email });
      $("code-email").textContent = signup.email;
      $("code-input").value = "";
      show("code");
      say(`Code sent to ${signup.email}.`, "success");
    }

    // Wiring.
    for (const link of document.querySelectorAll("[data-go]")) {
      link.addEventListener("click", () => { clearMessage(); show(link.dataset.go); });
    }
    $("passkey-button").addEventListener("click", (e) => run(e.currentTarget, "login", () => signIn({})));
    $("sign-in-form").addEventListener("submit", (e) => {
      e.preventDefault();
      run(e.submitter, "login", () => signIn({ email: field($("sign-in-email"), validEmail, "Please enter your email address, or use “Sign in with a passkey”.") }));
    });
    $("signup-form").addEventListener("submit", (e) => {
      e.preventDefault();
      run(e.submitter, "signup", async () => { readSignup(); await requestCode(); });
    });
    const direct = $("direct-signup");
    direct.hidden = page.directSignup !== "true";
    direct.addEventListener("click", () => run(direct, "create", async () => { readSignup(); await createAccount(null); }));
    $("code-form").addEventListener("submit", (e) => {
      e.preventDefault();
      run(e.submitter, "create", async () => {
        if (!signup.verificationToken) {
          const code = field($("code-input"), (c) => /^\d{6}$/.test(c), "Please enter the 6-digit code from the email.");
          try {
            const confirmed = await call("POST", `${P}/signup/verify-email/confirm`, { email: signup.email, code });
            signup.verificationToken = confirmed.verificationToken;
          } catch (err) {
            throw err instanceof ApiError && err.code === "invalid_code"
              ? new ApiError(400, "input", `${MESSAGES.invalid_code}`)
              : err;
          }
        }
        try {
          await createAccount(signup.verificationToken);
        } catch (err) {
          // A refused token cannot be used again: the next try needs a new code.
          if (err instanceof ApiError && ["invalid_code", "unauthorized", "invalid_request"].includes(err.code)) {
            signup.verificationToken = undefined;
            throw new ApiError(err.status, "input", describe(err, "signup"));
          }
          throw err;
        }
      });
    });
    $("resend-code").addEventListener("click", (e) => run(e.currentTarget, "signup", () => {
      signup.verificationToken = undefined;
      return requestCode();
    }));
    $("recover-form").addEventListener("submit", (e) => {
      e.preventDefault();
      run(e.submitter, "recover", async () => {
        const email = field($("recover-email"), validEmail, "Please enter your email address.");
        const recoveryCode = field($("recover-code"), (c) => c.length >= 8, "Please enter one of your recovery codes.");
        busy("Creating your new passkey…");
        const result = await createPasskey(
          { path: `${P}/register/start`, body: { email, recoveryCode } },
          `${P}/register/complete`,
          (credential) => ({ credential, email, recoveryCode }),
        );
        sessionStorage.setItem(NOTICE_KEY, "You signed in with a recovery code, which now no longer works. If few codes are left, create new ones below.");
        await finishSignIn({ email }, result.session);
      });
    });
    $("codes-done").addEventListener("click", (e) => run(e.currentTarget, "login", () => {
      const current = session.get();
      return finishSignIn(current?.user, current);
    }));

    if (!window.PublicKeyCredential) say(describe({ name: "UnsupportedBrowser" }), "error");
    show("sign-in", { focus: false });
  }

  // ---- the account page -----------------------------------------------------------------------

  function accountPage() {
    const signedIn = session.get();
    if (!signedIn) {
      location.replace(pageUrl("/sign-in"));
      return;
    }
    const leave = () => { session.clear(); location.replace(pageUrl("/sign-in")); };
    onFailure = (err) => { if (err instanceof ApiError && err.code === "unauthorized") setTimeout(leave, 1500); };
    if (signedIn.user?.email) $("signed-in-as").textContent = `Signed in as ${signedIn.user.email}`;

    const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    const when = (iso) => dateFormat.format(new Date(iso));
    const list = $("passkey-list");

    function syncState(p) {
      if (p.backedUp) return "Synced";
      if (p.backupEligible) return "Can sync, not backed up yet";
      return "This device only";
    }

    function item(passkey) {
      const li = $("passkey-item").content.firstElementChild.cloneNode(true);
      li.dataset.id = passkey.id;
      const name = li.querySelector(".passkey-name");
      name.textContent = passkey.name;
      const provider = passkey.authenticator || passkey.providerName;
      li.querySelector(".passkey-kind").textContent = [provider && provider !== passkey.name ? provider : null, syncState(passkey)].filter(Boolean).join(" · ");
      li.querySelector(".passkey-dates").textContent =
        `Created ${when(passkey.createdAt)} · ${passkey.lastUsedAt ? `Last used ${when(passkey.lastUsedAt)}` : "Not used to sign in yet"}`;
      const renameForm = li.querySelector(".rename-form");
      const renameInput = renameForm.querySelector("input");
      const confirm = li.querySelector(".remove-confirm");
      const actions = li.querySelector(".passkey-actions");
      const button = (action) => li.querySelector(`[data-action="${action}"]`);
      button("rename").setAttribute("aria-label", `Rename ${passkey.name}`);
      button("remove").setAttribute("aria-label", `Remove ${passkey.name}`);

      const closeAll = (focus) => {
        renameForm.hidden = true;
        confirm.hidden = true;
        actions.hidden = false;
        focus?.focus();
      };
      button("rename").addEventListener("click", () => {
        actions.hidden = true;
        renameForm.hidden = false;
        renameInput.value = passkey.name;
        renameInput.focus();
        renameInput.select();
      });
      button("cancel-rename").addEventListener("click", () => closeAll(button("rename")));
      renameForm.addEventListener("keydown", (e) => { if (e.key === "Escape") closeAll(button("rename")); });
      renameForm.addEventListener("submit", (e) => {
        e.preventDefault();
        run(e.submitter, "account", async () => {
          const newName = field(renameInput, (n) => n.length > 0 && n.length <= 64, "Please enter a name (up to 64 characters).");
          const result = await call("PATCH", `/api/v1/users/me/passkeys/${encodeURIComponent(passkey.id)}`, { name: newName }, { auth: true });
          const updated = item(result.passkey);
          li.replaceWith(updated);
          updated.querySelector('[data-action="rename"]').focus();
          say(`Renamed to “${result.passkey.name}”.`, "success");
        });
      });
      button("remove").addEventListener("click", () => {
        actions.hidden = true;
        li.querySelector(".remove-question").textContent = `Remove “${passkey.name}”? You will no longer be able to sign in with it.`;
        confirm.hidden = false;
        button("cancel-remove").focus();
      });
      button("cancel-remove").addEventListener("click", () => closeAll(button("remove")));
      confirm.addEventListener("keydown", (e) => { if (e.key === "Escape") closeAll(button("remove")); });
      button("confirm-remove").addEventListener("click", (e) => run(e.currentTarget, "account", async () => {
        try {
          await call("DELETE", `${P}/passkeys/${encodeURIComponent(passkey.id)}`, undefined, { auth: true });
        } catch (err) {
          closeAll(button("remove"));
          if (err instanceof ApiError && err.code === "not_found") await load();
          throw err;
        }
        li.remove();
        $("title").focus();
        say(`“${passkey.name}” was removed.`, "success");
      }));
      return li;
    }

    async function load() {
      const { passkeys } = await call("GET", "/api/v1/users/me/passkeys", undefined, { auth: true });
      list.replaceChildren(...passkeys.map(item));
      $("passkeys-loading").hidden = true;
    }

    $("add-passkey-form").addEventListener("submit", (e) => {
      e.preventDefault();
      run(e.submitter, "create", async () => {
        const name = $("new-passkey-name").value.trim();
        const result = await createPasskey(
          { path: `${P}/register/start`, body: {}, auth: true },
          `${P}/register/complete`,
          (credential) => (name ? { credential, name } : { credential }),
        );
        $("new-passkey-name").value = "";
        await load();
        say(`Passkey “${result.passkey.name}” added.`, "success");
      });
    });

    const askCodes = $("new-codes");
    askCodes.addEventListener("click", () => {
      askCodes.hidden = true;
      $("new-codes-confirm").hidden = false;
      $("new-codes-no").focus();
    });
    $("new-codes-no").addEventListener("click", () => {
      $("new-codes-confirm").hidden = true;
      askCodes.hidden = false;
      askCodes.focus();
    });
    $("new-codes-yes").addEventListener("click", (e) => run(e.currentTarget, "account", async () => {
      const { recoveryCodes } = await call("POST", "/api/v1/users/me/recovery-codes", {}, { auth: true });
      $("new-codes-confirm").hidden = true;
      askCodes.hidden = false;
      showRecoveryCodes(recoveryCodes);
      $("new-codes-panel").hidden = false;
      $("copy-codes").focus();
      say("New recovery codes created. Save them now: they are shown only once.", "success");
    }));

    $("sign-out").addEventListener("click", (e) => run(e.currentTarget, "account", async () => {
      try { await call("POST", "/auth/logout", undefined, { auth: true }); } catch { /* signed out either way */ }
      leave();
    }));

    run(null, "account", async () => {
      await load();
      const notice = sessionStorage.getItem(NOTICE_KEY);
      sessionStorage.removeItem(NOTICE_KEY);
      if (notice) say(notice, "info");
    });
  }

  if (!$("page-problem").hidden) return;
  if (page.page === "sign-in") signInPage();
  if (page.page === "account") accountPage();
})();
