// A small passkey Worker built on @simplewebauthn/server, written for the bench as the peer of
// Authaz Edge: the same login ceremony (login/start, login/complete -> user + session) and a
// registration to create the credentials it logs in with. Challenges live in a Durable Object
// (one per challenge, single use), credentials in D1; the session is a D1 row, an ES256 access
// token signed with WebCrypto and a refresh token stored as an HMAC-SHA256 hash, like Authaz's.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { DurableObject } from "cloudflare:workers";

interface Env {
  DB: D1Database;
  CHALLENGES: DurableObjectNamespace<ChallengeStore>;
  RP_ID: string;
  ORIGIN: string;
  PEER_SIGNING_JWK: string; // P-256 private key: base64url of its JWK JSON
  PEER_HMAC_KEY: string; // base64url
}

const CHALLENGE_TTL_MS = 300_000;
const ACCESS_TOKEN_TTL_S = 900;
const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

type Ceremony = { ceremony: "register"; email: string; displayName: string; userHandle: string } | { ceremony: "login" };

/** One object per challenge: holds its ceremony data until taken once or expired. */
export class ChallengeStore extends DurableObject<Env> {
  async put(data: Ceremony, ttlMs: number): Promise<void> {
    const expiresAt = Date.now() + ttlMs;
    await this.ctx.storage.put("entry", { data, expiresAt });
    await this.ctx.storage.setAlarm(expiresAt);
  }

  async take(): Promise<Ceremony | null> {
    const entry = await this.ctx.storage.get<{ data: Ceremony; expiresAt: number }>("entry");
    if (!entry) return null;
    await this.ctx.storage.delete("entry");
    return Date.now() < entry.expiresAt ? entry.data : null;
  }

  async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    try {
      if (req.method !== "POST") throw new HttpError(405, "method_not_allowed", "POST only");
      const path = new URL(req.url).pathname;
      const body = await req.json<Record<string, unknown>>().catch(() => {
        throw new HttpError(400, "invalid_request", "body is not JSON");
      });
      switch (path) {
        case "/register/start": return json(200, await registerStart(env, body));
        case "/register/complete": return json(201, await registerComplete(env, body as unknown as RegistrationResponseJSON));
        case "/login/start": return json(200, await loginStart(env));
        case "/login/complete": return json(200, await loginComplete(env, body as unknown as AuthenticationResponseJSON));
        default: throw new HttpError(404, "not_found", "no such endpoint");
      }
    } catch (e) {
      if (e instanceof HttpError) return json(e.status, { error: { code: e.code, message: e.message } });
      return json(400, { error: { code: "verification_failed", message: String((e as Error)?.message ?? e) } });
    }
  },
} satisfies ExportedHandler<Env>;

async function registerStart(env: Env, body: Record<string, unknown>) {
  const email = String(body.email ?? "").toLowerCase();
  if (!email.includes("@")) throw new HttpError(400, "invalid_request", "email required");
  const displayName = String(body.displayName ?? email);
  const userHandle = crypto.getRandomValues(new Uint8Array(32));
  const options = await generateRegistrationOptions({
    rpName: "SimpleWebAuthn peer",
    rpID: env.RP_ID,
    userName: email,
    userID: userHandle,
    userDisplayName: displayName,
    attestationType: "none",
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    supportedAlgorithmIDs: [-8, -7, -257],
    timeout: CHALLENGE_TTL_MS,
  });
  await challengeStub(env, options.challenge).put({ ceremony: "register", email, displayName, userHandle: b64u(userHandle) }, CHALLENGE_TTL_MS);
  return options;
}

async function registerComplete(env: Env, response: RegistrationResponseJSON) {
  const challenge = challengeOf(response);
  const data = await challengeStub(env, challenge).take();
  if (data?.ceremony !== "register") throw new HttpError(400, "verification_failed", "unknown or used challenge");
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: env.ORIGIN,
    expectedRPID: env.RP_ID,
    requireUserVerification: true,
  });
  if (!verification.verified) throw new HttpError(400, "verification_failed", "registration not verified");
  const { credential } = verification.registrationInfo;
  const userId = crypto.randomUUID();
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare("INSERT INTO users (id, email, display_name, user_handle, created_at) VALUES (?, ?, ?, ?, ?)")
      .bind(userId, data.email, data.displayName, data.userHandle, now),
    env.DB.prepare("INSERT INTO credentials (id, user_id, public_key, counter, transports, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(credential.id, userId, b64u(credential.publicKey), credential.counter, JSON.stringify(credential.transports ?? []), now),
  ]);
  return { user: { id: userId, email: data.email, displayName: data.displayName }, passkey: { id: credential.id } };
}

