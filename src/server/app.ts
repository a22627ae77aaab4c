// The HTTP service: `buildApp` wires the layer source, the task store, the routes and the web page into a
// Fastify app (tests call it with port 0 through `createServer`); `strata serve` is a thin shell over it.
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from "fastify";
import { PACKAGE_ROOT } from "../core/schemas.js";
import { findProject, loadProject, PROJECT_HINT, type Project } from "../core/project.js";
import { issue, StrataError } from "../core/issues.js";
import { LayerSource } from "./layer-watcher.js";
import { TaskStore } from "./store.js";
import { registerRoutes } from "./routes.js";
import { registerWeb } from "./web.js";
import { ApiError, handleError } from "./errors.js";
import { BODY_LIMITS, decodeJsonBody, parseJsonBody } from "./json-body.js";
import { checkExposure, checkTokens, requireTokenForWrites } from "./auth.js";
import { AutotunerClient } from "./handoff/client.js";
import { Sender, type SenderOptions } from "./handoff/sender.js";
import { StatusCache } from "./handoff/status.js";
import { ComposePool, type PoolOptions } from "./compose-pool.js";

export const DEFAULT_DB = "data/strata.db";
export const DEFAULT_WEB_DIR = join(PACKAGE_ROOT, "web", "dist");

export interface ServerOptions {
  /** The project to serve: loaded, or its folder (or project file). Default: the nearest strata.yaml from the working directory up. */
  project?: Project | string;
  /** Another layer directory than the project's (a copy of its layers). */
  layersDir?: string;
  /** A folder holding the project's two schema files under the same names (a copy of its schemas). */
  schemasDir?: string;
  /** SQLite file (created with its directory); default data/strata.db. */
  db?: string;
  /** The built web page; default web/dist in the package. */
  webDir?: string;
  /** Largest request body in bytes (413 above); default 1 MiB. */
  bodyLimit?: number;
  /** Deepest nesting of a request body (400 deeper); default 64. */
  maxDepth?: number;
  /** Reload the layers when their files change; default true. */
  watch?: boolean;
  watchDebounceMs?: number;
  /** How often to compare file sizes and times as a fallback to the watchers (ms; 0: never); default 2000. */
  watchPollMs?: number;
  /** Bearer tokens accepted for writes (create, delete, start, reload); none: writes are open. */
  tokens?: string[];
  /** Listen beyond loopback without a token (a proxy in front authenticates). */
  insecure?: boolean;
  /** Hand every stored task to the autotuner at this URL (docs/api.md#the-hand-off); default none. */
  autotunerUrl?: string;
  /** The sender's retry timing and parallelism, and the autotuner requests' time limit (ms). */
  handoff?: SenderOptions & { timeoutMs?: number; statusTtlMs?: number };
  /**
   * Where previews and creates compose: worker processes (the default; `size` 0 composes in this process, where
   * a slow layer holds every other request), each compose within `timeoutMs`, at most `maxQueue` waiting.
   */
  compose?: PoolOptions;
  /** Fastify's logger option; default off. */
  logger?: FastifyServerOptions["logger"];
}

export interface StrataApp {
  app: FastifyInstance;
  layers: LayerSource;
  store: TaskStore;
  /** Present with an autotuner URL. */
  sender?: Sender;
  pool?: ComposePool;
}

const VERSION: string = createRequire(import.meta.url)("../../package.json").version;

/**
 * Build the app. Throws StrataError (with every issue) when the layer set is broken and StoreError when the
 * database cannot be opened: the service refuses to start rather than serve something wrong.
 */
