// strata's command line: a thin shell over the library. Commands load lazily to keep start-up short.
import { createRequire } from "node:module";
import { join } from "node:path";
import { useParseCache } from "../core/source-cache.js";
import { formatIssue } from "../core/issues.js";
import { EXIT, UsageError, printIssues, type Command } from "./common.js";
import { closeNames } from "../util/names.js";

// Each command lives in src/cli/<name>.ts and exports `command`; summaries are here so `--help` loads nothing.
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  compose: { summary: "compose a config from a context and print it", load: async () => (await import("./compose.js")).composeCommand },
  explain: { summary: "show who set each value (file:line) and why layers were skipped", load: async () => (await import("./explain.js")).command },
  profiles: { summary: "list the profiles with their titles and descriptions", load: async () => (await import("./profiles.js")).profilesCommand },
  layers: { summary: "list the stages and their layers in the order they apply", load: async () => (await import("./profiles.js")).layersCommand },
  lint: { summary: "check the layers, profiles, checks and scenarios without composing", load: async () => (await import("./lint.js")).command },
  test: { summary: "run the project's scenario tests (golden configs)", load: async () => (await import("./test.js")).command },
  diff: { summary: "show how a change to the layers alters every scenario's config", load: async () => (await import("./diff.js")).command },
  serve: { summary: "serve the HTTP API and web page", load: async () => (await import("./serve.js")).command },
  submit: { summary: "compose a task and hand it to the autotuner", load: async () => (await import("./submit.js")).command },
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return `strata: compose configs from layer files (the project: the nearest strata.yaml).

Usage: strata <command> [options]

Commands:
${Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(width)}  ${v.summary}`).join("\n")}

Every command takes --project DIR to name another project.
Run 'strata <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    // `strata help compose` is `strata compose --help`; `strata help compse` is an unknown command.
    if (name === "help" && rest[0]) return main([rest[0], "--help"]);
    process.stdout.write(mainHelp() + "\n");
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(createRequire(import.meta.url)("../../package.json").version + "\n");
    return EXIT.ok;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const near = closeNames(name, Object.keys(COMMANDS));
    if (near.length > 0) process.stderr.write(`strata: unknown command '${name}'; did you mean ${near.map((c) => `'${c}'`).join(" or ")}?\nRun 'strata --help' to list the commands.\n`);
    else process.stderr.write(`strata: unknown command '${name}'\n\n${mainHelp()}\n`);
    return EXIT.usage;
  }
  const command = await entry.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(command.help + "\n");
    return EXIT.ok;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      printIssues(e.issues);
      process.stderr.write(`strata ${name}: ${e.message}\n`);
      if (e.issues.length === 0 && /unknown option|Unexpected argument|requires an argument|ambiguous/i.test(e.message)) process.stderr.write(`Run 'strata ${name} --help' for usage.\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

/**
 * Where the `strata` command keeps parsed files between runs: $STRATA_CACHE_DIR, else $XDG_CACHE_HOME/strata,
 * else ~/.cache/strata; none with STRATA_NO_CACHE set (or no home to put it in).
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.STRATA_NO_CACHE) return undefined;
  if (env.STRATA_CACHE_DIR) return env.STRATA_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "strata");
  return env.HOME ? join(env.HOME, ".cache", "strata") : undefined;
}

/**
 * Run the command line of this process (`strata …`) and set its exit code: the `strata` bin's whole job. With a
 * `codeId` naming the code that runs (the bundled command passes its script's hash), parsed files are cached.
 */
export async function runCli(argv: string[] = process.argv.slice(2), options: { codeId?: string } = {}): Promise<void> {
  const dir = options.codeId ? cacheDir() : undefined;
  if (dir && options.codeId) useParseCache({ dir: join(dir, "parse"), codeId: options.codeId });
  // `strata … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = await main(argv).catch((e: unknown) => {
    // Only a bug reaches here: say so, with the stack, so it can be reported.
    process.stderr.write(`strata: internal error (please report): ${e instanceof Error ? e.stack : String(e)}\n`);
    return 70;
  });
}
export { formatIssue };
