// The token for writes (docs/security.md#tokens): writes without one, with a wrong one and with the right one;
// reads open; a server beyond loopback refused without a token; tokens never in the log.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServer, type RunningServer } from "../src/server/app.js";
import { checkExposure, isLoopback, readTokenFile, StartRefused, tokenChecker } from "../src/server/auth.js";
import { AutotunerClient } from "../src/server/handoff/client.js";
import { CURL_EXAMPLE, LAYERS, ROOT, SCHEMAS, call, get, post, removeTempDirs, startServer, tempDir } from "./server-helpers.js";

const TOKEN = "s3cret-token-for-tests";
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe("a server with a token", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ tokens: ["another-one", TOKEN] });
  });
  afterAll(async () => {
    await server.close();
    removeTempDirs();
  });

  it("refuses a create without a token (401 token-missing) and stores nothing", async () => {
    const r = await post(server, "/api/tasks/from-context", CURL_EXAMPLE);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("token-missing");
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await get(server, "/api/tasks")).body.total).toBe(0);
  });

  it("refuses a wrong token, a token in another scheme and an empty bearer (401), never echoing what was sent", async () => {
    for (const headers of [bearer("wrong"), bearer(TOKEN + "x"), { authorization: `Basic ${TOKEN}` }, { authorization: "Bearer " }]) {
      const r = await post(server, "/api/tasks/from-context", CURL_EXAMPLE, headers);
      expect(r.status).toBe(401);
      expect(["token-invalid", "token-missing"]).toContain(r.body.error.code);
      expect(r.text).not.toContain(TOKEN);
    }
    expect((await post(server, "/api/tasks/from-context", CURL_EXAMPLE, bearer("wrong"))).body.error.code).toBe("token-invalid");
    expect((await get(server, "/api/tasks")).body.total).toBe(0);
  });

  it("accepts any configured token for create and delete; a delete without one is refused", async () => {
    const created = await post(server, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: "with-token" }, bearer(TOKEN));
    expect(created.status).toBe(201);
    const id = created.body.task.id;
    expect((await call(server, "DELETE", `/api/tasks/${id}`)).status).toBe(401);
    expect((await call(server, "DELETE", `/api/tasks/${id}`, undefined, bearer("wrong"))).status).toBe(401);
    expect((await get(server, `/api/tasks/${id}`)).status).toBe(200);
    expect((await call(server, "DELETE", `/api/tasks/${id}`, undefined, bearer("another-one"))).status).toBe(204);
    expect((await post(server, "/api/layers/reload")).status).toBe(401);
  });

  it("leaves reads open: lists, tasks, options, health and previews (a POST that stores nothing)", async () => {
    for (const path of ["/api/tasks", "/api/options", "/api/health", "/api/profiles", "/api/layers/status"]) expect((await get(server, path)).status).toBe(200);
    expect((await post(server, "/api/config/preview", CURL_EXAMPLE)).status).toBe(200);
  });
});

describe("where a token is required", () => {
  afterEach(removeTempDirs);

  it("without tokens on loopback, writes are open as before", async () => {
    const s = await startServer();
    try {
      expect((await post(s, "/api/tasks/from-context", CURL_EXAMPLE)).status).toBe(201);
    } finally {
      await s.close();
    }
  });

  it("refuses to listen beyond loopback without a token, saying why; --insecure or a token allows it", async () => {
    const options = { layersDir: LAYERS, schemasDir: SCHEMAS, watch: false, db: join(tempDir(), "t.db"), webDir: join(tempDir(), "none"), host: "0.0.0.0" };
    await expect(createServer(options)).rejects.toThrow(StartRefused);
    await expect(createServer(options)).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without a token: anyone who can reach the port could create, delete and start tasks/);
    expect(() => checkExposure("::", [], false)).toThrow(StartRefused);
    expect(() => checkExposure("10.1.2.3", [], false)).toThrow(StartRefused);
    expect(() => checkExposure("0.0.0.0", [], true)).not.toThrow();
    expect(() => checkExposure("0.0.0.0", ["t"], false)).not.toThrow();
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]) expect(isLoopback(h)).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com"]) expect(isLoopback(h)).toBe(false);
  });

  it("compares tokens by their hashes, accepting each configured one and nothing else", () => {
    const check = tokenChecker(["a", "bb"]);
    expect(check("a")).toBe(true);
    expect(check("bb")).toBe(true);
    for (const t of ["", "b", "aa", "a ", "A"]) expect(check(t)).toBe(false);
  });

  it("reads a token file: one a line, blank lines and # comments skipped; an empty or missing file is an error naming it", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "tokens"), "# team\n tok-1 \n\ntok-2\r\n");
    expect(readTokenFile(join(dir, "tokens"))).toEqual(["tok-1", "tok-2"]);
    writeFileSync(join(dir, "empty"), "# none\n\n");
    expect(() => readTokenFile(join(dir, "empty"))).toThrow(`the token file ${join(dir, "empty")} holds no token`);
    expect(() => readTokenFile(join(dir, "nope"))).toThrow(`cannot read the token file ${join(dir, "nope")}: ENOENT`);
  });

  it("a token no client could send (a space inside, a character beyond visible ASCII) is refused, by line, never echoed", async () => {
    const dir = tempDir();
    const sayNo = "a token must be visible ASCII characters without spaces (it is sent in an HTTP header): no client could send this one";
    for (const [text, line] of [["ok-1\nmy secret\n", 2], ["# x\n\nPässwort\n", 3], ["tab\there", 1], ["ok\nnb\u00a0sp\n", 2]] as const) {
      writeFileSync(join(dir, "t"), text);
      expect(() => readTokenFile(join(dir, "t"))).toThrow(new Error(`the token file ${join(dir, "t")}, line ${line}: ${sayNo}`));
    }
    // Every visible ASCII character is sendable.
    const all = Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).join("");
    writeFileSync(join(dir, "t"), `${all}\n`);
    expect(readTokenFile(join(dir, "t"))).toEqual([all]);
    // The library refuses the same, before opening anything.
    await expect(startServer({ tokens: ["fine", "not fine"] })).rejects.toThrow(new StartRefused(`token 2 of 2: ${sayNo}`));
  });
});

