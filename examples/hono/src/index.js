// A small Hono app on Workers that signs its users in with the Authaz Edge OpenID provider,
// through openid-client (a standard OIDC library): discovery, authorization code + PKCE, the ID
// token checked against the provider's JWKS, then a signed cookie of this app's own. No code
// of the provider's is needed: the sign-in UI is the provider's hosted passkey page.
import { Hono } from "hono";
import { html } from "hono/html";
import { getSignedCookie, setSignedCookie, deleteCookie } from "hono/cookie";
import * as oidc from "openid-client";

const app = new Hono();

/** The provider's configuration, discovered once per isolate. */
let discovered;
function provider(env) {
  discovered ??= oidc
    .discovery(new URL(env.OIDC_ISSUER), env.OIDC_CLIENT_ID, undefined, oidc.ClientSecretBasic(env.OIDC_CLIENT_SECRET), {
      // Only for a provider on http://localhost while developing.
      execute: env.OIDC_ISSUER.startsWith("http://localhost") ? [oidc.allowInsecureRequests] : [],
    })
    .catch((err) => {
      discovered = undefined;
      throw err;
    });
  return discovered;
}

const cookie = { path: "/", httpOnly: true, sameSite: "Lax", secure: false, maxAge: 3600 };
const page = (body) => html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hono + Authaz</title></head><body>${body}</body></html>`;

app.get("/", async (c) => {
  const session = await getSignedCookie(c, c.env.COOKIE_SECRET, "session");
  if (!session) return c.html(page(html`<h1>Hono example</h1><p>You are not signed in.</p><a href="/login">Sign in</a>`));
  const who = JSON.parse(session);
  return c.html(page(html`<h1>Hono example</h1><p id="who">Signed in as ${who.email}</p><p>User id: <code>${who.sub}</code></p><a href="/logout">Sign out</a>`));
});

app.get("/login", async (c) => {
  const config = await provider(c.env);
  const verifier = oidc.randomPKCECodeVerifier();
  const flow = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce() };
  await setSignedCookie(c, "flow", JSON.stringify(flow), c.env.COOKIE_SECRET, { ...cookie, maxAge: 600 });
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: new URL("/callback", c.req.url).href,
    scope: "openid email profile",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: flow.state,
    nonce: flow.nonce,
  });
  return c.redirect(url.href);
});

app.get("/callback", async (c) => {
  const config = await provider(c.env);
  const flow = JSON.parse((await getSignedCookie(c, c.env.COOKIE_SECRET, "flow")) || "null");
  if (!flow) return c.text("This sign-in has expired; start again.", 400);
  deleteCookie(c, "flow", { path: "/" });
  const tokens = await oidc.authorizationCodeGrant(config, new URL(c.req.url), {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  await setSignedCookie(c, "session", JSON.stringify({ sub: claims.sub, email: claims.email, idToken: tokens.id_token }), c.env.COOKIE_SECRET, cookie);
  return c.redirect("/");
});

app.get("/logout", async (c) => {
  const config = await provider(c.env);
  const session = JSON.parse((await getSignedCookie(c, c.env.COOKIE_SECRET, "session")) || "null");
  deleteCookie(c, "session", { path: "/" });
  if (!session) return c.redirect("/");
  const end = oidc.buildEndSessionUrl(config, { id_token_hint: session.idToken, post_logout_redirect_uri: new URL("/", c.req.url).href });
  return c.redirect(end.href);
});

app.onError((err, c) => c.text(`Sign-in failed: ${err.message}`, 400));

export default app;
