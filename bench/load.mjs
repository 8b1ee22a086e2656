// Fixed-concurrency load: runs `task(item)` for every item with at most `concurrency` in flight,
// and summarises the latencies (milliseconds, client side) and throughput.

export async function runPool(items, concurrency, task) {
  const latencies = new Array(items.length);
  let next = 0;
  const started = performance.now();
  async function lane() {
    while (next < items.length) {
      const i = next++;
      const t0 = performance.now();
      await task(items[i], i);
      latencies[i] = performance.now() - t0;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  const wallMs = performance.now() - started;
  return { latencies, wallMs };
}

export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  return percentile(values, 50);
}
