// Where strata's compose time goes: a CPU profile (node:inspector) of composing the mix, self time grouped
// by module. Taken after the timed runs, so the profiler's overhead never touches a measurement.
import { Session } from "node:inspector/promises";
import { readFileSync } from "node:fs";
import { join, sep } from "node:path";

const GROUPS = [
  [(f) => f.url.includes(`${sep}jsonata${sep}`), "JSONata (expressions in layer data)"],
  [(f) => f.url.includes(`${sep}json-logic-js${sep}`), "json-logic-js (conditions, checks)"],
  [(f) => f.url.includes(`${sep}yaml${sep}`), "yaml"],
  [(f) => f.url.includes(`${sep}ajv${sep}`) || (f.url === "" && /^validate\d*$/.test(f.functionName)), "ajv validators (context, config)"],
  [(f) => f.functionName === "(garbage collector)", "garbage collection"],
  [(f) => f.url.startsWith("node:") || f.functionName === "(program)", "Node and V8 (promises, microtasks, …)"],
];

/**
 * The build bundles YAML, JSONata and JSON-logic into dist/vendor.js; the bundler marks where each package's
 * code starts (`// node_modules/jsonata/jsonata.js`), so a frame's line still tells its package.
 */
function vendorPackages(dist) {
  let text;
  try {
    text = readFileSync(join(dist, "vendor.js"), "utf8");
  } catch {
    return [];
  }
  const marks = [];
  text.split("\n").forEach((line, i) => {
    const m = /^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) marks.push({ line: i, pkg: m[1] });
  });
  return marks;
}

function groupOf(frame, dist, marks) {
  if (marks.length > 0 && frame.url.endsWith(`${sep}dist${sep}vendor.js`)) {
    let pkg;
    for (const m of marks) if (m.line <= frame.lineNumber) pkg = m.pkg;
    if (pkg) frame = { ...frame, url: `${sep}${pkg}${sep}` };
  }
  for (const [test, name] of GROUPS) if (test(frame)) return name;
  const path = frame.url.replace(/^file:\/\//, "");
  if (path.startsWith(dist)) return `strata ${path.slice(dist.length + 1)}`;
  if (frame.functionName === "(idle)" || frame.functionName === "(root)") return undefined;
  return "other";
}

/** Share of CPU time by group while `work` runs. */
export async function profileShares(work, dist) {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  await work();
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const marks = vendorPackages(dist);
  const time = new Map();
  let total = 0;
  // Count samples rather than sum their time deltas: the first delta also holds the profiler's start-up.
  for (const id of profile.samples) {
    const group = groupOf(byId.get(id).callFrame, dist, marks);
    if (!group) continue;
    time.set(group, (time.get(group) ?? 0) + 1);
    total += 1;
  }
  return [...time].map(([group, t]) => ({ group, share: t / total })).sort((a, b) => b.share - a.share);
}
