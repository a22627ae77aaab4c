// The HTTP API's request and response shapes, as TypeScript types: the one source for the server (src/server/*)
// and the page (web/src/api.ts imports this file). Types only, importing only types from modules without runtime
// dependencies of their own, so the page's build (its own tsconfig, browser libraries, Vite) can read it.
// The JSON Schemas the API publishes are in api-schemas.ts; docs/api.md describes both.
import type { Issue, Origin, Severity } from "../core/issues.js";
import type { Code } from "../core/codes.js";
import type { ResultView, SkippedLayer } from "../core/views.js";

export type { Code, Issue, Origin, ResultView, Severity, SkippedLayer };

/** The task statuses of the autotuner; tasks created here start `pending`. */
export type TaskStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

/** What a stored task keeps about how its config was composed. */
export interface TaskMetadata {
  applied_layers: string[];
  skipped_layers: SkippedLayer[];
  warnings: Issue[];
  /** The context the config was composed from, with its defaults filled in. */
  context: Record<string, unknown>;
  layer_set_hash: string;
  provenance: Record<string, Origin>;
}

/** GET /api/tasks/:id: a stored item (the autotuner: a task) of any project. */
export interface Task {
  id: number;
  /** The item's name: the config's value at the project's item_name (the autotuner: its task_name; a Deployment: its metadata.name). */
  task_name: string;
  /** The config's value at the project's item_description, or null. */
  description: string | null;
  status: TaskStatus;
  config: Record<string, unknown>;
  metadata: TaskMetadata;
  created_at: string;
  /** The hand-off to the autotuner; null when the server has no autotuner URL (docs/api.md#the-hand-off). */
  handoff: Handoff | null;
}

/** queued: waiting to be delivered (or retried); delivered: the autotuner has it; failed: it refused it; conflict: it holds another task of that name. */
export type HandoffState = "queued" | "delivered" | "failed" | "conflict";

export interface Handoff {
  state: HandoffState;
  /** The task's id on the autotuner (delivered; conflict: the other task's id). */
  autotuner_id: number | null;
  /** failed, conflict: why; queued: why the last attempt did not get through. */
  reason: string | null;
  attempts: number;
  /** Asked to start after delivery (`start: true`). */
  start: boolean;
  started: boolean;
  /** Why the autotuner did not start it. */
  start_error: string | null;
  updated_at: string;
  /** Delivered tasks, in GET /api/tasks/:id: the autotuner's status (read then, kept a few seconds), or null when it could not be read. */
  autotuner_status?: string | null;
  autotuner_status_error?: string;
  /** Delivered tasks: the task on the autotuner. */
  autotuner_url?: string;
}

/** What the task list shows per task: no config, no provenance. */
export interface TaskSummary {
  id: number;
  task_name: string;
  description: string | null;
  status: TaskStatus;
  created_at: string;
  profiles: string[];
  applied_layers: string[];
  layer_set_hash: string | null;
}

/** GET /api/tasks */
export interface TaskList {
  tasks: TaskSummary[];
  /** Tasks matching the filter, over all pages. */
  total: number;
  limit: number;
  offset: number;
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: number | null;
}

/** 201 of POST /api/tasks/from-context */
export interface TaskCreated {
  task: Task;
  applied_layers: string[];
  warnings: Issue[];
}

/** POST /api/config/preview: the compose result, plus the context with its defaults (null when it was invalid). */
export interface Preview extends ResultView {
  context: Record<string, unknown> | null;
}

/** One layer of a profile, as written. */
export interface LayerView {
  name: string;
  description: string | null;
  file: string;
  line: number;
  /** The condition as written, and in words. */
  when?: unknown;
  when_text?: string;
  /** The layer's data as written: expressions appear as `{ $expr: "…" }`. */
  data: unknown;
}

/** GET /api/profiles/:name, and each profile of GET /api/profiles */
export interface ProfileView {
  name: string;
  title: string;
  description: string;
  file: string;
  line: number;
  layers: LayerView[];
}

