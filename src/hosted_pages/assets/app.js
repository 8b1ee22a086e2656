// Authaz hosted pages: the sign-in page and the account page, built on what common.js shares.
// Plain browser JavaScript, no framework, nothing loaded from elsewhere. The page's <body data-*>
// attributes carry what the Worker knows: the application, and on the sign-in page a checked
// hand-off (redirect_uri, state, code_challenge). Tokens live in sessionStorage of this origin only.
"use strict";

(() => {
  const {
    signals, shared, page, APP_NAME, LANG, t, $, P, ApiError, describe, say, clearMessage, NOTICE_KEY, session, call, withRecentSignIn, reauthenticate, requestOptions, credentialJSON, requireWebAuthn, abortConditional, createPasskey, run, pageUrl, validEmail, field, showRecoveryCodes,
  } = window.AuthazPages;

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
    shared.onFailure = () => {
      if (current === "busy") show(returnTo, { focus: false });
      if (current === "sign-in" && !shared.conditional) startAutofill();
    };
    let returnTo = "sign-in";
    const busy = (text) => {
      returnTo = current === "busy" ? returnTo : current;
      $("busy-text").textContent = text;
      show("busy", { focus: false });
    };

    async function finishSignIn(user, tokens) {
      session.save(tokens, user);
      await signalPasskeys(user);
      busy(handOff || page.oidcRequest ? t("busy.returning", { app: APP_NAME }) : t("busy.opening_account"));
      if (page.oidcRequest) {
        // The page is the UI of an OpenID Connect authorization request: the Worker answers
        // where to send the browser (the client's redirect URI with a code, or with an error).
        const { redirectTo } = await withRecentSignIn(() => call("POST", "/oidc/authorize/complete", { request: page.oidcRequest }, { auth: true }));
        location.replace(redirectTo);
      } else if (handOff) {
        const { redirectTo } = await withRecentSignIn(() => call("POST", "/auth/authorize", handOff, { auth: true }));
        location.replace(redirectTo);
      } else {
        location.replace(pageUrl("/account"));
      }
    }

    async function completeLogin(credential) {
      busy(t("busy.signing_in"));
      let result;
      try {
        result = await call("POST", `${P}/login/complete`, credentialJSON(credential));
      } catch (err) {
        if (err instanceof ApiError && err.unknownCredential) signals.unknownCredential(credential.id);
        throw err;
      }
      await finishSignIn(result.user, result.session);
    }

    /** Tells the passkey provider the signed-in user's details and passkeys (where it listens). */
    async function signalPasskeys(user) {
      signals.currentUserDetails(user);
      if (!signals.canSignal("signalAllAcceptedCredentials")) return;
      try {
        const { passkeys } = await call("GET", "/api/v1/users/me/passkeys", undefined, { auth: true });
        signals.acceptedCredentials(user, passkeys);
      } catch { /* a courtesy: signing in goes on */ }
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
      shared.conditional = controller;
      try {
        const options = await call("POST", `${P}/login/start`, {});
        if (controller.signal.aborted) return;
        const credential = await navigator.credentials.get({
          publicKey: requestOptions(options), mediation: "conditional", signal: controller.signal,
        });
        if (controller.signal.aborted) return;
        shared.conditional = null;
        await completeLogin(credential);
      } catch (err) {
        if (controller.signal.aborted || err?.name === "AbortError") return;
        if (shared.conditional === controller) shared.conditional = null;
        if (current === "busy") show("sign-in", { focus: false });
        // A passkey picked after its challenge expired: offer autofill again with a fresh one.
        if (err instanceof ApiError && err.code === "challenge_expired") setTimeout(startAutofill, 0);
        if (err?.name !== "NotAllowedError") say(describe(err, "login"), "error");
      }
    }

    async function createAccount(verificationToken) {
      const body = { email: signup.email, ...(signup.displayName ? { displayName: signup.displayName } : {}) };
      if (verificationToken) body.verificationToken = verificationToken;
      busy(t("busy.creating_passkey"));
      const result = await createPasskey({ path: `${P}/signup/start`, body }, `${P}/signup/complete`);
      session.save(result.session, result.user);
      showRecoveryCodes(result.recoveryCodes ?? []);
      show("recovery-codes");
    }

    function readSignup() {
      const email = field($("signup-email"), validEmail, t("input.email"));
      const displayName = $("signup-name").value.trim();
      if (signup?.email !== email) signup = { email, displayName };
      signup.displayName = displayName;
    }

    async function requestCode() {
      await call("POST", `${P}/signup/verify-email/request`, { email: signup.email });
      $("code-email").textContent = signup.email;
      $("code-input").value = "";
      show("code");
      say(t("signup.code_sent", { email: signup.email }), "success");
    }

    // Wiring.
    for (const link of document.querySelectorAll("[data-go]")) {
      link.addEventListener("click", () => { clearMessage(); show(link.dataset.go); });
    }
    $("passkey-button").addEventListener("click", (e) => run(e.currentTarget, "login", () => signIn({})));
    $("sign-in-form").addEventListener("submit", (e) => {
      e.preventDefault();
      run(e.submitter, "login", () => signIn({ email: field($("sign-in-email"), validEmail, t("input.email_or_passkey")) }));
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
          const code = field($("code-input"), (c) => /^\d{6}$/.test(c), t("input.code"));
          try {
            const confirmed = await call("POST", `${P}/signup/verify-email/confirm`, { email: signup.email, code });
            signup.verificationToken = confirmed.verificationToken;
          } catch (err) {
            throw err instanceof ApiError && err.code === "invalid_code"
              ? new ApiError(400, "input", t("error.invalid_code"))
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
        const email = field($("recover-email"), validEmail, t("input.email"));
        const recoveryCode = field($("recover-code"), (c) => c.length >= 8, t("input.recovery_code"));
        busy(t("busy.creating_new_passkey"));
        const result = await createPasskey(
          { path: `${P}/register/start`, body: { email, recoveryCode } },
          `${P}/register/complete`,
          (credential) => ({ credential, email, recoveryCode }),
        );
        sessionStorage.setItem(NOTICE_KEY, "account.recovery_notice");
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
    shared.onFailure = (err) => { if (err instanceof ApiError && err.code === "unauthorized") setTimeout(leave, 1500); };
    if (signedIn.user?.email) $("signed-in-as").textContent = t("account.signed_in_as", { email: signedIn.user.email });

    const dateFormat = new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeStyle: "short" });
    const when = (iso) => dateFormat.format(new Date(iso));
    const list = $("passkey-list");
    let shown = []; // the passkeys listed, as the server answered them

    function syncState(p) {
      if (p.backedUp) return t("account.synced");
      if (p.backupEligible) return t("account.can_sync");
      return t("account.device_only");
    }

    function item(passkey) {
      const li = $("passkey-item").content.firstElementChild.cloneNode(true);
      li.dataset.id = passkey.id;
      const name = li.querySelector(".passkey-name");
      name.textContent = passkey.name;
      // The model (FIDO Metadata Service, else the passkey provider) and its icon, when known.
      const model = passkey.authenticator?.name;
      li.querySelector(".passkey-kind").textContent = [model && model !== passkey.name ? model : null, syncState(passkey)].filter(Boolean).join(" · ");
      const icon = li.querySelector(".passkey-icon");
      if (typeof passkey.authenticator?.icon === "string" && passkey.authenticator.icon.startsWith("data:image/")) {
        icon.src = passkey.authenticator.icon;
        icon.alt = model ?? "";
        icon.hidden = false;
      }
      li.querySelector(".passkey-dates").textContent =
        `${t("account.created", { date: when(passkey.createdAt) })} · ${passkey.lastUsedAt ? t("account.last_used", { date: when(passkey.lastUsedAt) }) : t("account.not_used")}`;
      const renameForm = li.querySelector(".rename-form");
      const renameInput = renameForm.querySelector("input");
      const confirm = li.querySelector(".remove-confirm");
      const actions = li.querySelector(".passkey-actions");
      const button = (action) => li.querySelector(`[data-action="${action}"]`);
      button("rename").setAttribute("aria-label", t("account.rename_label", { name: passkey.name }));
      button("remove").setAttribute("aria-label", t("account.remove_label", { name: passkey.name }));

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
          const newName = field(renameInput, (n) => n.length > 0 && n.length <= 64, t("input.passkey_name"));
          const result = await call("PATCH", `/api/v1/users/me/passkeys/${encodeURIComponent(passkey.id)}`, { name: newName }, { auth: true });
          const updated = item(result.passkey);
          li.replaceWith(updated);
          updated.querySelector('[data-action="rename"]').focus();
          say(t("account.renamed", { name: result.passkey.name }), "success");
        });
      });
      button("remove").addEventListener("click", () => {
        actions.hidden = true;
        li.querySelector(".remove-question").textContent = t("account.remove_question", { name: passkey.name });
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
        shown = shown.filter((p) => p.id !== passkey.id);
        signals.acceptedCredentials(session.get()?.user, shown);
        $("title").focus();
        say(t("account.removed", { name: passkey.name }), "success");
      }));
      return li;
    }

    async function load() {
      const { passkeys } = await call("GET", "/api/v1/users/me/passkeys", undefined, { auth: true });
      shown = passkeys;
      list.replaceChildren(...passkeys.map(item));
      signals.acceptedCredentials(session.get()?.user, passkeys);
      $("passkeys-loading").hidden = true;
    }

    $("add-passkey-form").addEventListener("submit", (e) => {
      e.preventDefault();
      run(e.submitter, "create", async () => {
        const name = $("new-passkey-name").value.trim();
        const result = await withRecentSignIn(() => createPasskey(
          { path: `${P}/register/start`, body: {}, auth: true },
          `${P}/register/complete`,
          (credential) => (name ? { credential, name } : { credential }),
        ));
        $("new-passkey-name").value = "";
        await load();
        say(t("account.added", { name: result.passkey.name }), "success");
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
      const { recoveryCodes } = await withRecentSignIn(() => call("POST", "/api/v1/users/me/recovery-codes", {}, { auth: true }));
      $("new-codes-confirm").hidden = true;
      askCodes.hidden = false;
      showRecoveryCodes(recoveryCodes);
      $("new-codes-panel").hidden = false;
      $("copy-codes").focus();
      say(t("account.new_codes_created"), "success");
    }));

    // ---- where the user is signed in ----

    // "Chrome on Windows" from a User-Agent, as the security notices say it; null when unknown.
    function device(ua) {
      if (!ua) return null;
      const has = (s) => ua.includes(s);
      const browser = has("Edg/") ? "Edge" : has("OPR/") ? "Opera" : has("Firefox/") || has("FxiOS/") ? "Firefox"
        : has("Chrome/") || has("CriOS/") ? "Chrome" : has("Safari/") && has("Version/") ? "Safari" : null;
      const os = has("Windows") ? "Windows" : has("Android") ? "Android" : has("iPhone") ? "iOS" : has("iPad") ? "iPadOS"
        : has("Mac OS X") ? "macOS" : has("CrOS") ? "ChromeOS" : has("Linux") ? "Linux" : null;
      return browser && os ? t("account.device_of", { browser, os }) : null;
    }

    function sessionItem(s) {
      const li = $("session-item").content.firstElementChild.cloneNode(true);
      li.dataset.id = s.id;
      const name = device(s.userAgent) ?? t("account.unknown_device");
      li.querySelector(".session-device").textContent = s.current ? t("account.this_session", { device: name }) : name;
      const active = s.lastRefreshedAt ?? s.createdAt;
      li.querySelector(".session-dates").textContent =
        [t("account.session_signed_in", { date: when(s.createdAt) }), t("account.session_active", { date: when(active) }), s.ip].filter(Boolean).join(" · ");
      const end = li.querySelector('[data-action="end"]');
      end.setAttribute("aria-label", t("account.end_session_label", { device: name }));
      end.addEventListener("click", () => run(end, "account", async () => {
        await call("DELETE", `/api/v1/users/me/sessions/${encodeURIComponent(s.id)}`, undefined, { auth: true });
        if (s.current) return leave();
        li.remove();
        say(t("account.session_ended", { device: name }), "success");
      }));
      return li;
    }

    async function loadSessions() {
      const { sessions } = await call("GET", "/api/v1/users/me/sessions", undefined, { auth: true });
      $("session-list").replaceChildren(...sessions.map(sessionItem));
    }

    // ---- the email ----

    const showEmail = (email) => { $("current-email").textContent = email ? t("account.email_current", { email }) : ""; };
    showEmail(signedIn.user?.email);
    let newEmail = "";
    const emailForm = $("email-form");
    const codeForm = $("email-code-form");
    emailForm.addEventListener("submit", (e) => {
      e.preventDefault();
      run(e.submitter, "email", async () => {
        newEmail = field($("new-email"), validEmail, t("input.email"));
        await call("POST", "/api/v1/users/me/email", { email: newEmail }, { auth: true });
        $("email-code-sent").textContent = t("account.email_code_sent", { email: newEmail });
        emailForm.hidden = true;
        codeForm.hidden = false;
        $("email-code").value = "";
        $("email-code").focus();
      });
    });
    $("email-code-cancel").addEventListener("click", () => {
      codeForm.hidden = true;
      emailForm.hidden = false;
      $("new-email").focus();
    });
    codeForm.addEventListener("submit", (e) => {
      e.preventDefault();
      run(e.submitter, "email", async () => {
        const code = field($("email-code"), (c) => /^\d{6}$/.test(c), t("input.code"));
        const { user } = await call("POST", "/api/v1/users/me/email/confirm", { code }, { auth: true });
        const current = session.get();
        if (current) session.save(current, user);
        signals.currentUserDetails(user);
        showEmail(user.email);
        $("signed-in-as").textContent = t("account.signed_in_as", { email: user.email });
        codeForm.hidden = true;
        emailForm.hidden = false;
        $("new-email").value = "";
        say(t("account.email_changed", { email: user.email }), "success");
      });
    });

    // ---- deleting the account: only right after a passkey sign-in made for it ----

    const askDelete = $("delete-account");
    askDelete.addEventListener("click", () => {
      askDelete.hidden = true;
      $("delete-confirm").hidden = false;
      $("delete-no").focus();
    });
    $("delete-no").addEventListener("click", () => {
      $("delete-confirm").hidden = true;
      askDelete.hidden = false;
      askDelete.focus();
    });
    $("delete-yes").addEventListener("click", (e) => run(e.currentTarget, "account", async () => {
      await reauthenticate("reauth");
      await call("DELETE", "/api/v1/users/me", undefined, { auth: true });
      session.clear();
      $("page-main").hidden = true;
      say(t("account.deleted"), "success");
    }));

    $("sign-out").addEventListener("click", (e) => run(e.currentTarget, "account", async () => {
      try { await call("POST", "/auth/logout", undefined, { auth: true }); } catch { /* signed out either way */ }
      leave();
    }));

    run(null, "account", async () => {
      await Promise.all([load(), loadSessions()]);
      const notice = sessionStorage.getItem(NOTICE_KEY);
      sessionStorage.removeItem(NOTICE_KEY);
      if (notice) say(t(notice), "info");
    });
  }

  if (!$("page-problem").hidden) return;
  if (page.page === "sign-in") signInPage();
  if (page.page === "account") accountPage();
})();
