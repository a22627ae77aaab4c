// The API routes: each a thin chain of library calls (read the body → compose → store or render).
import type { FastifyInstance } from "fastify";
import { Ajv, type ValidateFunction } from "ajv";
import { compose, resultView } from "../core/compose.js";
import { isCode, type Code } from "../core/codes.js";
import { issue, type Issue } from "../core/issues.js";
import { ApiError, invalidRequest, notFound } from "./errors.js";
import { bodyFieldFor, bodyHasField, bodyNameOf, bodyNames, readTaskRequest, requestBodySchema, toBodyPointers, type BodyNames } from "./body.js";
import { contextDefaults, formOptions, listProfiles, profileView } from "./catalog.js";
import { contextFeeds } from "./context-feeds.js";
import { openApiDocument } from "./openapi.js";
import { PARAM_SCHEMAS, QUERY_SCHEMAS } from "./api-schemas.js";
import type { Preview, ProjectInfo } from "./api-types.js";
import type { LayerSource } from "./layer-watcher.js";
import type { LayerSet, LayerSetRecipe } from "../core/load.js";
import type { Project } from "../core/project.js";
import { getOwnPath, isPlainObject } from "../util/data.js";
import { escapeToken, parsePointer } from "../util/pointer.js";
import type { ListQuery, TaskStore } from "./store.js";
import { PoolError, type ComposePool } from "./compose-pool.js";
import type { WorkerResult } from "./compose-worker.js";
import { errorMessage, errorPointer, usefulErrors } from "../lang/json-schema.js";
import type { Sender } from "./handoff/sender.js";
import type { StatusCache } from "./handoff/status.js";
import { takeStart, taskCreateOrThrow } from "./handoff/request.js";

export interface RouteDeps {
  layers: LayerSource;
  store: TaskStore;
  version: string;
  /** With an autotuner URL: every stored task is handed over by this sender (handoff/). */
  sender?: Sender;
  /** With an autotuner URL: the autotuner's status of delivered tasks. */
  autotunerStatus?: StatusCache;
  /** Where composes run; without one, in this process (the event loop waits for each). */
  pool?: ComposePool;
}

// Query strings and path parameters arrive as text: coerce them, fill defaults, reject unknown keys.
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true });
const validators = new Map<object, ValidateFunction>();

function checked<T>(schema: { properties?: Record<string, { type?: unknown }> }, data: unknown, code: Code, what: string): T {
  let validate = validators.get(schema);
  if (!validate) validators.set(schema, (validate = ajv.compile(schema)));
  const copy = { ...(data as object) } as Record<string, unknown>;
  // `?limit=1&limit=2` arrives as a list: say so, rather than that it is not an integer.
  const repeated = Object.entries(copy).filter(([, v]) => Array.isArray(v));
  if (repeated.length > 0) {
    const issues = repeated.map(([name, v]) => issue(code, `'${name}' is given ${(v as unknown[]).length} times; give it once`, { pointer: `/${escapeToken(name)}` }));
    throw invalidRequest(code, issues, what);
  }
  // ajv's coercion reads integers as JavaScript does (`0x10`, `1e3`, ` `); a parameter is decimal digits.
  const notDigits = Object.entries(schema.properties ?? {}).filter(
    ([name, p]) => p.type === "integer" && typeof copy[name] === "string" && !/^-?[0-9]+$/.test(copy[name] as string),
  );
  if (notDigits.length > 0) {
    const issues = notDigits.map(([name]) => issue(code, `'${name}' must be an integer written in decimal digits`, { pointer: `/${name}`, keyword: "type" }));
    throw invalidRequest(code, issues, what);
  }
  if (!validate(copy)) {
    const issues = usefulErrors(validate.errors).map((e) => issue(code, errorMessage(e, what), { pointer: errorPointer(e), keyword: e.keyword }));
    throw invalidRequest(code, issues, what);
  }
  return copy as T;
}