/** GET /api/profiles */
export interface ProfileList {
  profiles: ProfileView[];
  layer_set_hash: string;
}

/** One known value of a text field of the context. */
export interface OptionValue {
  value: string;
  /** Layers whose condition compares the field with this value. */
  layers: string[];
  /** Listed in the context schema (enum, default or examples). */
  in_schema: boolean;
}

export type JsonSchema = Record<string, unknown>;

/** A config value a context field feeds, and the layer that writes it (GET /api/options `context_feeds`). */
export interface ContextFeed {
  /** The config value (a JSON Pointer; never the whole config). */
  pointer: string;
  /** The applied-layer entry that writes it (`base-optimization`, `profile:…`), as in provenance. */
  source: string;
}

/** The project the service serves, as its project file says (GET /api/options `project`). */
export interface ProjectInfo {
  name: string;
  description: string | null;
  /** How configs are stored; null when the project stores none (item_name absent: POST /api/tasks/from-context answers 405). */
  items: {
    /** What an item is called (`task`, `deployment`; default `item`). */
    kind: string;
    /** JSON Pointer into the config to the item's name (`/task_name`). */
    name: string;
    /** The request-body field that sets the name (`task_name`), or null when the body sets it only through the overrides. */
    name_field: string | null;
    /** JSON Pointer into the config to the item's description, or null. */
    description: string | null;
    /** The request-body field that sets the description, or null. */
    description_field: string | null;
  } | null;
}

/** GET /api/options: what a form needs to offer. */
export interface Options {
  /** The project served: its name, and how it stores items (its roles and aliases: `roles`, `aliases`). */
  project: ProjectInfo;
  /** For each text field of the context, the known values: from the context schema, then from layer conditions. */
  options: Record<string, OptionValue[]>;
  /** The context schema's default of each field. */
  defaults: Record<string, unknown>;
  profiles: { name: string; title: string; description: string }[];
  context_schema: JsonSchema;
  /** For each context field, the config values layer expressions make of it (see context-feeds.ts). */
  context_feeds: Record<string, ContextFeed[]>;
  /** The context fields that play the engine's roles (the project file's `roles`); a role the project lacks is absent. */
  roles: { profiles?: string; overrides?: string; override_mode?: string };
  /** The request body's other names for context fields (the project file's `aliases`: body name → context field). */
  aliases: Record<string, string>;
  layer_set_hash: string;
  /** The autotuner tasks are handed to, or null (docs/api.md#the-hand-off). */
  autotuner: { url: string } | null;
}

/** GET /api/layers/status (and POST /api/layers/reload) */
export interface LayerStatus {
  /** Content hash of the set in use. */
  hash: string;
  /** When the set in use was loaded. */
  loaded_at: string;
  /** When the files were last read (a rejected edit moves this, not `loaded_at`). */
  checked_at: string;
  /** False when the files on disk are broken; the set in use is then the last good one. */
  ok: boolean;
  /** Errors of the files on disk, with file (relative to the layer directory), line and column. */
  errors: Issue[];
  /** Warnings of the set in use. */
  warnings: Issue[];
  /** Files of the set in use, relative to the layer directory. */
  files: string[];
  watching: boolean;
}

/** GET /api/health */
export interface Health {
  status: "ok";
  layer_set_hash: string;
}

/** Every 4xx and 5xx answer. */
export interface ErrorBody {
  error: {
    /** A registered code, or `http-<status>` for a 4xx strata has no name for. */
    code: Code | `http-${number}`;
    message: string;
    issues: Issue[];
    /** 409 only: the id of the stored item (task) that holds the name. */
    existing_id?: number | null;
    /** 409 only: the lowest free `<name>-N` (N ≥ 2) when the answer was given, to send where the issue's pointer says (the autotuner: task_name). */
    suggested_name?: string;
  };
  /** 422 only: what composition got to before validation failed. */
  applied_layers?: string[];
  warnings?: Issue[];
}
