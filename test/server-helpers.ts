// What the server tests share: a real server on a free localhost port with a temp database, temp copies
// of the shipped layers and schemas, and small fetch helpers.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, type RunningServer, type ServerOptions } from "../src/server/app.js";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const LAYERS = join(ROOT, "layers");
export const SCHEMAS = join(ROOT, "schemas");

/** The design document's curl example. */
export const CURL_EXAMPLE = {
  model_name: "llama-3-2-1b-instruct",
  base_runtime: "sglang",
  deployment_mode: "docker",
  profiles: ["low-latency"],
  overrides: { parameters: { "tp-size": [1] } },
};

export const CURL_EXAMPLE_LAYERS = [
  "base-model",
  "base-optimization",
  "docker-defaults",
  "sglang-defaults",
  "profile:low-latency:low-latency-params",
  "user_patch",
];

const dirs: string[] = [];

export function tempDir(prefix = "strata-server-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A temp folder holding copies of layers/ and schemas/ (side by side, as in the repository). */
export function copyLayerSet(): { root: string; layersDir: string; schemasDir: string } {
  const root = tempDir("strata-layers-");
  cpSync(LAYERS, join(root, "layers"), { recursive: true });
  cpSync(SCHEMAS, join(root, "schemas"), { recursive: true });
  return { root, layersDir: join(root, "layers"), schemasDir: join(root, "schemas") };
}

/** A server on port 0 with a fresh database (unless `db` is given) and no web page unless `webDir` is. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  return createServer({
    layersDir: LAYERS,
    schemasDir: SCHEMAS,
    webDir: join(tempDir(), "no-web"),
    watch: false,
    ...options,
    db: options.db ?? join(tempDir(), "strata.db"),
  });
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(server: { url: string }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const raw = typeof body === "string" || body instanceof Uint8Array;
  const res = await fetch(server.url + path, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : raw ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export const post = <T = any>(server: { url: string }, path: string, body?: unknown, headers?: Record<string, string>) => call<T>(server, "POST", path, body, headers);
export const get = <T = any>(server: { url: string }, path: string) => call<T>(server, "GET", path);

/** Poll until `check` returns a value other than undefined (or throw after `ms`). */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, ms = 10_000, what = "condition"): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `n` compose workers started and holding the layer set in use (a request then waits for neither). */
export async function warmWorkers(server: RunningServer, n: number): Promise<void> {
  const { set, recipe } = server.layers.versioned;
  server.pool!.warm(set.hash, recipe!, n);
  await waitFor(() => (server.pool!.stats().warm >= n ? true : undefined), 60_000, `${n} warm compose workers`);
}