/** Body → context → compose. A body that cannot become a context is a 400 naming the field. */
async function composeBody(deps: RouteDeps, body: unknown, query: unknown): Promise<Composed> {
  const { strict } = checked<{ strict: boolean }>(QUERY_SCHEMAS.compose, query, "query-invalid", "the query string");
  // One version for the whole request: the body is read and composed with the set (and project file) in use when it arrived.
  const { set, recipe, project } = deps.layers.versioned;
  const names = bodyNames(project);
  const { request, issues } = readTaskRequest(set.schemas, names, body);
  if (!request) throw invalidRequest(sameCode(issues, "body-invalid"), issues);
  const result = deps.pool && recipe ? await inWorker(deps.pool, set.hash, recipe, request.context, strict) : await compose(set, request.context, { strict });
  const errors = toBodyPointers(result.errors, request);
  const warnings = toBodyPointers(result.warnings, request);
  // The body schema is derived from the context schema, so this is rare; still the input's fault.
  if (!result.context) throw invalidRequest(sameCode(errors, "body-invalid"), errors);
  return { result: { ...result, errors, warnings }, set, project, names };
}

interface Composed {
  result: WorkerResult;
  /** The set, project file and body names the request was read and composed with. */
  set: LayerSet;
  project: Project;
  names: BodyNames;
}

/** Compose in the pool; a full queue is 503 (with Retry-After), a compose over its time 504, a worker that died 503. */
async function inWorker(pool: ComposePool, hash: string, recipe: LayerSetRecipe, context: Record<string, unknown>, strict: boolean): Promise<WorkerResult> {
  try {
    return await pool.compose(hash, recipe, context, strict);
  } catch (e) {
    if (!(e instanceof PoolError)) throw e;
    const code = POOL_CODES[e.kind];
    const error = new ApiError(e.kind === "timeout" ? 504 : 503, code, e.message, [issue(code, e.message, { pointer: "" })]);
    if (e.kind === "busy") error.headers["retry-after"] = "1";
    return Promise.reject(error);
  }
}

const POOL_CODES = { busy: "compose-busy", timeout: "compose-timeout", aborted: "compose-aborted" } as const satisfies Record<PoolError["kind"], Code>;

/** The output schema's bound on the item name (`maxLength` at its pointer), so a suggested name is one the schema accepts. */
function nameLimit(output: Record<string, unknown>, pointer: string): number | undefined {
  let schema: unknown = output;
  for (const token of parsePointer(pointer)) {
    const props = isPlainObject(schema) && isPlainObject(schema.properties) ? schema.properties : undefined;
    schema = props && Object.hasOwn(props, token) ? props[token] : undefined;
  }
  const limit = isPlainObject(schema) ? schema.maxLength : undefined;
  return typeof limit === "number" ? limit : undefined;
}

/**
 * Where in the body a client gives the item another name: the body's own field for it (`/task_name`), else the
 * name's place in the overrides (`/changes/metadata/name`), else (no overrides role) the config pointer itself.
 */
function namePointer(names: BodyNames, set: LayerSet, pointer: string): string {
  const field = bodyFieldFor(names, set.schemas, pointer);
  if (field !== undefined) return `/${escapeToken(field)}`;
  return names.overrides !== undefined ? `/${escapeToken(bodyNameOf(names, names.overrides))}${pointer}` : pointer;
}

/** A stored item's name or description: the string at the project's pointer into the config. */
function stringAt(config: Record<string, unknown>, pointer: string | undefined): string | undefined {
  if (pointer === undefined) return undefined;
  const value = getOwnPath(config, parsePointer(pointer));
  return typeof value === "string" ? value : undefined;
}

/** What a client needs to know of the project file (GET /api/options `project`). */
function projectView(project: Project, set: LayerSet): ProjectInfo {
  const names = bodyNames(project);
  const fieldOf = (pointer: string | undefined) => (pointer === undefined ? null : (bodyFieldFor(names, set.schemas, pointer) ?? null));
  return {
    name: project.name,
    description: project.description ?? null,
    items: project.itemName === undefined
      ? null
      : { kind: itemKind(project), name: project.itemName, name_field: fieldOf(project.itemName), description: project.itemDescription ?? null, description_field: fieldOf(project.itemDescription) },
  };
}

