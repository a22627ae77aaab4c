// JSON Schemas of the API's query strings, path parameters and responses. The routes validate their
// inputs with these objects and openapi.ts publishes them as they are; the request body's schema is
// derived from the context schema (body.ts). References point at `#/components/schemas/<Name>`.
import { TASK_STATUSES } from "./store.js";

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string): Schema => ({ type: [type, "null"] });

export const LIST_LIMIT = { default: 50, max: 500 };
/** The largest integer a query or path parameter may hold: beyond it JavaScript loses digits and SQLite refuses the value. */
export const MAX_INTEGER_PARAM = Number.MAX_SAFE_INTEGER;

export const QUERY_SCHEMAS = {
  listTasks: {
    type: "object",
    additionalProperties: false,
    properties: {
      limit: { type: "integer", minimum: 1, maximum: LIST_LIMIT.max, default: LIST_LIMIT.default, description: "Tasks per page." },
      offset: { type: "integer", minimum: 0, maximum: MAX_INTEGER_PARAM, default: 0, description: "Tasks to skip (after the cursor, when one is given)." },
      cursor: { type: "integer", minimum: 1, maximum: MAX_INTEGER_PARAM, description: "The `next_cursor` of the previous page: only tasks older than it." },
      status: { type: "string", enum: [...TASK_STATUSES], description: "Only tasks with this status." },
    },
  },
  compose: {
    type: "object",
    additionalProperties: false,
    properties: {
      strict: { type: "boolean", default: false, description: "Treat warnings as errors (like `strata compose --strict`)." },
    },
  },
} satisfies Record<string, Schema>;

export const PARAM_SCHEMAS = {
  taskId: {
    type: "object",
    required: ["id"],
    properties: { id: { type: "integer", minimum: 1, maximum: MAX_INTEGER_PARAM, description: "The task's id." } },
  },
  profileName: {
    type: "object",
    required: ["name"],
    properties: { name: { type: "string", description: "The profile's name, e.g. `low-latency`." } },
  },
} satisfies Record<string, Schema>;

const origin: Schema = {
  type: "object",
  description: "Who wrote a value: a layer (with file and line) or the user's overrides.",
  required: ["source", "stage"],
  properties: {
    source: { type: "string", description: "The applied-layer entry: `base-model`, `profile:production:production-params`, `user_patch`, `user_replace`." },
    layer: { type: "string" },
    stage: { type: "string" },
    file: { type: "string", description: "Relative to the layer directory." },
    line: { type: "integer" },
    column: { type: "integer" },
  },
};

const issueSchema: Schema = {
  type: "object",
  description: "One problem. `pointer` is a JSON Pointer into the request body (4xx input errors) or into the config (validation errors).",
  required: ["code", "severity", "message"],
  properties: {
    code: { type: "string", description: "Stable kebab-case code: `body-invalid`, `malformed-json`, `config-invalid`, `profile-not-found`, …" },
    severity: { enum: ["error", "warning"] },
    message: { type: "string" },
    pointer: { type: "string" },
    file: { type: "string", description: "Layer file, relative to the layer directory." },
    line: { type: "integer" },
    column: { type: "integer" },
    layer: { type: "string" },
    origin: ref("Origin"),
  },
};

const errorSchema: Schema = {
  type: "object",
  description: "Every 4xx and 5xx answer.",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "issues"],
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        issues: { type: "array", items: ref("Issue") },
        existing_id: { type: ["integer", "null"], description: "409 only: the id of the stored item (task) that holds the name." },
        suggested_name: { type: "string", description: "409 only: the lowest free `<name>-N` (N ≥ 2) when the answer was given; send it where the issue's pointer says (the autotuner: `task_name`)." },
      },
    },
    applied_layers: { type: "array", items: { type: "string" }, description: "422 only." },
    warnings: { type: "array", items: ref("Issue"), description: "422 only." },
  },
};

const skipped: Schema = {
  type: "object",
  required: ["layer", "stage", "reason"],
  properties: {
    layer: { type: "string" },
    stage: { type: "string" },
    file: { type: "string" },
    line: { type: "integer" },
    reason: { enum: ["condition-false", "profile-not-selected"] },
    when: { description: "The condition, as written (JSON-logic)." },
    when_text: { type: "string", description: "The condition in words: `base_runtime == \"vllm\"`." },
    read: { type: "object", description: "The values the condition read, by `var` path." },
  },
};

const provenance: Schema = {
  type: "object",
  description: "The origin of every leaf of the config, by JSON Pointer (`/parameters/tp-size`).",
  additionalProperties: ref("Origin"),
};

