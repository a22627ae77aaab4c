// What every part of the benchmark shares: statistics, formatting, the machine description, child processes.
import { cpus, loadavg, totalmem, platform, release, arch } from "node:os";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** {median, min, max, runs} of a list of measurements. */
export function summarize(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length };
}

/** Significant, readable numbers: 123,456 / 1,235 / 12.3 / 1.23 / 0.123. */
export function num(x, digits = 3) {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1000 || Number.isInteger(x)) return Math.round(x).toLocaleString("en-US");
  if (abs === 0) return "0";
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return x.toFixed(decimals);
}

/** `median (min–max)`, with an optional unit after each number. */
export function range(s, unit = "") {
  return `${num(s.median)}${unit} (${num(s.min)}–${num(s.max)}${unit})`;
}

export const ratio = (x) => `${num(x)}×`;

export function machine() {
  const list = cpus();
  const [one, five, fifteen] = loadavg();
  return {
    cpu: list[0]?.model?.trim() ?? "unknown",
    cores: list.length,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    python: pythonVersion(),
    load: `${one.toFixed(2)}, ${five.toFixed(2)}, ${fifteen.toFixed(2)}`,
  };
}

function pythonVersion() {
  const r = spawnSync("python3", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? (r.stdout || r.stderr).trim().replace(/^Python /, "") : "not found";
}

/** Run a child to completion; resolves {code, stdout, stderr}. Rejects only if it cannot start. */
export function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Run a child and parse the one JSON object it prints; a failure names the command and its stderr. */
export async function runJson(cmd, args, options = {}) {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.code}:\n${r.stderr.slice(-2000)}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`${cmd} ${args.join(" ")} printed no JSON:\n${r.stdout.slice(0, 500)}\n${r.stderr.slice(-1000)}`);
  }
}

/** A target: what was measured against what was required, and whether it held. */
export function target(part, name, measured, limit, held, detail = "") {
  return { part, name, measured, limit, held, detail };
}

export const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
