// Install says what it is doing and is honest about requirements: the build prints one line per step (and the
// README shows those lines), and every package the lockfile installs accepts the oldest Node that package.json
// promises, so `npm install` on that Node prints no EBADENGINE warning.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Fastify from "fastify";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/paths.js";

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; engines?: Record<string, string> | string[] }>;
};

/** The installed packages that state which Node they accept, with that range. */
function nodeRanges(): { path: string; version: string; range: string }[] {
  return Object.entries(lock.packages)
    .filter(([path, p]) => path !== "" && p.engines && !Array.isArray(p.engines) && typeof p.engines.node === "string")
    .map(([path, p]) => ({ path, version: p.version ?? "?", range: (p.engines as Record<string, string>).node }));
}

describe("the build", () => {
  it("is one script that prints a line per step, and the README shows the same lines", () => {
    const pkgScripts = (pkg as unknown as { scripts: Record<string, string> }).scripts;
    expect(pkgScripts.build).toBe("node scripts/build.mjs");
    expect(pkgScripts.prepare).toBe("npm run build");
    const lines = execFileSync(process.execPath, [join(REPO_ROOT, "scripts", "build.mjs"), "--list"], { encoding: "utf8" }).trim().split("\n");
    expect(lines[0]).toBe("build 1/6: compile the CLI and library (tsc → dist/)");
    expect(lines.map((l) => /^build (\d+)\/(\d+): /.exec(l)?.slice(1).join("/"))).toEqual(["1/6", "2/6", "3/6", "4/6", "5/6", "6/6"]);
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    for (const line of lines) expect(readme).toContain(line);
  });
});

describe("engines", () => {
  const minimum = semver.minVersion(pkg.engines.node)!;

  it("package.json and the lockfile's root state the same Node range, and the README names its minimum", () => {
    expect(lock.packages[""].engines).toEqual(pkg.engines);
    expect(minimum.version).toBe("20.19.0");
    expect(readFileSync(join(REPO_ROOT, "README.md"), "utf8")).toContain(`Node.js ${minimum.major}.${minimum.minor} or newer`);
  });

  it("every package in the lockfile accepts the oldest Node that package.json promises", () => {
    const ranges = nodeRanges();
    // The lockfile records engines for the packages that state them: a parse that found none would pass vacuously.
    expect(ranges.map((r) => r.path)).toContain("node_modules/better-sqlite3");
    const refusing = ranges.filter((r) => !semver.satisfies(minimum, r.range)).map((r) => `${r.path}@${r.version} wants node ${r.range}`);
    expect(refusing).toEqual([]);
  });

  it("the check catches a package that wants a newer Node (cookie@2.0.2 wanted >=22)", () => {
    expect(semver.satisfies(minimum, ">=22")).toBe(false);
    expect(semver.satisfies(minimum, "^20.19.0 || >=22.12.0")).toBe(true);
  });

  // package.json `overrides` gives light-my-request (fastify's inject) cookie 1.x: cookie 2 wants Node 22, and
  // 1.1 has the stringifySetCookie that light-my-request calls. Its cookie option must still reach the route.
  it("fastify's inject still sends cookies with the overridden cookie package", async () => {
    const app = Fastify();
    app.get("/", async (req) => ({ cookie: req.headers.cookie ?? null }));
    const res = await app.inject({ method: "GET", url: "/", cookies: { session: "a b", theme: "dark" } });
    await app.close();
    expect(res.json()).toEqual({ cookie: "session=a%20b; theme=dark" });
  });
});
