// `strata compose`: compose one context and print the config (YAML) or the whole result (--json).
import { stringifyYaml as stringify } from "../vendor.js";
import type { Issue } from "../core/issues.js";
import { compose, resultView, type ComposeResult } from "../core/compose.js";
import { getOwnPath, hasOwn, isPlainObject, setOwn } from "../util/data.js";
import { EXIT, UsageError, parse, readDataFile, locate, printIssues, out, type Command, type OverrideLocation } from "./common.js";
import { parseSource, positionOf, SOURCE_LIMITS } from "../core/source.js";
import { loadOrExit, loadSet, projectOf, requireRole, withLayerDir, PROJECT_OPTIONS, PROJECT_HELP } from "./project-options.js";
import type { Project } from "../core/project.js";
import { escapeToken, parseDotPath, parsePointer } from "../util/pointer.js";

/** The options of every command that composes a context (compose, explain). */
export const OPTIONS = {
  context: { type: "string", short: "c" },
  profile: { type: "string", short: "p", multiple: true },
  set: { type: "string", short: "s", multiple: true },
  override: { type: "string", short: "o", multiple: true },
  mode: { type: "string", short: "m" },
  json: { type: "boolean" },
  strict: { type: "boolean" },
  ...PROJECT_OPTIONS,
} as const;

export const composeCommand: Command = {
  name: "compose",
  summary: "compose a config from a context and print it",
  help: `Usage: strata compose --context FILE|- [options]

Compose the config for a context (YAML or JSON; - reads standard input) and
print it as YAML.

Options:
  -c, --context FILE|-    the context (fields: the project's context schema)
  -p, --profile NAME      add a profile after the context's own (repeatable)
  -s, --set PATH=VALUE    patch one value; VALUE is read as YAML:
                          --set parameters.tp-size=[2]
  -o, --override FILE     a YAML or JSON patch merged over the config
                          (repeatable)
  -m, --mode MODE         patch or replace: how the overrides apply
                          (default: the context's override_mode)
      --json              print {config, applied_layers, warnings,
                          provenance, …} as JSON
      --strict            treat warnings as errors
${PROJECT_HELP}
--profile, --set, --override and --mode need the project's roles (strata.yaml).
Overrides combine in this order: the context's own, each --override file, each
--set. They are data: nothing in them is evaluated.

Exit status: 0 valid config, 1 invalid config, 2 bad input or usage.`,
  async run(argv) {
    const { values } = parse(argv, OPTIONS);
    const { ctxFile, context, locateIssues } = readComposeInput(values, projectOf(values));
    // With --json a broken layer set is reported as JSON too (compose returns the set's errors).
    const set = values.json ? loadSet(values) : loadOrExit(values);
    const result = await compose(set, context, { strict: values.strict });
    const errors = locateIssues(result.errors);
    const warnings = locateIssues(result.warnings);
    if (values.json) {
      out(JSON.stringify(jsonResult({ ...result, errors, warnings }), null, 2));
    } else {
      printIssues(withLayerDir([...errors, ...warnings], set, ctxFile.file, values));
      if (result.ok && result.config) out(stringify(result.config));
    }
    return exitCode(result);
  },
};

/** What `--json` prints: the library's view of the result. */
export const jsonResult = resultView;

/** 1 when a config was composed but is invalid; 2 when composing could not finish (bad context, overrides or layers). */
export function exitCode(r: ComposeResult): number {
  if (r.ok) return EXIT.ok;
  return r.config ? EXIT.invalid : EXIT.usage;
}

type OverrideValues = { context?: string; profile?: string[]; set?: string[]; override?: string[]; mode?: string };
type SetPatch = { argument: string; patch: Record<string, unknown> };

