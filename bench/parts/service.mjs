// Part 4: the service. Requests/s and p99 latency of POST /api/config/preview against GET /api/health of the
// same server (a child process), with autocannon on localhost, interleaved rounds.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import autocannon from "autocannon";
import { DESIGN_EXAMPLE } from "../contexts.mjs";
import { ROOT, summarize, target, log } from "../lib.mjs";

/** The design's example as the REST body its curl example sends (`overrides` for `user_overrides`). */
export function previewBody() {
  const { user_overrides, ...rest } = DESIGN_EXAMPLE;
  return JSON.stringify({ ...rest, overrides: user_overrides });
}

function startServer(dist, tmp) {
  const child = spawn(process.execPath, [join(ROOT, "bench", "parts", "service-worker.mjs"), dist, join(ROOT, "layers"), join(ROOT, "schemas"), join(tmp, "bench.db")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => resolve({ child, url: JSON.parse(line).url }));
    child.once("exit", (code) => reject(new Error(`the bench server exited with ${code} before listening:\n${stderr.slice(-2000)}`)));
  });
}

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

export async function serviceBench({ dist, tiny, tmp }) {
  const { child, url } = await startServer(dist, tmp);
  try {
    const body = previewBody();
    const routes = [
      { label: "GET /api/health (trivial route)", method: "GET", path: "/api/health" },
      { label: "POST /api/config/preview (design example)", method: "POST", path: "/api/config/preview", body, headers: { "content-type": "application/json" } },
    ];
    // Check the answers first: a benchmark of a 400 is worthless.
    for (const r of routes) {
      const res = await fetch(url + r.path, { method: r.method, body: r.body, headers: r.headers });
      const json = await res.json();
      if (res.status !== 200 || (r.body && json.ok !== true)) throw new Error(`${r.method} ${r.path} answered ${res.status}: ${JSON.stringify(json).slice(0, 500)}`);
    }
    const rounds = tiny ? 1 : 3;
    const duration = tiny ? 1 : 5;
    const connections = 10;
    const samples = routes.map(() => ({ rps: [], p99: [], mean: [], errors: 0 }));
    for (let round = -1; round < rounds; round++) {
      for (let k = 0; k < routes.length; k++) {
        const i = (Math.max(round, 0) + k) % routes.length;
        const r = routes[i];
        // Round -1 warms up both routes (JIT, connection pools) and is not recorded.
        const res = await cannon({ url: url + r.path, method: r.method, body: r.body, headers: r.headers, connections, duration: round < 0 ? 1 : duration });
        if (round < 0) continue;
        const s = samples[i];
        s.rps.push(res.requests.average);
        s.p99.push(res.latency.p99);
        // Closed loop: each connection waits for its answer, so mean latency = connections ÷ throughput
        // (autocannon's own latency histogram counts whole milliseconds, too coarse for a fast route).
        s.mean.push((connections / res.requests.average) * 1000);
        s.errors += res.errors + res.timeouts + res.non2xx;
      }
    }
    const rows = routes.map((r, i) => ({
      label: r.label,
      rps: summarize(samples[i].rps),
      mean: summarize(samples[i].mean),
      p99: summarize(samples[i].p99),
      errors: samples[i].errors,
    }));
    for (const row of rows) if (row.errors > 0) throw new Error(`${row.label}: ${row.errors} failed requests during the run`);
    const share = summarize(samples[1].rps.map((x, i) => x / samples[0].rps[i]));
    log(`service: health ${Math.round(rows[0].rps.median)} req/s, preview ${Math.round(rows[1].rps.median)} req/s (${(share.median * 100).toFixed(0)}%)`);
    return {
      rounds,
      duration,
      connections,
      rows,
      share,
      targets: [target(4, "service: preview throughput ≥ 50% of the trivial route's", share.median, 0.5, share.median >= 0.5)],
    };
  } finally {
    child.kill("SIGTERM");
  }
}
