// Round trips by instrumentation (issue 14, deliverable 1): drives every ceremony endpoint once,
// one request at a time, against a Worker run under the counting entry (bench/count_entry.mjs),
// and reads after each request what it did with its bindings (`GET /__counts`): D1 round trips
// (primary, and through a read-replica session), Durable Object calls, Durable Object storage
// operations, rate-limit calls, mail sends. Work a request leaves to `ctx.waitUntil` is counted
// with it (the bench waits until the counts stop moving).
import { SoftAuthenticator } from "../tests/e2e/soft-authenticator.mjs";
import { ORIGIN } from "./targets.mjs";

export const KINDS = ["d1", "d1Replica", "doCalls", "doStorage", "rateLimit", "mail"];
const ALL_KINDS = [...KINDS, "alarmStorage"];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function readCounts(base) {
  return (await fetch(`${base}/__counts`)).json();
}

/** Counts of one request: the request, then `/__counts` until two reads 60 ms apart add nothing. */
async function counted(base, send) {
  await readCounts(base); // reset
  const result = await send();
  let total = await readCounts(base);
  for (let i = 0; i < 20; i++) {
    await sleep(60);
    const more = await readCounts(base);
    if (KINDS.every((k) => more[k] === 0)) break;
    for (const k of ALL_KINDS) total[k] += more[k];
    total.ops.push(...more.ops);
    total.lastMail = more.lastMail ?? total.lastMail;
  }
  return { result, counts: total };
}

async function call(base, method, path, body, headers, expected) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`${method} ${path}: ${res.status} (expected ${expected}) ${text.slice(0, 400)}`);
  return text ? JSON.parse(text) : null;
}

/** Every ceremony endpoint of Authaz Edge, in the order a user meets them: rows {endpoint, counts}. */
export async function countOurs(base, appId, alg, adminKey) {
  const rows = [];
  const P = "/auth/passkey-provider";
  const app = { "x-authaz-app": appId };
  const step = async (endpoint, send) => {
    const { result, counts } = await counted(base, send);
    rows.push({ endpoint, ...Object.fromEntries(ALL_KINDS.map((k) => [k, counts[k]])), ops: counts.ops.filter((op) => !op.startsWith("alarmStorage")) });
    return { result, counts };
  };
  // A running Worker's challenge holders are live (a location has 16, tokens::challenge): made
  // live first, so that the counts are a live holder's; a fresh one adds its table (two SQL
  // statements) and its sweep alarm to its first start.
  for (let i = 0; i < 64; i++) await call(base, "POST", `${P}/login/start`, {}, app, 200);
  const email = `count-${Date.now()}@bench.test`;
  const requested = await step("signup/verify-email/request", () => call(base, "POST", `${P}/signup/verify-email/request`, { email }, app, 202));
  const code = /\b(\d{6})\b/.exec(requested.counts.lastMail ?? "")?.[1];
  if (code) await step("signup/verify-email/confirm", () => call(base, "POST", `${P}/signup/verify-email/confirm`, { email, code }, app, 200));
  const auth = new SoftAuthenticator({ alg: alg.cose });
  const options = (await step("signup/start", () => call(base, "POST", `${P}/signup/start`, { email, displayName: email }, app, 200))).result;
  const credential = auth.create(options, { origin: ORIGIN, alg: alg.cose });
  const signedUp = (await step("signup/complete", () => call(base, "POST", `${P}/signup/complete`, credential, app, 201))).result;
  const loginOptions = (await step("login/start", () => call(base, "POST", `${P}/login/start`, {}, app, 200))).result;
  const loggedIn = (await step("login/complete", () => call(base, "POST", `${P}/login/complete`, auth.get(loginOptions, { origin: ORIGIN, credentialId: credential.id }), app, 200))).result;
  await step("login/start {email}", () => call(base, "POST", `${P}/login/start`, { email }, app, 200));
  const bearer = { ...app, authorization: `Bearer ${loggedIn.session.accessToken}` };
  const second = new SoftAuthenticator({ alg: alg.cose });
  const regOptions = (await step("register/start", () => call(base, "POST", `${P}/register/start`, {}, bearer, 200))).result;
  await step("register/complete", () => call(base, "POST", `${P}/register/complete`, second.create(regOptions, { origin: ORIGIN, alg: alg.cose }), bearer, 201));
  await step("token/refresh", () => call(base, "POST", "/auth/token/refresh", { refreshToken: signedUp.session.refreshToken }, app, 200));
  await step("users/me/passkeys (list)", () => call(base, "GET", "/api/v1/users/me/passkeys", undefined, bearer, 200));
  // Every request above found its application in the isolate's cache (looked up less than 30 s
  // before) but the first; a change of the application empties the cache, so the next request
  // shows what a request pays when its application is not cached (a fresh isolate, or none of
  // its requests in the last 30 s).
  if (adminKey) {
    await call(base, "PATCH", `/api/v1/applications/${appId}`, { name: "Bench" }, { "x-api-key": adminKey }, 200);
    await step("login/start (application not cached)", () => call(base, "POST", `${P}/login/start`, {}, app, 200));
  }
  return rows;
}

/** The peer's four endpoints. */
export async function countPeer(base, alg) {
  const rows = [];
  const step = async (endpoint, send) => {
    const { result, counts } = await counted(base, send);
    rows.push({ endpoint, ...Object.fromEntries(ALL_KINDS.map((k) => [k, counts[k]])), ops: counts.ops.filter((op) => !op.startsWith("alarmStorage")) });
    return result;
  };
  const email = `count-${Date.now()}@bench.test`;
  const auth = new SoftAuthenticator({ alg: alg.cose });
  const options = await step("register/start", () => call(base, "POST", "/register/start", { email, displayName: email }, {}, 200));
  const credential = auth.create(options, { origin: ORIGIN, alg: alg.cose });
  await step("register/complete", () => call(base, "POST", "/register/complete", credential, {}, 201));
  const loginOptions = await step("login/start", () => call(base, "POST", "/login/start", {}, {}, 200));
  await step("login/complete", () => call(base, "POST", "/login/complete", auth.get(loginOptions, { origin: ORIGIN, credentialId: credential.id }), {}, 200));
  return rows;
}