describe("strata serve and tokens", () => {
  afterEach(removeTempDirs);
  const CLI = join(ROOT, "dist", "cli.js");

  function serve(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--no-watch", "--db", join(tempDir(), "t.db"), ...args], {
      cwd: tempDir(),
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !["HOST", "PORT", "STRATA_TOKEN"].includes(k))), STRATA_PROJECT: ROOT, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    const exit = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    const url = new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /strata serving on (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]);
        if (m || child.exitCode !== null) clearInterval(t);
        if (!m && child.exitCode !== null) reject(new Error(err));
      }, 20);
    });
    url.catch(() => undefined);
    return { child, exit, url, stderr: () => err };
  }

  it("does not start on 0.0.0.0 without a token (exit 2, the reason), starts with --insecure", async () => {
    const refused = serve(["--host", "0.0.0.0"]);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr()).toContain("refusing to listen on 0.0.0.0 without a token");
    expect(refused.stderr()).toContain("--insecure");
    expect(refused.stderr()).not.toMatch(/\n\s+at /);
    const insecure = serve(["--host", "0.0.0.0", "--insecure"]);
    await insecure.url;
    insecure.child.kill("SIGTERM");
    expect(await insecure.exit).toBe(0);
  });

  it("takes STRATA_TOKEN and --token-file together, and never logs a token", async () => {
    const file = join(tempDir(), "tokens");
    writeFileSync(file, "file-token-1\n");
    const s = serve(["--token-file", file, "--log-level", "debug"], { STRATA_TOKEN: TOKEN });
    const url = (await s.url).replace("0.0.0.0", "127.0.0.1");
    const server = { url };
    expect((await post(server, "/api/tasks/from-context", CURL_EXAMPLE)).status).toBe(401);
    expect((await post(server, "/api/tasks/from-context", CURL_EXAMPLE, bearer("nope"))).status).toBe(401);
    expect((await post(server, "/api/tasks/from-context", CURL_EXAMPLE, bearer(TOKEN))).status).toBe(201);
    expect((await post(server, "/api/tasks/from-context", { ...CURL_EXAMPLE, task_name: "second" }, bearer("file-token-1"))).status).toBe(201);
    s.child.kill("SIGTERM");
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toContain("POST /api/tasks/from-context 401");
    for (const secret of [TOKEN, "file-token-1", "nope"]) expect(s.stderr()).not.toContain(secret);
  });

  it("a STRATA_TOKEN or token-file line no client could send is a usage error (exit 2) that does not repeat it", async () => {
    const env = serve([], { STRATA_TOKEN: "two words" });
    expect(await env.exit).toBe(2);
    expect(env.stderr()).toBe("strata serve: $STRATA_TOKEN: a token must be visible ASCII characters without spaces (it is sent in an HTTP header): no client could send this one\n");
    const file = join(tempDir(), "tokens");
    writeFileSync(file, "good-one\nsecret café\n");
    const fromFile = serve(["--token-file", file]);
    expect(await fromFile.exit).toBe(2);
    expect(fromFile.stderr()).toBe(`strata serve: the token file ${file}, line 2: a token must be visible ASCII characters without spaces (it is sent in an HTTP header): no client could send this one\n`);
  });

  it("names the autotuner it hands tasks to; a URL with a password, or a bad URL, is a usage error that does not repeat the password", async () => {
    const s = serve(["--autotuner-url", "http://127.0.0.1:9/"]);
    await s.url;
    s.child.kill("SIGTERM");
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toContain("; tasks handed to the autotuner at http://127.0.0.1:9)");
    const secret = serve(["--autotuner-url", "http://user:hunter2@127.0.0.1:9/"]);
    expect(await secret.exit).toBe(2);
    expect(secret.stderr()).toContain("--autotuner-url must not hold a user name or password (http://user:…@127.0.0.1:9…): strata sends no credentials to the autotuner; give its URL without them");
    expect(secret.stderr()).not.toContain("hunter2");
    const env = serve([], { STRATA_AUTOTUNER_URL: "https://:hunter2@autotuner.example" });
    expect(await env.exit).toBe(2);
    expect(env.stderr()).toContain("STRATA_AUTOTUNER_URL must not hold a user name or password (https://autotuner.example…)");
    expect(env.stderr()).not.toContain("hunter2");
    expect(() => new AutotunerClient("http://user:hunter2@127.0.0.1:9")).toThrow("the autotuner URL must not hold a user name or password: strata sends no credentials to the autotuner");
    const bad = serve([], { STRATA_AUTOTUNER_URL: "autotuner:8000" });
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain("STRATA_AUTOTUNER_URL must be an http(s) URL");
  });

  it("a token file that cannot be read is a usage error naming it", async () => {
    const s = serve(["--token-file", join(tempDir(), "missing")]);
    expect(await s.exit).toBe(2);
    expect(s.stderr()).toContain("cannot read the token file");
  });
});