/** What compose and explain read from the command line, each file read and each --set parsed once. */
export interface ComposeInput {
  ctxFile: DataFile;
  /** The context with --profile, --mode, --override files and --set patches applied. */
  context: unknown;
  /** Where a user-override value was written: its file line, or the --set argument. */
  overrideAt: (pointer: string, aboutKey?: boolean) => OverrideLocation;
  /** Issues given the place in the context file, override file or argument they concern. */
  locateIssues: (issues: Issue[]) => Issue[];
}

/** The context fields that play the roles the options need (undefined: the project has no such role). */
interface RoleFields {
  profiles?: string;
  overrides?: string;
  override_mode?: string;
}

export function readComposeInput(values: OverrideValues, project: Project): ComposeInput {
  if (!values.context) throw new UsageError("--context FILE is required (use - for standard input)");
  // An option for a role the project lacks says so, before any file is read.
  const roles: RoleFields = { ...project.roles };
  if (values.profile?.length) requireRole(project, "profiles", "--profile");
  if (values.set?.length) requireRole(project, "overrides", "--set");
  if (values.override?.length) requireRole(project, "overrides", "--override");
  if (values.mode !== undefined) requireRole(project, "override_mode", "--mode");
  if (values.mode !== undefined && values.mode !== "patch" && values.mode !== "replace") throw new UsageError(`--mode must be patch or replace, not '${values.mode}'`);
  const ctxFile = readDataFile(values.context);
  const files = (values.override ?? []).map((path) => {
    const f = readDataFile(path);
    if (!isPlainObject(f.data)) throw new UsageError(`${path}: an override file must hold a mapping`);
    return f;
  });
  // A message names the argument that set a value; a long one is cut (the user has it in their shell).
  const sets = (values.set ?? []).map((a) => ({ argument: `--set ${a.length > 60 ? a.slice(0, 59) + "…" : a}`, patch: parseSet(a) }));
  const overrideAt = overrideLocator(ctxFile, files, sets, roles.overrides);
  const flags = fieldsFromFlags(values, roles);
  return {
    ctxFile,
    context: buildContext(ctxFile.data, values, files, sets, roles),
    overrideAt,
    locateIssues: (issues) => locate(issues, ctxFile.file, ctxFile.source, flags, overrideAt, roles.overrides),
  };
}

/**
 * Where each value of the user's overrides came from: the last writer wins, as when they combine —
 * each --set (last first), then each --override file, then the context's user_overrides.
 */
function overrideLocator(ctx: DataFile, files: DataFile[], sets: SetPatch[], field: string | undefined): (pointer: string, aboutKey?: boolean) => OverrideLocation {
  const setsLastFirst = [...sets].reverse();
  const filesLastFirst = [...files].reverse();
  return (pointer, aboutKey = false) => {
    const segs = parsePointer(pointer);
    // A value, or a new object that holds it: the deepest existing prefix counts.
    const writes = (data: unknown) => {
      for (let n = segs.length; n > 0; n--) if (getOwnPath(data, segs.slice(0, n)) !== undefined) return true;
      return false;
    };
    for (const s of setsLastFirst) if (writes(s.patch)) return { argument: s.argument };
    for (const f of filesLastFirst) if (writes(f.data)) return { file: f.file, ...positionOf(f.source.positions, pointer, !aboutKey) };
    const own = isPlainObject(ctx.data) && field !== undefined && hasOwn(ctx.data, field) ? ctx.data[field] : undefined;
    if (writes(own)) return { file: ctx.file, ...positionOf(ctx.source.positions, `/${escapeToken(field!)}${pointer}`, !aboutKey) };
    return {};
  };
}

/** The context fields that command-line options add to (the role fields). */
function fieldsFromFlags(values: OverrideValues, roles: RoleFields): Set<string> {
  const fields = new Set<string>();
  if (values.profile?.length) fields.add(roles.profiles!);
  if (values.set?.length || values.override?.length) fields.add(roles.overrides!);
  if (values.mode) fields.add(roles.override_mode!);
  return fields;
}

