// `strata profiles` and `strata layers`: what the layer set offers, in the order it applies.
import { describeLogic } from "../lang/condition.js";
import { EXIT, parse, out, type Command } from "./common.js";
import { loadOrExit, projectOf, PROJECT_OPTIONS, PROJECT_HELP } from "./project-options.js";

export const profilesCommand: Command = {
  name: "profiles",
  summary: "list the profiles with their titles and descriptions",
  help: `Usage: strata profiles [--json] [options]

List every profile: its name, title, description and layers.

Options:
      --json              print the list as JSON
${PROJECT_HELP}`,
  async run(argv) {
    const { values } = parse(argv, { json: { type: "boolean" }, ...PROJECT_OPTIONS });
    const set = loadOrExit(values);
    if (set.roles.profiles === undefined) {
      // Not an error: a project may have no profiles; say so plainly (and give scripts an empty list).
      if (values.json) out("[]");
      else out(`The project ${projectOf(values).name} has no profiles: its project file (${projectOf(values).file}) declares no profiles role.`);
      return EXIT.ok;
    }
    const list = [...set.profiles.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((p) => ({ name: p.name, title: p.title, description: p.description, file: p.file, layers: p.layers.map((l) => l.name) }));
    if (values.json) out(JSON.stringify(list, null, 2));
    else {
      const width = Math.max(...list.map((p) => p.name.length), 4);
      for (const p of list) out(`${p.name.padEnd(width)}  ${p.title}\n${" ".repeat(width)}  ${p.description}\n`);
    }
    return EXIT.ok;
  },
};

export const layersCommand: Command = {
  name: "layers",
  summary: "list the stages and their layers in the order they apply",
  help: `Usage: strata layers [--json] [options]

Show the stage order (stages.yaml in the layer directory) and, inside each
stage, the layers in the order they apply, with their files and conditions.

Options:
      --json              print the list as JSON
${PROJECT_HELP}`,
  async run(argv) {
    const { values } = parse(argv, { json: { type: "boolean" }, ...PROJECT_OPTIONS });
    const set = loadOrExit(values);
    const stages = set.stages.map((s) => ({
      stage: s.name,
      source: s.source,
      ...(s.description ? { description: s.description } : {}),
      layers:
        s.source === "profiles"
          ? [...set.profiles.values()].map((p) => ({ profile: p.name, file: p.file, layers: p.layers.map((l) => l.entry) }))
          : s.layers.map((l) => ({ name: l.name, file: `${l.file}:${l.line}`, ...(l.when !== undefined ? { when: describeLogic(l.when) } : {}) })),
    }));
    if (values.json) out(JSON.stringify({ stages, checks: set.checks.map((c) => ({ check: c.name, severity: c.severity, file: `${c.file}:${c.line}` })) }, null, 2));
    else {
      stages.forEach((s, i) => {
        out(`${i + 1}. ${s.stage}${s.source === "profiles" ? ` (the context's ${set.roles.profiles}, in its order)` : s.source === "overrides" ? " (user_patch or user_replace)" : ""}`);
        for (const l of s.layers as Record<string, unknown>[]) {
          if ("profile" in l) out(`     ${("profile " + l.profile).padEnd(24)} ${String(l.file).padEnd(34)} when listed in ${set.roles.profiles}`);
          else out(`     ${String(l.name).padEnd(24)} ${String(l.file).padEnd(34)} ${l.when ? "when " + l.when : "always"}`);
        }
      });
      out(`then checks: ${set.checks.map((c) => c.name).join(", ") || "none"}; then JSON Schema validation`);
    }
    return EXIT.ok;
  },
};

