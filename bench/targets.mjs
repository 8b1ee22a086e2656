// The two Workers the bench drives, behind one interface: a registration ceremony (`regStart`,
// `regComplete`) and a login ceremony (`loginStart`, `loginComplete`), each step one HTTP request
// whose answer is checked. Authaz Edge registers by direct signup; the peer by its /register.

export const ORIGIN = "http://localhost";
export const RP_ID = "localhost";

async function call(base, path, body, headers, expected) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`POST ${path}: ${res.status} (expected ${expected}) ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/**
 * Ceremony starts the bench's application allows a minute (`ceremonyStartsPerMinute`, at most
 * 100000): every request comes from the bench's one address, as the client's real address (no
 * spoofed CF-Connecting-IP), so the bench raises the limit as an operator would. The bench's copy
 * of wrangler.toml raises the CEREMONY_STARTS binding's limit to the same figure (see
 * dev_server.mjs writeConfig `ceremonyStartsLimit`), so no start pays the Durable Object counter
 * that counts the starts past the binding's limit.
 */
export const BENCH_CEREMONY_STARTS_PER_MINUTE = 100000;

export class AuthazTarget {
  name = "Authaz Edge";
  steps = { regStart: "signup/start", regComplete: "signup/complete", loginStart: "login/start", loginComplete: "login/complete" };

  constructor(server, adminKey) {
    this.server = server;
    this.adminKey = adminKey;
  }

  /** Creates the bench application (rpId localhost, origin http://localhost, direct signup on). */
  async setup() {
    const admin = { "x-api-key": this.adminKey };
    const created = await call(this.server.base, "/api/v1/applications", { name: "Bench", rpId: RP_ID, origins: [ORIGIN] }, admin, 201);
    this.appId = created.application.id;
    await this.put(`/api/v1/applications/${this.appId}/auth/passkey`, { enabled: true, directSignup: true, ceremonyStartsPerMinute: BENCH_CEREMONY_STARTS_PER_MINUTE }, admin);
  }

  async put(path, body, headers) {
    const res = await fetch(this.server.base + path, { method: "PUT", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
  }

  headers(user) {
    return { "x-authaz-app": this.appId };
  }

  regStart(user) {
    return call(this.server.base, "/auth/passkey-provider/signup/start", { email: user.email, displayName: user.email }, this.headers(user), 200);
  }

  regComplete(user, credential) {
    return call(this.server.base, "/auth/passkey-provider/signup/complete", credential, this.headers(user), 201);
  }

  loginStart(user) {
    return call(this.server.base, "/auth/passkey-provider/login/start", {}, this.headers(user), 200);
  }

  loginComplete(user, credential) {
    return call(this.server.base, "/auth/passkey-provider/login/complete", credential, this.headers(user), 200);
  }
}

export class PeerTarget {
  name = "SimpleWebAuthn peer";
  steps = { regStart: "register/start", regComplete: "register/complete", loginStart: "login/start", loginComplete: "login/complete" };

  constructor(server) {
    this.server = server;
  }

  async setup() {}

  regStart(user) {
    return call(this.server.base, "/register/start", { email: user.email, displayName: user.email }, {}, 200);
  }

  regComplete(user, credential) {
    return call(this.server.base, "/register/complete", credential, {}, 201);
  }

  loginStart() {
    return call(this.server.base, "/login/start", {}, {}, 200);
  }

  loginComplete(user, credential) {
    return call(this.server.base, "/login/complete", credential, {}, 200);
  }
}
