// Where the runtime process's idle CPU goes after a load (issue 14): starts the Worker under
// wrangler dev, sends `n` login/starts (the cheapest ceremony step that creates a challenge
// object), then for `seconds` of idle records workerd's CPU (/proc) and the isolate's own CPU
// (V8's profiler) with the busiest leaf functions.
//   node bench/idle_profile.mjs <config.toml> <state dir> <dev.vars|-> <app id|-> <n> <seconds> [path]
import { DevServer, processCpuMs } from "./dev_server.mjs";
import { Profiler, cpuOfProfile } from "./profiler.mjs";
import { dirname, resolve } from "node:path";

const [config, stateDir, envFile, appId, n, seconds, path = "/auth/passkey-provider/login/start"] = process.argv.slice(2);
const wrangler = resolve(new URL("..", import.meta.url).pathname, "node_modules/.bin/wrangler");
const server = await new DevServer({ wrangler, config: resolve(config), stateDir: resolve(stateDir), envFile: envFile === "-" ? undefined : resolve(envFile), cwd: dirname(resolve(config)), label: "idle" }).start();
try {
  const headers = { "content-type": "application/json", ...(appId === "-" ? {} : { "x-authaz-app": appId }) };
  for (let i = 0; i < Number(n); i++) {
    const r = await fetch(server.base + path, { method: "POST", headers, body: JSON.stringify({ email: `idle-${i}@bench.test`, displayName: "idle" }) });
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  }
  const profiler = await Profiler.connect(server.inspectorPort);
  await profiler.start();
  const c0 = processCpuMs(server.workerdPid), t0 = performance.now();
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
  const dt = (performance.now() - t0) / 1000;
  const workerd = (processCpuMs(server.workerdPid) - c0) / dt;
  const { profile } = await profiler.send("Profiler.stop");
  profiler.close();
  const cpu = cpuOfProfile(profile);
  const byName = new Map();
  const nodes = new Map(profile.nodes.map((x) => [x.id, x]));
  for (const id of profile.samples ?? []) {
    const f = nodes.get(id)?.callFrame ?? {};
    const key = `${f.functionName || "(anonymous)"} ${f.url ?? ""}`.trim();
    byName.set(key, (byName.get(key) ?? 0) + 1);
  }
  console.log(`after ${n} x ${path}: workerd ${workerd.toFixed(1)} ms CPU/s idle; isolate (profiler) ${(cpu.workerMs / dt).toFixed(2)} ms/s, (program) ${(cpu.programMs / dt).toFixed(2)} ms/s, samples ${cpu.samples}`);
  for (const [k, v] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${v}  ${k}`);
} finally {
  await server.stop();
}
