// Global latency on paper (issue 14, deliverable 3), from the round trips the bench counted.
//   node bench/latency.mjs [results.json | round-trips.json]   (default: bench/round-trips.json)
// For a D1 primary 5, 80 and 200 ms (round trip) away from the user's Cloudflare location and
// the challenge Durable Object placed near the user (it is created by the location that serves
// the start, so it lives there or close by), each endpoint's storage latency is
//   today:        (D1 + D1 replica) x primary RTT + DO calls x DO RTT + rate-limit calls x RL RTT
//   replication:  D1 x primary RTT + D1 replica x replica RTT + DO calls x DO RTT + ...
// "D1 replica" are the reads made through a D1 session (`withSession("first-unconstrained")`):
// without read replication they go to the primary like every other query; with it a replica
// near the location serves them. Writes and the reads that must see the latest write (challenge
// take, counter update, refresh-token rotation) stay on the primary. Within one session a read
// after a write waits for a replica that has the write's bookmark (or goes to the primary): our
// replica reads come before any write of the same request, so the model charges them the
// replica RTT. Storage calls are counted as sequential (they are, in every handler: each depends
// on the one before); mail sends run after the answer (ctx.waitUntil) and are not charged.
// DO storage operations run inside the object, next to its storage: not a network hop here.
// Settings: LAT_PRIMARY="5,80,200", LAT_REPLICA (ms, default 5: a replica in the location's
// region), LAT_DO (ms, default 2: an object in or next to the location), LAT_RATE_LIMIT (ms,
// default 0: the Rate Limiting binding counts in the location, in memory).
import { existsSync, readFileSync } from "node:fs";

const path = process.argv[2] ?? new URL("./round-trips.json", import.meta.url).pathname;
if (!existsSync(path)) {
  console.error(`no round-trip counts at ${path}: run bash bench/run.sh (it writes results.json) or pass a file`);
  process.exit(2);
}
const data = JSON.parse(readFileSync(path, "utf8"));
const sides = [["Authaz Edge", data.ours?.trips ?? data.ours], ["SimpleWebAuthn peer", data.peer?.trips ?? data.peer]].filter(([, t]) => Array.isArray(t));

const num = (name, dflt) => (process.env[name] === undefined ? dflt : Number(process.env[name]));
const PRIMARY = (process.env.LAT_PRIMARY ?? "5,80,200").split(",").map(Number);
const REPLICA = num("LAT_REPLICA", 5);
const DO_RTT = num("LAT_DO", 2);
const RL_RTT = num("LAT_RATE_LIMIT", 0);

/** Storage latency (ms) of one request with counts `r` for a primary `p` ms away. */
export function latency(r, p, replicated) {
  const replicaRtt = replicated ? Math.min(REPLICA, p) : p;
  return r.d1 * p + r.d1Replica * replicaRtt + r.doCalls * DO_RTT + r.rateLimit * RL_RTT;
}

const CEREMONIES = {
  "Authaz Edge": [
    ["login (start + complete)", ["login/start", "login/complete"]],
    ["direct signup (start + complete)", ["signup/start", "signup/complete"]],
    ["signup with email code (request, confirm, start, complete)", ["signup/verify-email/request", "signup/verify-email/confirm", "signup/start", "signup/complete"]],
    ["add a passkey (register start + complete)", ["register/start", "register/complete"]],
  ],
  "SimpleWebAuthn peer": [
    ["login (start + complete)", ["login/start", "login/complete"]],
    ["registration (start + complete)", ["register/start", "register/complete"]],
  ],
};

function pad(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, j) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ") + (j === 0 ? `\n${widths.map((w) => "-".repeat(w)).join("  ")}` : "")).join("\n");
}

const header = ["endpoint", "D1", "D1 replica", "DO", "RL", ...PRIMARY.flatMap((p) => [`today @${p}`, `replicated @${p}`])];
const out = [`Storage latency per request (ms): D1 primary ${PRIMARY.join(" / ")} ms away, replica ${REPLICA} ms, challenge DO ${DO_RTT} ms, rate limit ${RL_RTT} ms; client <-> edge not included (the same for every design)`];
for (const [name, trips] of sides) {
  const rows = [header];
  for (const r of trips) rows.push([r.endpoint, r.d1, r.d1Replica, r.doCalls, r.rateLimit, ...PRIMARY.flatMap((p) => [latency(r, p, false), latency(r, p, true)])]);
  for (const [label, steps] of CEREMONIES[name] ?? []) {
    const parts = steps.map((s) => trips.find((r) => r.endpoint === s));
    if (parts.some((p) => !p)) continue;
    rows.push([`= ${label}`, "", "", "", "", ...PRIMARY.flatMap((p) => [parts.reduce((a, r) => a + latency(r, p, false), 0), parts.reduce((a, r) => a + latency(r, p, true), 0)])]);
  }
  out.push(`\n${name}\n${pad(rows)}`);
}
console.log(out.join("\n"));
