// Idle CPU of the runtime process (issue 14): workerd's CPU per second with no request, for the
// wrangler configurations given, e.g. to find which binding or setting burns CPU at idle.
//   node bench/idle.mjs <state dir> <seconds> <config.toml> [<config.toml> ...]
import { DevServer, processCpuMs } from "./dev_server.mjs";
import { join, resolve, dirname } from "node:path";

const [stateDir, seconds, ...configs] = process.argv.slice(2);
const wrangler = resolve(new URL("..", import.meta.url).pathname, "node_modules/.bin/wrangler");
for (const config of configs) {
  const server = await new DevServer({ wrangler, config: resolve(config), stateDir: resolve(stateDir), cwd: dirname(resolve(config)), label: config }).start();
  await new Promise((r) => setTimeout(r, 2000));
  const c0 = processCpuMs(server.workerdPid), t0 = performance.now();
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
  const rate = ((processCpuMs(server.workerdPid) - c0) / (performance.now() - t0)) * 1000;
  const load = (await import("node:os")).loadavg()[0].toFixed(2);
  console.log(`${config}: ${rate.toFixed(1)} ms CPU/s at idle (load ${load})`);
  await server.stop();
}