export async function buildApp(options: ServerOptions = {}): Promise<StrataApp> {
  checkTokens(options.tokens ?? []);
  const bodyLimit = options.bodyLimit ?? BODY_LIMITS.maxBytes;
  const onError = handleError(bodyLimit);
  const app = Fastify({
    logger: options.logger ?? false,
    // Errors Fastify meets before routing (a bad percent-encoding, say) get the same shape as the rest.
    frameworkErrors: (err, req, reply) => onError(err, req, reply),
    bodyLimit,
    routerOptions: { ignoreTrailingSlash: true },
    // Fastify's two lines per request give way to one, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  const overrides = { layers: options.layersDir, schemasDir: options.schemasDir };
  const layers = new LayerSource({
    project: serverProject(options.project, overrides),
    overrides,
    debounceMs: options.watchDebounceMs,
    pollMs: options.watchPollMs,
    log: {
      info: (m) => app.log.info(m),
      warn: (m) => app.log.warn(m),
      error: (m) => app.log.error(m),
    },
  });
  let store: TaskStore;
  try {
    store = TaskStore.open(options.db ?? DEFAULT_DB);
  } catch (e) {
    layers.close();
    throw e;
  }
  let pool: ComposePool | undefined;
  try {
    pool = options.compose?.size === 0 ? undefined : new ComposePool(options.compose);
  } catch (e) {
    layers.close();
    store.close();
    throw e;
  }
  const sender = options.autotunerUrl
    ? new Sender(store.outbox, new AutotunerClient(options.autotunerUrl, options.handoff?.timeoutMs), {
        ...options.handoff,
        log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m), error: (m) => app.log.error(m) },
      })
    : undefined;
  app.addHook("onClose", async () => {
    await sender?.close();
    pool?.close();
    layers.close();
    store.close();
  });

  app.setErrorHandler(onError);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body, done) => {
    const decoded = decodeJsonBody(body as Buffer, req.headers["content-type"]);
    if (!decoded.ok) return done(new ApiError(decoded.status, decoded.issue.code, decoded.issue.message, [decoded.issue]), undefined);
    const text = decoded.text;
    if (text.trim() === "") return done(null, undefined);
    const parsed = parseJsonBody(text, options.maxDepth);
    if (parsed.ok) return done(null, parsed.value);
    done(new ApiError(400, parsed.issue.code, parsed.issue.message, [parsed.issue]), undefined);
  });
  // One line per request, after the answer: method, URL, status, time.
  app.addHook("onResponse", async (req, reply) => {
    req.log.info(`${req.method} ${req.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`);
  });

  // The methods each route answers, so a known path asked with another method gets 405, not 404.
  const known: { method: string; path: RegExp }[] = [];
  app.addHook("onRoute", (r) => {
    const path = new RegExp(`^${r.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z_]+/g, "[^/]+")}$`);
    for (const method of [r.method].flat()) known.push({ method, path });
  });
  const allowed = (path: string) => [...new Set(known.filter((k) => k.path.test(path)).map((k) => k.method))];
  requireTokenForWrites(app, options.tokens ?? []);
  const { set, recipe } = layers.versioned;
  if (pool && recipe) pool.warm(set.hash, recipe);
  // Reading a status must not hold a page for long: a shorter time limit than delivery's.
  const autotunerStatus = options.autotunerUrl ? new StatusCache(new AutotunerClient(options.autotunerUrl, 2000), options.handoff?.statusTtlMs) : undefined;
  registerRoutes(app, { layers, store, version: VERSION, sender, autotunerStatus, pool });
  await registerWeb(app, resolve(options.webDir ?? DEFAULT_WEB_DIR), allowed);
  if (options.watch ?? true) layers.watch();
  await app.ready();
  // Rows a previous run left (a restart, a crash) go first.
  sender?.kick();
  return { app, layers, store, sender, pool };
}

/** The project to serve; none found is a StrataError like a broken layer set (the service does not start). */
function serverProject(given: Project | string | undefined, overrides: { layers?: string; schemasDir?: string }): Project {
  const customised = overrides.layers !== undefined || overrides.schemasDir !== undefined;
  if (typeof given === "object") return customised ? loadProject(given.file, overrides) : given;
  const where = given !== undefined ? resolve(given) : findProject(process.cwd());
  if (where === undefined) throw new StrataError([issue("project-not-found", `no project file (strata.yaml) in ${process.cwd()} or any folder above it; ${PROJECT_HINT}`)]);
  return loadProject(where, overrides);
}

export interface RunningServer extends StrataApp {
  /** `http://host:port` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Build the app and listen (port 0: a free port). */
export async function createServer(options: ServerOptions & { host?: string; port?: number } = {}): Promise<RunningServer> {
  checkExposure(options.host ?? "127.0.0.1", options.tokens ?? [], options.insecure ?? false);
  const built = await buildApp(options);
  try {
    await built.app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  } catch (e) {
    await built.app.close();
    throw e;
  }
  const address = built.app.server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 0);
  const host = options.host ?? "127.0.0.1";
  return { ...built, port, url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`, close: () => built.app.close() };
}
