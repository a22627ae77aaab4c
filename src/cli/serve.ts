// `strata serve`: the HTTP API, the task store and the web page, until SIGINT or SIGTERM.
import { Writable } from "node:stream";
import { StrataError } from "../core/issues.js";
import { EXIT, UsageError, parse, type Command } from "./common.js";
import { PROJECT_OPTIONS, PROJECT_HELP, projectOf, relativeDir } from "./project-options.js";
import { join } from "node:path";
import { readTokenFile, tokenProblem } from "../server/auth.js";

const OPTIONS = {
  host: { type: "string" },
  port: { type: "string" },
  db: { type: "string" },
  web: { type: "string" },
  "body-limit": { type: "string" },
  "no-watch": { type: "boolean" },
  "log-level": { type: "string" },
  "log-json": { type: "boolean" },
  "token-file": { type: "string" },
  insecure: { type: "boolean" },
  "autotuner-url": { type: "string" },
  ...PROJECT_OPTIONS,
} as const;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export const command: Command = {
  name: "serve",
  summary: "serve the HTTP API and web page",
  help: `Usage: strata serve [options]

Serve the HTTP API (docs/api.md) and the web page for a project, and keep
tasks in an SQLite file. The project is --project, else $STRATA_PROJECT, else
the nearest strata.yaml from here up. The layer set is loaded once at start:
when it has errors, they are printed and the server does not start. Edits to
the layer and schema files and to strata.yaml then take effect without a
restart; an edit that breaks the set is reported at GET /api/layers/status
while the last good set keeps serving.

Options:
      --host HOST         address to listen on (default: $HOST, else 127.0.0.1)
      --port PORT         port to listen on; 0 picks a free one
                          (default: $PORT, else 8000)
      --db FILE           the task database, created with its folder
                          (default: $STRATA_DB, else data/strata.db)
      --web DIR           the built web page (default: web/dist of strata)
      --body-limit BYTES  largest request body; larger ones get 413
                          (default: 1048576)
      --no-watch          do not reload the layers when their files change
      --log-level LEVEL   fatal, error, warn, info, debug, trace or silent
                          (default: info)
      --log-json          log JSON lines (pino) instead of text
      --token-file FILE   tokens for writes, one a line (also $STRATA_TOKEN)
      --insecure          listen beyond loopback without a token
      --autotuner-url URL hand tasks to the autotuner ($STRATA_AUTOTUNER_URL)
${PROJECT_HELP}
With a token, writes need 'Authorization: Bearer <token>'; beyond loopback the
server does not start without one, unless --insecure (docs/security.md).

Stop with Ctrl-C (SIGINT) or SIGTERM: requests in flight finish, then the
database is closed.

Exit status: 0 after a clean stop, 2 when the server cannot start (broken
layers, bad option, port in use, unreadable database).`,
  async run(argv) {
    const { values } = parse(argv, OPTIONS);
    const host = values.host ?? process.env.HOST ?? "127.0.0.1";
    const port = toInt(values.port ?? process.env.PORT ?? "8000", values.port !== undefined ? "--port" : "PORT", 0, 65535);
    const db = values.db ?? process.env.STRATA_DB ?? "data/strata.db";
    const bodyLimit = values["body-limit"] !== undefined ? toInt(values["body-limit"], "--body-limit", 1, 2 ** 31 - 1) : undefined;
    const level = values["log-level"] ?? "info";
    if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, not '${level}'`);
    // STRATA_PROJECT names the project when --project does not (a service is often started without a shell).
    const env = process.env.STRATA_PROJECT;
    const project = projectOf({ ...values, project: values.project ?? (env !== undefined && env !== "" ? env : undefined) });
    const layersDir = project.layersDir;
    const tokens = readTokens(values["token-file"]);
    const autotunerUrl = autotunerUrlOf(values["autotuner-url"]);

    const { createServer } = await import("../server/app.js");
    const { StoreError } = await import("../server/store.js");
    const { StartRefused } = await import("../server/auth.js");
    let server: Awaited<ReturnType<typeof createServer>>;
    try {
      server = await createServer({
        host, port, db, project, bodyLimit, tokens,
        insecure: values.insecure ?? false,
        autotunerUrl,
        webDir: values.web,
        watch: !values["no-watch"],
        logger: { level, ...(values["log-json"] ? {} : { stream: textLog() }) },
      });
    } catch (e) {
      if (e instanceof StrataError) {
        const errors = e.issues.filter((i) => i.severity === "error");
        const dir = relativeDir(layersDir);
        // Files in these issues are relative to the layer directory (a schema: ../schemas/…): show them from here.
        const shown = errors.map((i) => (i.file ? { ...i, file: join(dir, i.file) } : i));
        throw new UsageError(`the layer set in ${dir} has ${errors.length} error(s); fix them (strata lint) and start again`, shown);
      }
      if (e instanceof StoreError || e instanceof StartRefused) throw new UsageError(e.message);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new UsageError(`cannot listen on ${host}:${port}: the port is in use (choose another with --port or PORT)`);
      if (code === "EACCES") throw new UsageError(`cannot listen on ${host}:${port}: permission denied (ports below 1024 need privileges)`);
      if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") throw new UsageError(`cannot listen on ${host}:${port}: no such address on this machine`);
      throw e;
    }

    const set = server.layers.set;
    server.app.log.info(
      `strata serving on ${server.url} (project: ${project.name}; layers: ${relativeDir(layersDir)}, ${set.files.length} files, hash ${set.hash.slice(0, 12)}; database: ${server.store.file}${autotunerUrl ? `; tasks handed to the autotuner at ${autotunerUrl}` : ""})`,
    );
    return new Promise<number>((done) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          server.app.log.warn(`${signal} again: exiting without waiting`);
          process.exit(1);
        }
        stopping = true;
        server.app.log.info(`${signal}: finishing requests in flight, then stopping`);
        server
          .close()
          .then(() => done(EXIT.ok))
          .catch((e: unknown) => {
            process.stderr.write(`strata serve: error while stopping: ${(e as Error).message}\n`);
            done(1);
          })
          .finally(() => {
            process.off("SIGINT", onInt);
            process.off("SIGTERM", onTerm);
          });
      };
      const onInt = () => stop("SIGINT");
      const onTerm = () => stop("SIGTERM");
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
    });
  },
};

/** --autotuner-url, else $STRATA_AUTOTUNER_URL: an http(s) URL, or none. */
export function autotunerUrlOf(given: string | undefined): string | undefined {
  const text = given ?? (process.env.STRATA_AUTOTUNER_URL || undefined);
  if (text === undefined) return undefined;
  const what = given !== undefined ? "--autotuner-url" : "STRATA_AUTOTUNER_URL";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what} must be an http(s) URL such as http://autotuner:8000, not '${text}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${what} must be an http(s) URL, not '${text}'`);
  // fetch refuses a URL with credentials, so every hand-off would fail, and the URL (password and all) would be
  // in every stored failure reason: refuse it here, without repeating the password.
  if (url.username || url.password) throw new UsageError(`${what} must not hold a user name or password (${url.protocol}//${url.username ? `${url.username}:…@` : ""}${url.host}…): strata sends no credentials to the autotuner; give its URL without them`);
  return text.replace(/\/+$/, "");
}

