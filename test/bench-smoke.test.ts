// The benchmark runs (on tiny sizes) and produces its report; measuring is `npm run bench`'s job, not a test's.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/paths.js";

const DOC = join(REPO_ROOT, "docs", "benchmarks.md");
const snapshot = () => (existsSync(DOC) ? { text: readFileSync(DOC, "utf8"), mtime: statSync(DOC).mtimeMs } : undefined);

describe("npm run bench (tiny mode)", () => {
  it("runs all four parts and prints the report with every table and target, without touching docs/benchmarks.md", () => {
    const before = snapshot();
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "bench", "run.mjs"), "--tiny"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = r.stdout;

    expect(report).toMatch(/^# Benchmarks/);
    expect(report).toContain("tiny mode");
    for (const heading of ["## Targets", "## Machine", "## 1. Compose throughput", "## 2. Scale", "## 3. Cold start", "## 4. Service", "## What each change bought", "## What bounds the gaps", "## Reproduce"]) {
      expect(report).toContain(heading);
    }
    // Part 1 compared four sides (after checking they agree) on both workloads.
    expect(r.stderr).toContain("strata, both hand-written floors and the Python factory agree on all 1 context(s)");
    expect(r.stderr).toContain("strata, both hand-written floors and the Python factory agree on all 50 context(s)");
    expect(report.match(/^\| strata \(library, `composeSync`\) \| [\d,.]+ \(/gm)).toHaveLength(2);
    expect(report.match(/^\| strata \(library, async `compose`\) \| [\d,.]+ \(/gm)).toHaveLength(2);
    expect(report.match(/^\| strata, per context .* p50 [\d,.]+, p99 [\d,.]+ \|/gm)).toHaveLength(2);
    expect(report.match(/^\| Python factory, per context .* Python ÷ strata: p50 [\d,.]+×, p99 [\d,.]+× \|/gm)).toHaveLength(2);
    expect(report.match(/^\| validating floor \(hand-written \+ the same validators\) \| .* floor ÷ strata: [\d.,]+×/gm)).toHaveLength(2);
    expect(report.match(/^\| object-literal floor \(hand-written, no validation\) \| .* floor ÷ strata: [\d.,]+×/gm)).toHaveLength(2);
    expect(report.match(/^\| design's Python factory \| .* strata ÷ Python: [\d.,]+×/gm)).toHaveLength(2);
    // Part 2: one row per generated size; part 3: both commands and their ratio; part 4: both routes.
    expect(report).toMatch(/^\| 10 \| 1 \| 12 \| /m);
    expect(report).toMatch(/^\| 100 \| 10 \| 111 \| /m);
    expect(report).toMatch(/^\| `node -e 0` \| [\d.,]+ \(/m);
    expect(report).toMatch(/^\| `strata compose --context <example>` \| [\d.,]+ \(/m);
    expect(report).toMatch(/^\| \*\*strata compose ÷ node -e 0\*\* \| [\d.,]+×/m);
    // A cold lint and test beside it.
    expect(report).toMatch(/^\| `strata lint` \| [\d.,]+ \(.*\) \| [\d.,]+× \|$/m);
    expect(report).toMatch(/^\| `strata test` \| [\d.,]+ \(.*\) \| [\d.,]+× \|$/m);
    // …and the same compose started each way the README names, side by side.
    for (const how of ["node dist/cli.js compose …", "strata compose … (after npm link)", "npx strata compose …", "npm run strata -- compose …"]) {
      expect(report).toMatch(new RegExp(`^\\| \`${how.replace(/[.()…-]/g, "\\$&")}\` \\| [\\d.,]+ \\([\\d.,]+–[\\d.,]+\\) \\| [\\d.,]+× \\|$`, "m"));
    }
    expect(report).toMatch(/^\| `GET \/api\/health \(trivial route\)` \| [\d.,]+ \(/m);
    expect(report).toMatch(/^\| `POST \/api\/config\/preview \(design example\)` \| [\d.,]+ \(/m);
    // Every target measured in tiny mode is printed as held or missed.
    const targets = report.slice(report.indexOf("## Targets"), report.indexOf("## Machine"));
    for (const name of ["mix: strata ≥ 5× the Python factory", "mix, p50 per context", "mix, p99 per context", "example: strata ≥ 10× the Python factory", "within 10× of the validating hand-written floor", "cold start", "preview throughput"]) {
      expect(targets).toMatch(new RegExp(`${name.replace(/[()×≥]/g, ".")}.*\\| (held|\\*\\*missed\\*\\*) \\|`));
    }
    expect(r.stderr).toMatch(/bench: (held  |MISSED) /);

    expect(snapshot()).toEqual(before);
  }, 300_000);
});
