// `strata serve` as a user runs it (node dist/cli.js serve): options and environment, the database
// file, refusing to start, and a clean stop on SIGINT/SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer as createNetServer, type Server } from "node:net";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CURL_EXAMPLE, ROOT, copyLayerSet, get, post, removeTempDirs, tempDir } from "./server-helpers.js";

const CLI = join(ROOT, "dist", "cli.js");

interface Serve {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  removeTempDirs();
});

/** `strata serve ARGS` in a temporary folder; the project is the repository's own (STRATA_PROJECT) unless `env` says otherwise. */
function run(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, STRATA_PROJECT: ROOT, ...options.env };
  for (const k of ["HOST", "PORT", "STRATA_DB"]) if (!options.env || !(k in options.env)) delete env[k];
  const child = spawn(process.execPath, [CLI, "serve", ...args], { cwd: options.cwd ?? tempDir(), env, stdio: ["ignore", "pipe", "pipe"] });
  running.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Start and wait for the "serving on URL" line. */
async function serve(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Serve> {
  const p = run(args, options);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /strata serving on (http:\/\/[^\s]+)/.exec(p.stderr());
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      } else if (p.child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`serve exited ${p.child.exitCode}: ${p.stderr()}`));
      }
    }, 20);
  });
  return { ...p, url };
}

describe("strata serve", () => {
  it("prints its usage with --help", async () => {
    const p = run(["--help"]);
    expect(await p.exit).toBe(0);
    expect(p.stdout()).toMatch(/^Usage: strata serve/);
    for (const word of ["--host", "--port", "--db", "--layers", "STRATA_DB", "127.0.0.1", "8000", "data/strata.db", "SIGTERM"]) expect(p.stdout()).toContain(word);
  });

  it("takes HOST, PORT and STRATA_DB from the environment, creates the database folder, and stops cleanly on SIGTERM", async () => {
    const dir = tempDir();
    const db = join(dir, "deep", "er", "tasks.db");
    const s = await serve([], { env: { HOST: "127.0.0.1", PORT: "0", STRATA_DB: db } });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const created = await post(s, "/api/tasks/from-context", CURL_EXAMPLE);
    expect(created.status).toBe(201);
    expect(existsSync(db)).toBe(true);
    s.child.kill("SIGTERM");
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toMatch(/info  POST \/api\/tasks\/from-context 201 [\d.]+ms/);
    expect(s.stderr()).toContain("SIGTERM: finishing requests in flight");
    expect(s.stderr()).not.toMatch(/\n\s+at /);

    // Options win over the environment; the task is still there after the restart.
    const again = await serve(["--db", db, "--port", "0", "--host", "127.0.0.1", "--no-watch"], { env: { PORT: "1", STRATA_DB: join(dir, "other.db") } });
    const task = await get(again, `/api/tasks/${created.body.task.id}`);
    expect(task.status).toBe(200);
    expect(task.body.config).toEqual(created.body.task.config);
    expect(existsSync(join(dir, "other.db"))).toBe(false);
    expect((await get(again, "/api/layers/status")).body.watching).toBe(false);
    again.child.kill("SIGINT");
    expect(await again.exit).toBe(0);
  });

  it("keeps tasks in data/strata.db under the working directory by default", async () => {
    const cwd = tempDir();
    const s = await serve([], { cwd, env: { PORT: "0" } });
    expect((await post(s, "/api/tasks/from-context", CURL_EXAMPLE)).status).toBe(201);
    expect(existsSync(join(cwd, "data", "strata.db"))).toBe(true);
    s.child.kill("SIGTERM");
    expect(await s.exit).toBe(0);
  });

  it("refuses to start on a broken layer set, printing each error as file:line:col", async () => {
    const { layersDir } = copyLayerSet();
    writeFileSync(join(layersDir, "profiles", "quick-test.yaml"), "profile: quick-test\ntitle: Quick\ndescription: d\nlayers:\n  - name: q\n    when: { nope: [] }\n    data: {}\n");
    const p = run(["--layers", layersDir, "--port", "0"]);
    expect(await p.exit).toBe(2);
    expect(p.stderr()).toMatch(/profiles\/quick-test\.yaml:6:\d+: error unknown-operator: unknown JSON-logic operator 'nope'/);
    expect(p.stderr()).toMatch(/strata serve: the layer set in .* has 1 error\(s\)/);
    expect(p.stderr()).not.toMatch(/\n\s+at /);
  });

  it("explains a port in use, a bad port and an unusable database instead of crashing", async () => {
    const blocker: Server = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const busy = run(["--port", String(port), "--db", join(tempDir(), "t.db")]);
      expect(await busy.exit).toBe(2);
      expect(busy.stderr()).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      blocker.close();
    }
    const bad = run([], { env: { PORT: "eighty" } });
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain("PORT must be a whole number from 0 to 65535, not 'eighty'");

    const notDb = join(tempDir(), "not-a-db.db");
    writeFileSync(notDb, "this is not sqlite ".repeat(100));
    const broken = run(["--db", notDb, "--port", "0"]);
    expect(await broken.exit).toBe(2);
    expect(broken.stderr()).toContain(`cannot open the task database ${notDb}: the file is not an SQLite database`);
  });

  it("serves the project STRATA_PROJECT names (--project wins over it); with no project anywhere it does not start", async () => {
    const K8S = join(ROOT, "examples", "k8s-deployment");
    const k8s = await serve(["--port", "0", "--no-watch"], { env: { STRATA_PROJECT: K8S } });
    expect(k8s.stderr()).toMatch(/strata serving on http:\/\/127\.0\.0\.1:\d+ \(project: k8s-deployment; layers: \S+examples\/k8s-deployment\/layers, 10 files, hash/);
    expect((await get(k8s, "/api/layers/status")).body.files).toContain("tiers/critical.yaml");
    const preview = await post(k8s, "/api/config/preview", { service: "checkout", environment: "prod", region: "eu-west-1", tiers: ["critical"] });
    expect(preview.status).toBe(200);
    expect(preview.body.config.metadata.name).toBe("checkout-prod");
    expect(preview.body.provenance["/spec/replicas"]).toMatchObject({ stage: "tiers", file: "tiers/critical.yaml", line: 12 });
    k8s.child.kill("SIGTERM");
    expect(await k8s.exit).toBe(0);

    const site = await serve(["--port", "0", "--no-watch", "--project", join(ROOT, "test", "fixtures", "projects", "no-roles")], { env: { STRATA_PROJECT: K8S } });
    expect(site.stderr()).toContain("(project: site-settings;");
    expect((await post(site, "/api/config/preview", { site: "docs", audience: "public" })).body.config).toEqual({ title: "docs", base_url: "https://docs.example.com", languages: ["en"], search: true });
    site.child.kill("SIGTERM");
    expect(await site.exit).toBe(0);

    const cwd = tempDir();
    const none = run(["--port", "0"], { cwd, env: { STRATA_PROJECT: "" } });
    expect(await none.exit).toBe(2);
    expect(none.stderr()).toMatch(new RegExp(`^strata serve: no project file \\(strata\\.yaml\\) in ${cwd} or any folder above it\\.\nRun strata inside a project, give one with --project DIR`));
  });
});