/** $STRATA_TOKEN and the token file's lines; never printed. */
function readTokens(file: string | undefined): string[] {
  const tokens: string[] = [];
  const env = process.env.STRATA_TOKEN?.trim();
  if (env) {
    const problem = tokenProblem(env);
    if (problem) throw new UsageError(`$STRATA_TOKEN: ${problem}`);
    tokens.push(env);
  }
  if (file !== undefined) {
    try {
      tokens.push(...readTokenFile(file));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return tokens;
}

function toInt(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new UsageError(`${what} must be a whole number from ${min} to ${max}, not '${text}'`);
  return n;
}

/** pino writes JSON lines; on a terminal show `time level message` (errors keep their stack, server-side only). */
function textLog(): Writable {
  const names: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
  return new Writable({
    write(chunk: Buffer, _enc, next) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        try {
          const o = JSON.parse(line) as { time?: number; level?: number; msg?: string; err?: { stack?: string; message?: string } };
          const time = new Date(o.time ?? Date.now()).toISOString().slice(11, 23);
          const err = o.err ? `\n${o.err.stack ?? o.err.message}` : "";
          process.stderr.write(`${time} ${(names[o.level ?? 30] ?? "info").padEnd(5)} ${o.msg ?? ""}${err}\n`);
        } catch {
          process.stderr.write(line + "\n");
        }
      }
      next();
    },
  });
}
