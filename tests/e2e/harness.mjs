// End-to-end harness: runs the real Worker under `wrangler dev` (workerd, local D1, Durable
// Objects and email) on a free port, with its own state directory and freshly generated secrets.
//
//   const w = await startWorker();           // in before()
//   const app = await w.createApp({ passkey: { enabled: true } });
//   await w.api("POST", "/auth/...", body, { app: app.id });
//   await w.stop();                           // in after()
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freshSecrets, writeDevVars } from "../../scripts/make-dev-vars.mjs";
import { checkResponse } from "./openapi.mjs";

export const ROOT = resolve(new URL("../..", import.meta.url).pathname);

export async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** vars: `--var`s; args: more `wrangler dev` arguments; seedMds: load scripts/seed-mds.sh's metadata. */
export async function startWorker({ vars = {}, args = [], seedMds = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "authaz-e2e-"));
  const state = join(dir, "state");
  const envFile = join(dir, "dev.vars");
  const secrets = freshSecrets();
  writeDevVars(envFile, secrets);
  const wrangler = join(ROOT, "node_modules/.bin/wrangler");
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
  execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { cwd: ROOT, env, stdio: "pipe" });
  if (seedMds) execFileSync("bash", ["scripts/seed-mds.sh", "--persist-to", state], { cwd: ROOT, env, stdio: "pipe" });

  // A port found free can be taken before wrangler binds it (workerd's own loopback sockets of
  // the previous file's instance): then wrangler exits with "Address already in use" and we try
  // again with new ports.
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  let port, inspectorPort, child, output, exited, base;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    inspectorPort = await freePort();
    if (inspectorPort === port) continue;
    child = spawn(wrangler, [
      "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, "--env-file", envFile,
      "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false", "--test-scheduled", ...varArgs, ...args,
    ], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    output = "";
    exited = null;
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => (exited = code));
    base = `http://localhost:${port}`;
    let ready = false;
    while (!ready && exited === null) {
      if (Date.now() - started > 180_000) throw new Error(`wrangler dev not ready after 180 s:\n${output}`);
      try {
        ready = (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {}
      if (!ready) await sleep(200);
    }
    if (ready) break;
    if (attempt >= 3 || !/Address already in use/.test(output)) throw new Error(`wrangler dev exited (${exited}):\n${output}`);
  }
  const readyMs = Date.now() - started;

  const worker = {
    base, port, inspectorPort, dir, secrets, readyMs,
    adminKey: secrets.AUTHAZ_ADMIN_KEY,
    /** Everything wrangler and the Worker printed so far. */
    logs: () => output,
    /** JSON log lines the Worker printed (structured logs). */
    jsonLogs: () => output.split("\n").flatMap((l) => {
      const i = l.indexOf("{");
      if (i < 0) return [];
      try { return [JSON.parse(l.slice(i))]; } catch { return []; }
    }),
    /**
     * Calls the Worker. opts: key (X-API-Key; "admin" for the operator key), app (X-Authaz-App),
     * bearer (access token), ip (CF-Connecting-IP), headers, raw (a string body sent as is).
     * Throws when the answer does not match docs/openapi.json (tests/e2e/openapi.mjs).
     */
    async api(method, path, body, opts = {}) {
      const headers = { ...(opts.headers ?? {}) };
      if (body !== undefined || opts.raw !== undefined) headers["content-type"] ??= "application/json";
      if (opts.key) headers["x-api-key"] = opts.key === "admin" ? secrets.AUTHAZ_ADMIN_KEY : opts.key;
      if (opts.app) headers["x-authaz-app"] = opts.app;
      if (opts.bearer) headers["authorization"] = `Bearer ${opts.bearer}`;
      if (opts.ip) headers["cf-connecting-ip"] = opts.ip;
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method, headers, redirect: "manual",
        body: opts.raw !== undefined ? opts.raw : body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json = null;
      try { json = text ? JSON.parse(text) : null; } catch {}
      const answer = { status: res.status, headers: res.headers, body: json, text };
      // Every answer must be what docs/openapi.json says of this method, path and status.
      checkResponse(method, path, answer);
      return answer;
    },
    /** Creates an application (operator key) and, if given, sets its passkey config. */
    async createApp({ name = "Test App", rpId = "localhost", origins = [base], hostnames, passkey, redirectUris } = {}) {
      const created = await worker.api("POST", "/api/v1/applications", { name, rpId, origins, ...(hostnames ? { hostnames } : {}) }, { key: "admin" });
      if (created.status !== 201) throw new Error(`createApp: ${created.status} ${created.text}`);
      const app = created.body.application;
      if (redirectUris) {
        const r = await worker.api("PATCH", `/api/v1/applications/${app.id}`, { redirectUris }, { key: "admin" });
        if (r.status !== 200) throw new Error(`createApp patch: ${r.status} ${r.text}`);
      }
      if (passkey) {
        const r = await worker.api("PUT", `/api/v1/applications/${app.id}/auth/passkey`, passkey, { key: "admin" });
        if (r.status !== 200) throw new Error(`createApp passkey: ${r.status} ${r.text}`);
      }
      return { ...app, apiKey: created.body.apiKey };
    },
    /** Runs SQL on the Worker's local D1 database (wrangler d1 execute) and answers its rows. */
    d1(sql) {
      const out = execFileSync(wrangler, ["d1", "execute", "DB", "--local", "--persist-to", state, "--json", "--command", sql],
        { cwd: ROOT, env, encoding: "utf8" });
      return JSON.parse(out)[0].results;
    },
    /** Fires the Cron Trigger (wrangler dev --test-scheduled serves /__scheduled). */
    async scheduled(cron = "17 * * * *") {
      const res = await fetch(`http://127.0.0.1:${port}/__scheduled?cron=${encodeURIComponent(cron)}`);
      return { status: res.status, text: await res.text() };
    },
    /** The messages the send_email binding really sent, as wrangler dev stored them. */
    sentMail: () => sentMail(output),
    /** Waits for a mail to `to` sent after `since` (a count from sentMail().length) and returns its text. */
    async waitForMail(to, { since = 0, timeoutMs = 10_000 } = {}) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const mail = sentMail(output).slice(since).filter((m) => m.to.includes(to.toLowerCase()));
        if (mail.length) return mail[mail.length - 1];
        if (Date.now() > until) throw new Error(`no mail to ${to}; wrangler said:\n${output.slice(-3000)}`);
        await sleep(100);
      }
    },
    async stop() {
      if (exited === null) {
        try { process.kill(-child.pid, "SIGTERM"); } catch {}
        for (let i = 0; i < 50 && exited === null; i++) await sleep(100);
        if (exited === null) try { process.kill(-child.pid, "SIGKILL"); } catch {}
      }
      if (!process.env.AUTHAZ_KEEP_E2E_STATE) rmSync(dir, { recursive: true, force: true });
    },
  };
  return worker;
}

/**
 * Local email: for every message the binding sends (structured form), wrangler dev prints
 * "send_email binding called with MessageBuilder:", the From, To and Subject lines, and the paths
 * of the stored text and HTML parts. Read those files: that is exactly what the binding got.
 * A message whose parts are not stored yet is left out until they are.
 */
export function sentMail(output) {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const blocks = plain.split("send_email binding called with MessageBuilder:").slice(1);
  const mail = [];
  for (const block of blocks) {
    const line = (name) => new RegExp(`^${name}: (.*)$`, "m").exec(block)?.[1]?.trim() ?? "";
    const [textPath, htmlPath] = [line("Text"), line("HTML")];
    if (!textPath || !htmlPath || !existsSync(textPath) || !existsSync(htmlPath)) break;
    const [text, html] = [readFileSync(textPath, "utf8"), readFileSync(htmlPath, "utf8")];
    mail.push({ path: textPath, to: line("To").toLowerCase(), from: line("From"), subject: line("Subject"), text: `${text}\n${html}`, html });
  }
  return mail;
}
