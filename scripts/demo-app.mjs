// Waits for the local Worker, then creates the demo application once (its id is kept in
// .wrangler/demo-app.json) and prints what a developer needs.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const base = process.argv[2] ?? "http://localhost:8787";
const adminKey = /AUTHAZ_ADMIN_KEY="([^"]+)"/.exec(readFileSync(".dev.vars", "utf8"))?.[1];
const statePath = ".wrangler/demo-app.json";

async function waitForWorker() {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Worker did not answer at ${base}/healthz`);
}

async function api(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json", "x-api-key": adminKey },
    body: body && JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

await waitForWorker();
let state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, "utf8")) : null;
if (state && (await api("GET", `/api/v1/applications/${state.appId}`)).status !== 200) state = null;
if (!state) {
  const created = await api("POST", "/api/v1/applications", {
    name: "Demo", rpId: "localhost", rpName: "Authaz Demo",
    origins: [new URL(base).origin], hostnames: ["localhost"],
  });
  if (created.status !== 201) throw new Error(`creating the demo application failed: ${JSON.stringify(created)}`);
  state = { appId: created.body.application.id, apiKey: created.body.apiKey };
  await api("PUT", `/api/v1/applications/${state.appId}/auth/passkey`, { enabled: true, directSignup: true });
  mkdirSync(".wrangler", { recursive: true });
  writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
}
// The Hono example (examples/hono) is an OAuth client of the demo application.
const exampleBase = process.argv[3];
if (exampleBase) {
  const callback = `${exampleBase}/callback`;
  const known = state.client && (await api("GET", `/api/v1/applications/${state.appId}/clients/${state.client.id}`)).status === 200;
  if (!known) {
    const created = await api("POST", `/api/v1/applications/${state.appId}/clients`, {
      name: "Hono example", type: "confidential", redirectUris: [callback], postLogoutRedirectUris: [`${exampleBase}/`],
    });
    if (created.status !== 201) throw new Error(`creating the example's client failed: ${JSON.stringify(created)}`);
    state.client = { id: created.body.client.id, secret: created.body.clientSecret };
    writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
  }
  const vars = {
    OIDC_ISSUER: `${base}/oidc/${state.appId}`, OIDC_CLIENT_ID: state.client.id, OIDC_CLIENT_SECRET: state.client.secret,
    COOKIE_SECRET: state.cookieSecret ??= randomBytes(32).toString("base64url"),
  };
  writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
  writeFileSync("examples/hono/.dev.vars", Object.entries(vars).map(([k, v]) => `${k}="${v}"`).join("\n") + "\n", { mode: 0o600 });
}
console.log(`
  Authaz Edge is running at ${base}
  operator key (X-API-Key):   ${adminKey}
  demo application:           ${state.appId}   (API key ${state.apiKey})
  sign-in page:               ${base}/sign-in
  OpenID issuer:              ${base}/oidc/${state.appId}   (and ${base} itself)${exampleBase ? `
  Hono example (OIDC client): ${exampleBase}/` : ""}
  account page:               ${base}/account
  sent mail (local):          printed by wrangler above, and under .wrangler/tmp/ (see README)
`);
