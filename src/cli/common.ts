// What every command shares: argument parsing, reading input files, printing issues, exit codes.
import { closeSync, openSync } from "node:fs";
import { FileReadError, fileText, readAtMost } from "../core/dir-walk.js";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { formatIssue, sortIssues, type Issue } from "../core/issues.js";
import { positionOf, SOURCE_LIMITS, type ParsedSource } from "../core/source.js";
import { parseSource } from "../core/source-cache.js";
import { closeNames } from "../util/names.js";
import { escapeToken } from "../util/pointer.js";

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/** A user mistake: printed as one line per issue, never with a stack. */
export class UsageError extends Error {
  constructor(message: string, readonly issues: Issue[] = []) {
    super(message);
  }
}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;
type Parsed<T extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

export function parse<T extends OptionsConfig>(argv: string[], options: T, allowPositionals = false): Parsed<T> {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals, strict: true }) as unknown as Parsed<T>;
  } catch (e) {
    const message = (e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, "");
    const unknown = /^Unknown option '(--[^'=]+)'/.exec(message)?.[1];
    const near = unknown ? closeNames(unknown, [...Object.keys(options), "help"].map((k) => `--${k}`)) : [];
    throw new UsageError(near.length > 0 ? `Unknown option '${unknown}'; did you mean ${near.join(" or ")}?` : message);
  }
}

/** Read a YAML or JSON file (or `-` for standard input) as data, never evaluating anything in it. */
export function readDataFile(path: string): { data: unknown; source: ParsedSource; file: string } {
  let text: string;
  const file = path === "-" ? "<stdin>" : path;
  // Read no more than the size limit allows (plus one byte to know it is over): a huge file or an endless
  // pipe is refused without being held in memory. A named pipe is fine here: the user chose to give one.
  let fd: number | undefined;
  try {
    fd = path === "-" ? 0 : openSync(path, "r");
    text = fileText(readAtMost(fd, SOURCE_LIMITS.maxBytes));
  } catch (e) {
    if (e instanceof FileReadError && e.code === "file-too-large") {
      throw new UsageError(`cannot read ${file}`, [{ code: "file-too-large", severity: "error", message: e.message, file, line: 1, column: 1 }]);
    }
    if (e instanceof FileReadError && e.code === "file-not-utf8") {
      throw new UsageError(`cannot read ${file}`, [{ code: "file-not-utf8", severity: "error", message: e.message, file, ...e.at }]);
    }
    const err = (e instanceof FileReadError ? e.cause ?? e : e) as NodeJS.ErrnoException;
    throw new UsageError(`cannot read ${file}: ${err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "it is a folder" : err.message}`);
  } finally {
    if (fd !== undefined && fd !== 0) closeSync(fd);
  }
  const parsed = parseSource({ path: file, text }, { expressions: false });
  if (!parsed.source) throw new UsageError(`cannot parse ${file}`, parsed.issues);
  return { data: parsed.source.data, source: parsed.source, file };
}

const CONTEXT_CODES = new Set(["context-invalid", "forbidden-key", "profile-not-found", "merge-failed", "config-not-object"]);

/** Where a value of the user's overrides was written: a file position, or a command-line argument. */
export interface OverrideLocation {
  file?: string;
  line?: number;
  column?: number;
  argument?: string;
}

/**
 * Give issues about the context their place: a problem with a context field at its line in the context
 * file, and a config problem whose value came from the user's overrides at the file line or the argument
 * (`--set …`) that wrote it (`overrideAt`). `fromFlags` names the context fields the command line added to
 * (the profiles and overrides fields, …): under those, only a place that really is in the file counts.
 * `overridesField` is the context field that holds the overrides (the project's overrides role).
 */
export function locate(
  issues: Issue[],
  file: string,
  source: ParsedSource,
  fromFlags: ReadonlySet<string> = new Set(),
  overrideAt?: (pointer: string, aboutKey: boolean) => OverrideLocation,
  overridesField?: string,
): Issue[] {
  return issues.map((i) => {
    if (i.file || i.pointer === undefined) return i;
    const aboutKey = i.code === "forbidden-key" || i.code === "config-not-object" || i.keyword === "additionalProperties";
    if (overrideAt && (i.origin?.source === "user_patch" || i.origin?.source === "user_replace")) {
      const at = overrideAt(i.pointer, aboutKey);
      if (at.argument) return { ...i, message: `${i.message} (from ${at.argument})` };
      return at.file ? { ...i, file: at.file, line: at.line, column: at.column } : i;
    }
    let pointer: string | undefined;
    // A problem with a directive of the overrides: at the --set argument, override file or context line that wrote it.
    if (overrideAt && (i.code === "merge-failed" || i.code === "config-not-object") && i.pointer.startsWith("/user_overrides/")) {
      const at = overrideAt(i.pointer.slice("/user_overrides".length), aboutKey);
      if (at.argument) return { ...i, message: `${i.message} (from ${at.argument})` };
      if (at.file) return { ...i, file: at.file, line: at.line, column: at.column };
    }
    if (CONTEXT_CODES.has(i.code)) pointer = i.pointer;
    else if ((i.origin?.source === "user_patch" || i.origin?.source === "user_replace") && overridesField !== undefined) pointer = `/${escapeToken(overridesField)}${i.pointer}`;
    if (pointer === undefined) return i;
    // A forbidden or unknown key is about the key itself; anything else about the value.
    const exact = fromFlags.has(pointer.split("/")[1] ?? "");
    const pos = exact ? (aboutKey ? undefined : source.positions.get(pointer + "#value")) ?? source.positions.get(pointer) : positionOf(source.positions, pointer, !aboutKey);
    return pos ? { ...i, file, line: pos.line, column: pos.column } : i;
  });
}

export function printIssues(issues: readonly Issue[], stream: NodeJS.WriteStream = process.stderr): void {
  for (const i of sortIssues(issues)) stream.write(formatIssue(i) + "\n");
}

export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}