const task: Schema = {
  type: "object",
  required: ["id", "task_name", "description", "status", "config", "metadata", "created_at", "handoff"],
  properties: {
    id: { type: "integer" },
    task_name: { type: "string", description: "The item's name: the config's value at the project's `item_name` (the autotuner: its `task_name`)." },
    description: { ...nullable("string"), description: "The config's value at the project's `item_description`, or null." },
    status: { enum: [...TASK_STATUSES] },
    config: { type: "object", description: "The composed config (it fits the project's output schema)." },
    metadata: {
      type: "object",
      required: ["applied_layers", "context", "layer_set_hash", "provenance"],
      properties: {
        applied_layers: { type: "array", items: { type: "string" } },
        skipped_layers: { type: "array", items: ref("SkippedLayer") },
        warnings: { type: "array", items: ref("Issue") },
        context: { type: "object", description: "The context the config was composed from, with its defaults filled in." },
        layer_set_hash: { type: "string" },
        provenance: ref("Provenance"),
      },
    },
    created_at: { type: "string", description: "ISO 8601, UTC." },
    handoff: {
      description: "The hand-off to the autotuner (docs/api.md#the-hand-off); null when the server has no autotuner URL.",
      anyOf: [
        { type: "null" },
        {
          type: "object",
          required: ["state", "autotuner_id", "reason", "attempts", "start", "started", "start_error", "updated_at"],
          properties: {
            state: { enum: ["queued", "delivered", "failed", "conflict"] },
            autotuner_id: nullable("integer"),
            reason: nullable("string"),
            attempts: { type: "integer" },
            start: { type: "boolean" },
            started: { type: "boolean" },
            start_error: nullable("string"),
            updated_at: { type: "string" },
            autotuner_status: { ...nullable("string"), description: "GET /api/tasks/:id of a delivered task: the autotuner's status (kept 5 s), null when it could not be read." },
            autotuner_status_error: { type: "string" },
            autotuner_url: { type: "string", description: "The task on the autotuner." },
          },
        },
      ],
    },
  },
};

const taskSummary: Schema = {
  type: "object",
  required: ["id", "task_name", "description", "status", "created_at", "profiles", "applied_layers", "layer_set_hash"],
  properties: {
    id: { type: "integer" },
    task_name: { type: "string" },
    description: nullable("string"),
    status: { enum: [...TASK_STATUSES] },
    created_at: { type: "string" },
    profiles: { type: "array", items: { type: "string" } },
    applied_layers: { type: "array", items: { type: "string" } },
    layer_set_hash: nullable("string"),
  },
};

const layerView: Schema = {
  type: "object",
  required: ["name", "description", "file", "line", "data"],
  properties: {
    name: { type: "string" },
    description: nullable("string"),
    file: { type: "string" },
    line: { type: "integer" },
    when: { description: "The condition as written (JSON-logic)." },
    when_text: { type: "string", description: "The condition in words." },
    data: { description: "The layer's data as written; expressions appear as `{\"$expr\": \"…\"}`." },
  },
};

const profile: Schema = {
  type: "object",
  required: ["name", "title", "description", "file", "line", "layers"],
  properties: {
    name: { type: "string" },
    title: { type: "string" },
    description: { type: "string" },
    file: { type: "string" },
    line: { type: "integer" },
    layers: { type: "array", items: ref("LayerView") },
  },
};

const stringList = { type: "array", items: { type: "string" } };