/** The context to compose: the file's fields, then --profile, --mode, --override files and --set patches. */
function buildContext(data: unknown, values: OverrideValues, files: DataFile[], sets: SetPatch[], roles: RoleFields): unknown {
  if (!isPlainObject(data)) throw new UsageError("the context file must hold a mapping of fields");
  const ctx: Record<string, unknown> = { ...data };
  const own = (field: string) => (hasOwn(ctx, field) ? ctx[field] : undefined);
  if (values.profile?.length) {
    const field = roles.profiles!;
    const listed = own(field);
    setOwn(ctx, field, [...(Array.isArray(listed) ? listed : []), ...values.profile]);
  }
  if (values.mode) setOwn(ctx, roles.override_mode!, values.mode);
  if (files.length || sets.length) {
    const field = roles.overrides!;
    let patch: unknown = own(field);
    for (const f of files) patch = combinePatches(patch, f.data);
    for (const s of sets) patch = combinePatches(patch, s.patch);
    if (patch !== undefined) setOwn(ctx, field, patch);
  }
  return ctx;
}

/** `a.b=VALUE` → `{a: {b: VALUE}}`, VALUE read as YAML (so `[2]` is a list and `true` a boolean). */
export function parseSet(assignment: string): Record<string, unknown> {
  const eq = assignment.indexOf("=");
  if (eq <= 0) throw new UsageError(`--set takes PATH=VALUE, got '${assignment}'`);
  const written = assignment.slice(0, eq);
  // `a..b`, `.a`, `a.`: a dotted path with an empty part is a slip, not a way to write `a.b` (a key with a dot in
  // it is written as a JSON Pointer, `/a.b`).
  if (!written.startsWith("/") && written.split(".").includes("")) {
    throw new UsageError(`--set ${assignment}: the path '${written}' has an empty part (two dots together, or a dot at an end); for a key with a dot in it, write the path as a JSON Pointer (/a/b.c)`);
  }
  const path = parseDotPath(written);
  if (path.length === 0) throw new UsageError(`--set: empty path in '${assignment}'`);
  // Refused before anything is built from it: a path is nesting, and nesting has a limit everywhere.
  if (path.length > SOURCE_LIMITS.maxDepth) throw new UsageError(`--set: the path has ${path.length} segments; at most ${SOURCE_LIMITS.maxDepth} levels of nesting are allowed`);
  // Read like any user data file: no tags (`!expr` is not evaluated here), the same size and alias limits.
  const parsed = parseSource({ path: "--set", text: assignment.slice(eq + 1) }, { expressions: false });
  if (!parsed.source) throw new UsageError(`--set ${assignment}: ${parsed.issues.map((i) => i.message).join("; ")}`);
  const value = parsed.source.data;
  const root: Record<string, unknown> = {};
  let cur = root;
  path.forEach((seg, i) => {
    const next = i === path.length - 1 ? value : {};
    setOwn(cur, seg, next);
    cur = next as Record<string, unknown>;
  });
  return root;
}

/**
 * Patches stack: later keys win, objects combine; a directive object (`$patch`, `$append`) is kept whole.
 * Recurses once per level of both patches: guarded by the nesting limit before each step down.
 */
export function combinePatches(a: unknown, b: unknown, depth = 0): unknown {
  const directive = (v: unknown) => isPlainObject(v) && Object.keys(v).some((k) => k.startsWith("$"));
  if (!isPlainObject(a) || !isPlainObject(b) || directive(a) || directive(b)) return b;
  if (depth >= SOURCE_LIMITS.maxDepth) throw new UsageError(`the overrides nest deeper than ${SOURCE_LIMITS.maxDepth} levels`);
  const outObj: Record<string, unknown> = { ...a };
  for (const k of Object.keys(b)) setOwn(outObj, k, hasOwn(outObj, k) ? combinePatches(outObj[k], b[k], depth + 1) : b[k]);
  return outObj;
}

type DataFile = ReturnType<typeof readDataFile>;