/** What the project calls a stored item in messages (`item_kind`): the autotuner's are tasks. */
const itemKind = (project: Project) => project.itemKind ?? "item";

/** 405 with an empty Allow (RFC 9110: a resource disabled by configuration): the project stores nothing. */
function itemsNotStored(project: Project): ApiError {
  const message = `the project ${project.name} names no stored items (its project file has no item_name): previews work, storing does not; to store configs, set item_name to the JSON Pointer of the config value that names one`;
  const error = new ApiError(405, "items-not-stored", message, [issue("items-not-stored", message, { pointer: "" })]);
  error.headers.allow = "";
  return error;
}

const sameCode = (issues: Issue[], fallback: Code): Code => (issues.length > 0 && issues.every((i) => i.code === issues[0].code) && isCode(issues[0].code) ? issues[0].code : fallback);

/** The JSON view of a compose result: what `strata compose --json` prints, plus the context with defaults. */
export function previewView(r: WorkerResult): Preview {
  return { ...resultView(r), context: r.context ?? null };
}

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { layers, store } = deps;

  app.post("/api/config/preview", async (req) => previewView((await composeBody(deps, req.body, req.query)).result));

  app.post("/api/tasks/from-context", async (req, reply) => {
    // A project that names no stored items previews, but does not store: the route is off by configuration.
    const current = deps.layers.versioned;
    if (current.project.itemName === undefined) throw itemsNotStored(current.project);
    // `start` (the hand-off's) is the route's own field, unless the project's body has a field of that name.
    const { body, start } = bodyHasField(current.set.schemas, bodyNames(current.project), "start") ? { body: req.body, start: false } : takeStart(req.body, deps.sender !== undefined);
    const { result: r, set, project, names } = await composeBody(deps, body, req.query);
    // The project file changed (item_name removed) while this request composed: refuse as if it came after.
    const itemName = project.itemName;
    if (itemName === undefined) throw itemsNotStored(project);
    if (!r.ok || !r.config) {
      const n = r.errors.length;
      const code = r.config ? "config-invalid" : "compose-failed";
      const what = r.config ? "the composed config is invalid" : "the config could not be composed";
      throw new ApiError(422, code, `${what}: ${r.errors[0]?.message ?? "see issues"}${n > 1 ? ` (and ${n - 1} more)` : ""}`, r.errors, {
        applied_layers: r.applied_layers,
        warnings: r.warnings,
      });
    }
    // A preview may go on without a requested profile (a warning); a stored task must not silently lack one.
    const missing = r.warnings.filter((w) => w.code === "profile-not-found");
    if (missing.length > 0) {
      throw new ApiError(422, "profile-not-found", `the task was not created: ${missing.map((w) => w.message).join("; ")}`, missing.map((w) => ({ ...w, severity: "error" as const })), {
        applied_layers: r.applied_layers,
        warnings: r.warnings,
      });
    }
    const name = stringAt(r.config, itemName);
    if (name === undefined || name === "") {
      const where = namePointer(names, set, itemName);
      const message = `the composed config has no name at ${itemName} (the project's item_name) to store it under`;
      throw new ApiError(422, "task-name-missing", message, [issue("task-name-missing", `${message}; give one in the body (${where})`, { pointer: where })]);
    }
    const handoff = deps.sender ? { body: taskCreateOrThrow(r.config), start } : undefined;
    const created = store.create({
      handoff,
      task_name: name,
      description: stringAt(r.config, project.itemDescription) ?? null,
      config: r.config,
      metadata: {
        applied_layers: r.applied_layers,
        skipped_layers: r.skipped_layers,
        warnings: r.warnings,
        context: r.context!, // a config was composed: the context was valid
        layer_set_hash: r.layer_set_hash,
        provenance: r.provenance,
      },
    });
    if ("conflict" in created) {
      const id = created.conflict.id;
      const free = store.freeName(name, nameLimit(set.schemas.json.output, itemName));
      const message = `a ${itemKind(project)} named '${name}' already exists${id !== null ? ` (id ${id})` : ""}; '${free}' is free`;
      throw new ApiError(409, "task-name-taken", message, [issue("task-name-taken", message, { pointer: namePointer(names, set, itemName) })], {}, { existing_id: id, suggested_name: free });
    }
    deps.sender?.kick();
    return reply
      .code(201)
      .header("location", `/api/tasks/${created.task.id}`)
      .send({ task: created.task, applied_layers: r.applied_layers, warnings: r.warnings });
  });

  app.get("/api/tasks", async (req) => {
    const q = checked<ListQuery>(QUERY_SCHEMAS.listTasks, req.query, "query-invalid", "the query string");
    // The profiles a summary lists are read from the stored context's field that plays the profiles role.
    const page = store.list(q, layers.versioned.project.roles.profiles);
    return { tasks: page.tasks, total: page.total, limit: q.limit, offset: q.offset, next_cursor: page.next_cursor };
  });

  const taskId = (params: unknown) => checked<{ id: number }>(PARAM_SCHEMAS.taskId, params, "param-invalid", "the task id").id;
  const noTask = (id: number) => notFound("task-not-found", `no ${itemKind(layers.versioned.project)} with id ${id}`);

  app.get("/api/tasks/:id", async (req) => {
    const id = taskId(req.params);
    const task = store.get(id);
    if (!task) throw noTask(id);
    const h = task.handoff;
    if (h && h.autotuner_id !== null && h.state === "delivered" && deps.autotunerStatus) {
      return { ...task, handoff: { ...h, ...(await deps.autotunerStatus.read(h.autotuner_id)) } };
    }
    return task;
  });

  app.delete("/api/tasks/:id", async (req, reply) => {
    const id = taskId(req.params);
    if (!store.delete(id)) throw noTask(id);
    return reply.code(204).send();
  });

  app.get("/api/profiles", async () => ({ profiles: listProfiles(layers.set), layer_set_hash: layers.set.hash }));

  app.get("/api/profiles/:name", async (req) => {
    const { name } = req.params as { name: string };
    const profile = layers.set.profiles.get(name);
    if (!profile) {
      const known = [...layers.set.profiles.keys()].sort().join(", ");
      throw notFound("profile-not-found", `profile '${name}' not found (profiles: ${known || "none"})`);
    }
    return profileView(profile);
  });

  app.get("/api/options", async () => {
    const { set, project } = layers.versioned;
    return {
      project: projectView(project, set),
      options: formOptions(set),
      defaults: contextDefaults(set),
      profiles: listProfiles(set).map(({ name, title, description }) => ({ name, title, description })),
      context_schema: set.schemas.json.context,
      context_feeds: contextFeeds(set),
      roles: set.roles,
      aliases: project.aliases,
      layer_set_hash: set.hash,
      autotuner: deps.sender ? { url: deps.sender.client.baseUrl } : null,
    };
  });

  app.get("/api/schemas/:name", async (req) => {
    const { name } = req.params as { name: string };
    const s = layers.set.schemas;
    const schemas: Record<string, () => unknown> = {
      context: () => s.json.context,
      // The project's output schema under a name every project has; `task-config` is the autotuner's name for it.
      output: () => s.json.output,
      "task-config": () => s.json.output,
      layer: () => s.json.layer,
      request: () => requestBodySchema(s, bodyNames(layers.versioned.project)),
    };
    if (!Object.hasOwn(schemas, name)) throw notFound("schema-not-found", `no schema '${name}' (schemas: ${Object.keys(schemas).join(", ")})`);
    return schemas[name]();
  });

  app.get("/api/layers/status", async () => layers.status());
  app.post("/api/layers/reload", async () => layers.reload());
  app.get("/api/health", async () => ({ status: "ok", layer_set_hash: layers.set.hash }));
  app.get("/api/openapi.json", async () => {
    const { set, project } = layers.versioned;
    return openApiDocument(set, project, deps.version);
  });
}