async function loginStart(env: Env) {
  const options = await generateAuthenticationOptions({ rpID: env.RP_ID, userVerification: "required", timeout: CHALLENGE_TTL_MS });
  await challengeStub(env, options.challenge).put({ ceremony: "login" }, CHALLENGE_TTL_MS);
  return options;
}

type CredentialRow = { id: string; user_id: string; public_key: string; counter: number; transports: string; email: string; display_name: string; user_handle: string };

async function loginComplete(env: Env, response: AuthenticationResponseJSON) {
  const challenge = challengeOf(response);
  const data = await challengeStub(env, challenge).take();
  if (data?.ceremony !== "login") throw new HttpError(400, "verification_failed", "unknown or used challenge");
  const row = await env.DB.prepare(
    "SELECT c.id, c.user_id, c.public_key, c.counter, c.transports, u.email, u.display_name, u.user_handle FROM credentials c JOIN users u ON u.id = c.user_id WHERE c.id = ?",
  ).bind(String(response.id)).first<CredentialRow>();
  if (!row) throw new HttpError(400, "verification_failed", "unknown credential");
  if (response.response?.userHandle && response.response.userHandle !== row.user_handle) {
    throw new HttpError(400, "verification_failed", "userHandle does not name the owner");
  }
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: env.ORIGIN,
    expectedRPID: env.RP_ID,
    credential: { id: row.id, publicKey: fromB64u(row.public_key), counter: row.counter, transports: JSON.parse(row.transports) },
    requireUserVerification: true,
  });
  if (!verification.verified) throw new HttpError(400, "verification_failed", "assertion not verified");
  const now = Date.now();
  const sessionId = crypto.randomUUID();
  const refreshToken = b64u(crypto.getRandomValues(new Uint8Array(32)));
  await env.DB.batch([
    env.DB.prepare("UPDATE credentials SET counter = ?, last_used_at = ? WHERE id = ?").bind(verification.authenticationInfo.newCounter, now, row.id),
    env.DB.prepare("INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)").bind(sessionId, row.user_id, now, now + SESSION_TTL_MS),
    env.DB.prepare("INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
      .bind(await hmacHex(env, refreshToken), sessionId, now, now + SESSION_TTL_MS),
  ]);
  const accessToken = await signJwt(env, { iss: env.ORIGIN, aud: "peer", sub: row.user_id, sid: sessionId, iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + ACCESS_TOKEN_TTL_S });
  return {
    user: { id: row.user_id, email: row.email, displayName: row.display_name },
    session: { accessToken, tokenType: "Bearer", expiresIn: ACCESS_TOKEN_TTL_S, refreshToken },
  };
}

function challengeStub(env: Env, challenge: string) {
  return env.CHALLENGES.get(env.CHALLENGES.idFromName(challenge));
}

function challengeOf(response: { response?: { clientDataJSON?: string } }): string {
  try {
    const clientData = JSON.parse(new TextDecoder().decode(fromB64u(String(response.response?.clientDataJSON ?? ""))));
    if (typeof clientData.challenge === "string") return clientData.challenge;
  } catch {}
  throw new HttpError(400, "invalid_request", "clientDataJSON has no challenge");
}

// Keys are imported once per isolate, as a real Worker would.
let signingKey: Promise<CryptoKey> | undefined;
let hmacKey: Promise<CryptoKey> | undefined;

async function signJwt(env: Env, claims: Record<string, unknown>): Promise<string> {
  signingKey ??= crypto.subtle.importKey("jwk", JSON.parse(new TextDecoder().decode(fromB64u(env.PEER_SIGNING_JWK))), { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const enc = new TextEncoder();
  const head = b64u(enc.encode(JSON.stringify({ alg: "ES256", typ: "JWT", kid: "peer" })));
  const body = b64u(enc.encode(JSON.stringify(claims)));
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, await signingKey, enc.encode(`${head}.${body}`));
  return `${head}.${body}.${b64u(new Uint8Array(sig))}`;
}

async function hmacHex(env: Env, text: string): Promise<string> {
  hmacKey ??= crypto.subtle.importKey("raw", fromB64u(env.PEER_HMAC_KEY), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey, new TextEncoder().encode(text)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function json(status: number, value: unknown): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

function b64u(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64u(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
