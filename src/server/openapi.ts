// GET /api/openapi.json: built from the schemas the routes validate with (api-schemas.ts, and the body
// schema derived from the context schema of the layer set in use and the project file), so the document cannot drift.
import type { LayerSet } from "../core/load.js";
import type { Project } from "../core/project.js";
import { bodyFieldFor, bodyNames, requestBodySchema } from "./body.js";
import { PARAM_SCHEMAS, QUERY_SCHEMAS, RESPONSE_SCHEMAS } from "./api-schemas.js";

type Schema = Record<string, unknown>;

interface Operation {
  method: "get" | "post" | "delete";
  path: string;
  id: string;
  summary: string;
  description?: string;
  body?: boolean;
  query?: Schema;
  params?: Schema;
  responses: Record<number, [description: string, schema?: string]>;
}

const ERR = "Error";
const COMPOSE_QUERY = QUERY_SCHEMAS.compose;

const OPERATIONS: Operation[] = [
  {
    method: "post", path: "/api/tasks/from-context", id: "createTaskFromContext", body: true, query: COMPOSE_QUERY,
    summary: "Compose a config from a context and store it as a pending task",
    responses: {
      201: ["Created; `Location` names the task.", "TaskCreated"],
      400: ["Malformed JSON, a wrong type, an unknown or missing field; `issues[].pointer` names the body field.", ERR],
      405: ["The project names no stored items (no `item_name` in its project file): it previews only (`items-not-stored`, with an empty `Allow`).", ERR],
      409: ["An item with this name exists; `error.existing_id` is its id, `error.suggested_name` a free name.", ERR],
      413: ["The body is larger than the limit.", ERR],
      415: ["The body is not `application/json`, or its charset is not UTF-8.", ERR],
      422: ["The composed config is invalid; each issue names the config path and who set the value (layer file:line or the override).", ERR],
      503: ["Every compose worker is busy and the queue is full (`compose-busy`, with `Retry-After`), or the worker died while composing (`compose-aborted`).", ERR],
      504: ["Composing ran past the service's per-compose time limit and was stopped (`compose-timeout`).", ERR],
    },
  },
  {
    method: "post", path: "/api/config/preview", id: "previewConfig", body: true, query: COMPOSE_QUERY,
    summary: "Compose a config from a context without storing anything",
    description: "An invalid config is still a 200, with `ok: false` and the errors beside the provenance, so a form can show them next to the fields.",
    responses: {
      200: ["The compose result.", "Preview"],
      400: ["Malformed JSON, a wrong type, an unknown or missing field.", ERR],
      413: ["The body is larger than the limit.", ERR],
      415: ["The body is not `application/json`, or its charset is not UTF-8.", ERR],
      503: ["Every compose worker is busy and the queue is full (`compose-busy`, with `Retry-After`), or the worker died while composing (`compose-aborted`).", ERR],
      504: ["Composing ran past the service's per-compose time limit and was stopped (`compose-timeout`).", ERR],
    },
  },
  {
    method: "get", path: "/api/tasks", id: "listTasks", query: QUERY_SCHEMAS.listTasks,
    summary: "List tasks, newest first",
    responses: { 200: ["One page of tasks and the total.", "TaskList"], 400: ["A bad query parameter.", ERR] },
  },
  {
    method: "get", path: "/api/tasks/{id}", id: "getTask", params: PARAM_SCHEMAS.taskId,
    summary: "One task with its config and metadata",
    responses: { 200: ["The task.", "Task"], 400: ["The id is not a positive integer.", ERR], 404: ["No such task.", ERR] },
  },
  {
    method: "delete", path: "/api/tasks/{id}", id: "deleteTask", params: PARAM_SCHEMAS.taskId,
    summary: "Delete a task",
    responses: { 204: ["Deleted."], 400: ["The id is not a positive integer.", ERR], 404: ["No such task.", ERR] },
  },
  {
    method: "get", path: "/api/profiles", id: "listProfiles",
    summary: "Every profile with its title, description and layers",
    responses: { 200: ["The profiles, by name.", "ProfileList"] },
  },
  {
    method: "get", path: "/api/profiles/{name}", id: "getProfile", params: PARAM_SCHEMAS.profileName,
    summary: "One profile",
    responses: { 200: ["The profile.", "Profile"], 404: ["No such profile.", ERR] },
  },
  {
    method: "get", path: "/api/options", id: "getOptions",
    summary: "What the layers know, for a form: values per context field, defaults, profiles, the context schema",
    responses: { 200: ["The options.", "Options"] },
  },
  {
    method: "get", path: "/api/schemas/{name}", id: "getSchema",
    params: { type: "object", required: ["name"], properties: { name: { enum: ["context", "output", "task-config", "layer", "request"] } } },
    summary: "A JSON Schema of the set in use: `context`, `output` (also `task-config`), `layer`, or `request` (the body of the POST routes)",
    responses: { 200: ["The schema."], 404: ["No such schema.", ERR] },
  },
  {
    method: "get", path: "/api/layers/status", id: "getLayerStatus",
    summary: "The layer set in use (hash, files) and the errors of the files on disk, if any",
    responses: { 200: ["The status.", "LayerStatus"] },
  },
  {
    method: "post", path: "/api/layers/reload", id: "reloadLayers",
    summary: "Read the layer files now (the service also watches them)",
    responses: { 200: ["The status after the reload; `ok: false` with errors when the files are broken (the last good set keeps serving).", "LayerStatus"] },
  },
  {
    method: "get", path: "/api/health", id: "getHealth",
    summary: "Liveness, and the hash of the layer set in use",
    responses: { 200: ["Serving.", "Health"] },
  },
  {
    method: "get", path: "/api/openapi.json", id: "getOpenApi",
    summary: "This document",
    responses: { 200: ["The OpenAPI 3.1 document."] },
  },
];