export const RESPONSE_SCHEMAS: Record<string, Schema> = {
  Origin: origin,
  Issue: issueSchema,
  Error: errorSchema,
  SkippedLayer: skipped,
  Provenance: provenance,
  Task: task,
  TaskSummary: taskSummary,
  LayerView: layerView,
  Profile: profile,
  TaskCreated: {
    type: "object",
    required: ["task", "applied_layers", "warnings"],
    properties: { task: ref("Task"), applied_layers: stringList, warnings: { type: "array", items: ref("Issue") } },
  },
  TaskList: {
    type: "object",
    required: ["tasks", "total", "limit", "offset", "next_cursor"],
    properties: {
      tasks: { type: "array", items: ref("TaskSummary") },
      total: { type: "integer", description: "Tasks matching the filter, over all pages." },
      limit: { type: "integer" },
      offset: { type: "integer" },
      next_cursor: { type: ["integer", "null"], description: "Pass as `cursor` for the next page; null on the last page." },
    },
  },
  Preview: {
    type: "object",
    description: "The compose result. `ok: false` with `errors` when the config is invalid (still HTTP 200).",
    required: ["ok", "config", "applied_layers", "skipped_layers", "warnings", "errors", "provenance", "layer_set_hash"],
    properties: {
      ok: { type: "boolean" },
      config: { type: ["object", "null"], description: "Present also when validation failed; null when composition stopped." },
      applied_layers: stringList,
      skipped_layers: { type: "array", items: ref("SkippedLayer") },
      warnings: { type: "array", items: ref("Issue") },
      errors: { type: "array", items: ref("Issue") },
      provenance: ref("Provenance"),
      layer_set_hash: { type: "string" },
      context: { type: ["object", "null"], description: "The context with its defaults filled in; null when it was invalid." },
    },
  },
  ProfileList: {
    type: "object",
    required: ["profiles", "layer_set_hash"],
    properties: { profiles: { type: "array", items: ref("Profile") }, layer_set_hash: { type: "string" } },
  },
  Options: {
    type: "object",
    required: ["project", "options", "defaults", "profiles", "context_schema", "context_feeds", "roles", "aliases", "layer_set_hash", "autotuner"],
    properties: {
      project: {
        type: "object",
        description: "The project served, as its project file (strata.yaml) says: its name, and how it stores configs (its roles and aliases are `roles` and `aliases`).",
        required: ["name", "description", "items"],
        properties: {
          name: { type: "string" },
          description: nullable("string"),
          items: {
            description: "How composed configs are stored; null when the project stores none (no `item_name`: the create route answers 405).",
            anyOf: [
              { type: "null" },
              {
                type: "object",
                required: ["kind", "name", "name_field", "description", "description_field"],
                properties: {
                  kind: { type: "string", description: "What an item is called (`task`; default `item`)." },
                  name: { type: "string", description: "JSON Pointer into the config to the item's name (`/task_name`)." },
                  name_field: { ...nullable("string"), description: "The body field that sets the name (`task_name`); null: only the overrides can." },
                  description: { ...nullable("string"), description: "JSON Pointer into the config to the item's description." },
                  description_field: { ...nullable("string"), description: "The body field that sets the description." },
                },
              },
            ],
          },
        },
      },
      options: {
        type: "object",
        description: "For each text field of the context, the known values: from the context schema, then from layer conditions.",
        additionalProperties: {
          type: "array",
          items: {
            type: "object",
            required: ["value", "layers", "in_schema"],
            properties: { value: { type: "string" }, layers: stringList, in_schema: { type: "boolean" } },
          },
        },
      },
      defaults: { type: "object", description: "The context schema's default of each field." },
      profiles: {
        type: "array",
        items: { type: "object", required: ["name", "title", "description"], properties: { name: { type: "string" }, title: { type: "string" }, description: { type: "string" } } },
      },
      context_schema: { type: "object", description: "schemas/context.schema.json of the set in use." },
      context_feeds: {
        type: "object",
        description:
          "For each context field, the config values layer expressions make of it (`optimization_objective` → `/optimization/objective`, written by `base-optimization`). Where a preview's provenance names another source for every one of them, a later layer overrode the field.",
        additionalProperties: {
          type: "array",
          items: {
            type: "object",
            required: ["pointer", "source"],
            properties: { pointer: { type: "string" }, source: { type: "string", description: "The applied-layer entry, as in provenance." } },
          },
        },
      },
      roles: {
        type: "object",
        description: "The context fields that play the engine's roles (the project file's `roles`); a role the project does not declare is absent.",
        additionalProperties: false,
        properties: { profiles: { type: "string" }, overrides: { type: "string" }, override_mode: { type: "string" } },
      },
      aliases: {
        type: "object",
        description: "The request body's other names for context fields (the project file's `aliases`): body name → context field.",
        additionalProperties: { type: "string" },
      },
      layer_set_hash: { type: "string" },
      autotuner: {
        description: "The autotuner stored tasks are handed to (docs/api.md#the-hand-off), or null.",
        anyOf: [{ type: "null" }, { type: "object", required: ["url"], properties: { url: { type: "string" } } }],
      },
    },
  },
  LayerStatus: {
    type: "object",
    required: ["hash", "loaded_at", "checked_at", "ok", "errors", "warnings", "files", "watching"],
    properties: {
      hash: { type: "string", description: "Content hash of the layer set in use." },
      loaded_at: { type: "string" },
      checked_at: { type: "string" },
      ok: { type: "boolean", description: "False when the files on disk are broken; the last good set keeps serving." },
      errors: { type: "array", items: ref("Issue") },
      warnings: { type: "array", items: ref("Issue") },
      files: stringList,
      watching: { type: "boolean" },
    },
  },
  Health: {
    type: "object",
    required: ["status", "layer_set_hash"],
    properties: { status: { const: "ok" }, layer_set_hash: { type: "string" } },
  },
};