const cache = new WeakMap<LayerSet, WeakMap<Project, Schema>>();

/** How the create route names what it stores, for this project. */
function createDescription(set: LayerSet, project: Project): string {
  if (project.itemName === undefined) {
    return `The project ${project.name} names no stored items (its project file has no \`item_name\`): this route answers 405 \`items-not-stored\`; previews work.`;
  }
  const field = bodyFieldFor(bodyNames(project), set.schemas, project.itemName);
  const overrides = project.roles.overrides;
  const given = field !== undefined ? `the body's \`${field}\` overrides it` : overrides !== undefined ? `the body's overrides can set it` : "the layers set it";
  return `Each stored ${project.itemKind ?? "item"} is named by the config's value at \`${project.itemName}\` (the project's item_name; ${given}). Names are unique: a second one is a 409 with a free name.`;
}

export function openApiDocument(set: LayerSet, project: Project, version: string): Schema {
  let byProject = cache.get(set);
  if (!byProject) cache.set(set, (byProject = new WeakMap()));
  const hit = byProject.get(project);
  if (hit) return hit;
  const { definitions, ...body } = requestBodySchema(set.schemas, bodyNames(project)) as Schema & { definitions?: Record<string, Schema> };
  const defName = (k: string) => `Context${k[0].toUpperCase()}${k.slice(1)}`;
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v === null || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = k === "$ref" && typeof x === "string" && x.startsWith("#/definitions/") ? `#/components/schemas/${defName(x.slice(14))}` : rewrite(x);
    }
    return out;
  };
  const request = rewrite(body) as Schema & { properties?: Record<string, unknown> };
  // Creating a task takes one more field than a preview: whether to start it in the autotuner once delivered.
  const start = { type: "boolean", default: false, description: "Start the task in the autotuner once it is delivered (needs an autotuner URL)." };
  // A project whose context has a field named `start` keeps it: the hand-off's flag is then not taken.
  const withStart = request.properties && Object.hasOwn(request.properties, "start") ? request : { ...request, properties: { ...request.properties, start } };
  const schemas: Record<string, unknown> = { TaskRequest: request, CreateTaskRequest: withStart };
  for (const [k, s] of Object.entries(definitions ?? {})) schemas[defName(k)] = rewrite(s);
  Object.assign(schemas, RESPONSE_SCHEMAS);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = [...toParameters(op.params, "path"), ...toParameters(op.query, "query")];
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.id,
      summary: op.summary,
      ...(op.id === "createTaskFromContext" ? { description: createDescription(set, project) } : op.description ? { description: op.description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { "application/json": { schema: { $ref: `#/components/schemas/${op.id === "createTaskFromContext" ? "CreateTaskRequest" : "TaskRequest"}` } } } } }
        : {}),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, [description, schema]]) => [
          status,
          { description, ...(schema ? { content: { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } } } : {}) },
        ]),
      ),
    };
  }
  const doc = {
    openapi: "3.1.0",
    info: {
      title: "strata",
      version,
      description:
        `Compose the configs of the project ${project.name}${project.description ? ` (${project.description.replace(/\.$/, "")})` : ""} from layer files, preview them with provenance` +
        `${project.itemName !== undefined ? `, and store them (${project.itemKind ?? "item"}s, named by ${project.itemName})` : ""}. ` +
        `Layer set ${set.hash.slice(0, 12)}. Every error answers {error: {code, message, issues}}.`,
    },
    paths,
    components: { schemas },
  };
  byProject.set(project, doc);
  return doc;
}

function toParameters(schema: Schema | undefined, where: "path" | "query"): Schema[] {
  if (!schema) return [];
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = (schema.required ?? []) as string[];
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: where, required: where === "path" || required.includes(name), ...(description ? { description } : {}), schema: rest };
  });
}
