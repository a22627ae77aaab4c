// Every issue code strata emits, in one place: its usual severity, where it comes from and what it means.
// `issue()` and `warning()` take a `Code`, so a misspelt code fails to compile. (A check rule's code is
// its name, chosen by the rule's author: those are not listed here.) lang/ may not import this file: the codes
// it reports (LogicProblem, EvaluationCode) reach issue() in core, which checks them. docs/authoring.md's
// table of error codes lists exactly these; test/codes.test.ts keeps the two in step. No imports: the page's
// build reads this file through src/server/api-types.ts.

export type Severity = "error" | "warning";

/** Where a code comes from, as docs/authoring.md groups them. */
export type CodeArea = "project" | "file" | "layers" | "lint" | "compose" | "config" | "scenarios" | "api";

export interface CodeInfo {
  /** How the code is usually reported (`--strict` makes every warning an error). */
  severity: Severity;
  area: CodeArea;
  meaning: string;
}

export const CODES = {
  // The project file (strata.yaml) and the files it names
  "project-not-found": { severity: "error", area: "project", meaning: "no project file where it was looked for (the folder given, or the working directory and every folder above it)" },
  "project-invalid": { severity: "error", area: "project", meaning: "the project file does not fit schemas/project.schema.json, or a role or alias names a field the context schema does not have" },
  "project-path-missing": { severity: "error", area: "project", meaning: "a folder or file the project file names (layers, a schema, scenarios) does not exist" },
  "schema-unreadable": { severity: "error", area: "project", meaning: "a schema file cannot be read" },
  "schema-invalid": { severity: "error", area: "project", meaning: "a schema file is not JSON (or YAML), or does not compile" },
  "role-missing": { severity: "error", area: "project", meaning: "a stage or a profile file needs a role (profiles, overrides) the project does not declare" },

  // Reading a file (a layer, a context, an override or a scenario file)
  "parse-error": { severity: "error", area: "file", meaning: "the file is not valid YAML or JSON at that spot" },
  "duplicate-key": { severity: "error", area: "file", meaning: "the same key twice in one mapping (or in one object of a request body)" },
  "unknown-tag": { severity: "error", area: "file", meaning: "a YAML tag other than !expr (user data takes none)" },
  "file-too-large": { severity: "error", area: "file", meaning: "the file is larger than the size limit" },
  "too-deep": { severity: "error", area: "file", meaning: "data nests deeper than the depth limit (a file, a context, or what a layer or an expression built)" },
  "alias-limit": { severity: "error", area: "file", meaning: "too many YAML alias expansions" },
  "complex-key": { severity: "error", area: "file", meaning: "a key that is a list, a mapping or an alias" },
  "number-not-finite": { severity: "error", area: "file", meaning: "a number JSON cannot hold: .inf, .nan, or one too large (1e400)" },
  "not-a-file": { severity: "error", area: "file", meaning: "a FIFO, socket, device or folder named like a data file: only regular files are read" },
  "file-not-utf8": { severity: "error", area: "file", meaning: "a file has bytes that are not UTF-8 (saved as Latin-1, say): the issue gives the line and column of the first" },
  "file-unreadable": { severity: "error", area: "file", meaning: "a file or folder in the layer folder cannot be read (a link to nothing, no permission)" },
  "link-loop": { severity: "error", area: "file", meaning: "a link in the layer folder leads back to a folder above it (or to itself)" },
  "link-repeat": { severity: "error", area: "file", meaning: "a second link to a folder already read; its files are read once" },
  "dir-too-deep": { severity: "error", area: "file", meaning: "folders nest deeper than the folder depth limit" },
  "too-many-files": { severity: "error", area: "file", meaning: "the layer folder holds more entries than the limit" },

  // Loading the layer set
  "layer-schema": { severity: "error", area: "layers", meaning: "a layer, profile, check or stages file does not fit schemas/layer.schema.json" },
  "unknown-operator": { severity: "error", area: "layers", meaning: "a JSON-logic operator that does not exist, or a condition object without exactly one operator" },
  "expression-syntax": { severity: "error", area: "layers", meaning: "a JSONata expression that does not parse (or reads a prototype key, uses $eval, or a regex with lookaround or a backreference)" },
  "bad-expression": { severity: "error", area: "layers", meaning: "$expr that is not a string, or with other keys beside it" },
  "bad-directive": { severity: "error", area: "layers", meaning: "an unknown or misused $patch/$append/$prepend in a layer's data" },
  "forbidden-key": { severity: "error", area: "layers", meaning: "__proto__, constructor or prototype as a key (in a layer, a context, an override or a body)" },
  "forbidden-path": { severity: "error", area: "layers", meaning: "a var path through a prototype key" },
  "unknown-stage": { severity: "error", area: "layers", meaning: "a layer names a stage that does not exist or takes no layer files" },
  "duplicate-name": { severity: "error", area: "layers", meaning: "two layers, profiles, checks, stages (or scenarios: a warning) with one name" },
  "name-mismatch": { severity: "warning", area: "layers", meaning: "a layer or profile in a file named otherwise" },
  "missing-stages": { severity: "error", area: "layers", meaning: "no file defines the stage order" },
  "duplicate-stages": { severity: "error", area: "layers", meaning: "two files define the stage order" },
  "stage-source": { severity: "error", area: "layers", meaning: "a role the project declares (profiles, overrides) without exactly one stage to apply it" },
  "layer-value": { severity: "error", area: "layers", meaning: "a value a layer writes does not fit the output schema at its path (type, allowed values, bounds, pattern)" },
  "unknown-config-key": { severity: "error", area: "layers", meaning: "a layer writes a key a closed section of the output schema does not have" },
  "unknown-context-field": { severity: "error", area: "layers", meaning: "a condition or expression reads a context field that does not exist" },
  "unknown-config-field": { severity: "error", area: "layers", meaning: "a $config path (or a check's path) the output schema does not have, or one letter from a known key of an open map" },
  "never-equal": { severity: "error", area: "layers", meaning: "a condition compares a field with a literal outside its closed set of values, or one letter from a known value" },
  "likely-typo": { severity: "warning", area: "layers", meaning: "a key or value where any is accepted (an engine option, an engine name) that is one or two letters from a known one; in a layer or a context" },
  "layers-unreadable": { severity: "error", area: "layers", meaning: "the layer directory cannot be read" },

  // Only from `strata lint`
  "profile-empty": { severity: "error", area: "lint", meaning: "a profile has no layers" },
  "never-applies": { severity: "warning", area: "lint", meaning: "a condition false for every value its fields can take" },
  "empty-section": { severity: "warning", area: "lint", meaning: "a layer sets a section of the config to null" },
  "scenario-fails": { severity: "error", area: "lint", meaning: "a scenario composes to an invalid config" },

  // Composing
  "context-invalid": { severity: "error", area: "compose", meaning: "the context does not fit the project's context schema" },
  "profile-not-found": { severity: "warning", area: "compose", meaning: "the context asks for a profile that does not exist" },
  "unknown-value": { severity: "warning", area: "compose", meaning: "a context value no layer condition compares with" },
  "expression-failed": { severity: "error", area: "compose", meaning: "a JSONata expression failed on this context" },
  "expression-timeout": { severity: "error", area: "compose", meaning: "an expression ran longer than its time limit" },
  "expression-too-deep": { severity: "error", area: "compose", meaning: "an expression recursed deeper than its limit" },
  "expression-too-large": { severity: "error", area: "compose", meaning: "an expression built too long a list or string, or gave a regex too long an input" },
  "layer-data-not-object": { severity: "error", area: "compose", meaning: "a layer's data expression produced something other than a mapping" },
  "merge-failed": { severity: "error", area: "compose", meaning: "a directive an expression built, or one in the user's overrides, is wrong" },
  "condition-failed": { severity: "error", area: "compose", meaning: "a layer's condition could not be evaluated" },
  "condition-timeout": { severity: "error", area: "compose", meaning: "a condition or check rule ran longer than the time limit" },
  "condition-too-large": { severity: "error", area: "compose", meaning: "a condition or check rule built too long a list or string" },
  "expression-not-data": { severity: "error", area: "compose", meaning: "an expression produced a function, a number JSON cannot hold, or nothing where a value is needed" },
  "config-not-object": { severity: "error", area: "compose", meaning: "a layer or the user's overrides delete the whole config or make it a list" },
  "config-too-large": { severity: "error", area: "compose", meaning: "the composed config is larger than the compose limit" },
  "config-not-data": { severity: "error", area: "compose", meaning: "the composed config holds something that is not JSON data (a bug guard)" },

  // The finished config
  "config-invalid": { severity: "error", area: "config", meaning: "the config does not fit the project's output schema" },
  "check-failed": { severity: "error", area: "config", meaning: "a check rule could not be evaluated" },

  // Scenario files and `strata test`
  "scenario-schema": { severity: "error", area: "scenarios", meaning: "a scenario file does not fit schemas/scenario.schema.json" },
  "scenarios-unreadable": { severity: "error", area: "scenarios", meaning: "the scenario directory cannot be read" },
  "scenario-compose-failed": { severity: "error", area: "scenarios", meaning: "composing the scenario failed, and it expects no errors" },
  "scenario-errors": { severity: "error", area: "scenarios", meaning: "the errors differ from expect.errors" },
  "scenario-not-recorded": { severity: "error", area: "scenarios", meaning: "an expectation is empty: `strata test --update` records it" },
  "scenario-config": { severity: "error", area: "scenarios", meaning: "the config differs from the snapshot in expect.config" },
  "scenario-match": { severity: "error", area: "scenarios", meaning: "a value differs from expect.match" },
  "scenario-absent": { severity: "error", area: "scenarios", meaning: "a path expect.absent names has a value" },
  "scenario-applied-layers": { severity: "error", area: "scenarios", meaning: "the applied layers differ from expect.applied_layers" },
  "scenario-warnings": { severity: "error", area: "scenarios", meaning: "the warnings differ from expect.warnings" },

  // The HTTP API (the `error.code` of a 4xx/5xx answer, and its issues)
  "body-invalid": { severity: "error", area: "api", meaning: "the request body is not a JSON object of context fields, or a field is wrong" },
  "empty-body": { severity: "error", area: "api", meaning: "the request has no body" },
  "malformed-json": { severity: "error", area: "api", meaning: "the request body is not valid JSON" },
  "body-not-utf8": { severity: "error", area: "api", meaning: "the request body has bytes that are not UTF-8" },
  "body-too-deep": { severity: "error", area: "api", meaning: "the request body nests deeper than the limit" },
  "body-too-large": { severity: "error", area: "api", meaning: "the request body is larger than the limit (413)" },
  "body-too-many-items": { severity: "error", area: "api", meaning: "a list or object in the request body has more entries than the limit" },
  "unsupported-media-type": { severity: "error", area: "api", meaning: "the body is not application/json, or not in UTF-8 (415)" },
  "bad-content-length": { severity: "error", area: "api", meaning: "the body does not match its Content-Length" },
  "bad-url": { severity: "error", area: "api", meaning: "the URL is not valid (bad percent-encoding)" },
  "url-too-long": { severity: "error", area: "api", meaning: "a path parameter is too long" },
  "conflicting-fields": { severity: "error", area: "api", meaning: "a field given under its REST name and its context name, or twice with different values" },
  "query-invalid": { severity: "error", area: "api", meaning: "a bad query parameter" },
  "param-invalid": { severity: "error", area: "api", meaning: "a bad path parameter (a task id that is not a positive integer)" },
  "compose-failed": { severity: "error", area: "api", meaning: "the config could not be composed (422)" },
  "task-name-missing": { severity: "error", area: "api", meaning: "the composed config has no name at the project's item_name (the autotuner: task_name) to store it under (422)" },
  "task-name-taken": { severity: "error", area: "api", meaning: "a stored item (the autotuner: a task) with this name exists (409)" },
  "items-not-stored": { severity: "error", area: "api", meaning: "the project file has no item_name, so the service previews but stores nothing (405)" },
  "token-missing": { severity: "error", area: "api", meaning: "a write (create, delete, start, reload) without the bearer token this server requires (401)" },
  "token-invalid": { severity: "error", area: "api", meaning: "a write with a bearer token this server does not accept (401)" },
  "handoff-unsupported-field": { severity: "error", area: "api", meaning: "the composed config has a field the autotuner's task API does not take, so it cannot be handed over (422)" },
  "task-not-found": { severity: "error", area: "api", meaning: "no task with this id (404)" },
  "schema-not-found": { severity: "error", area: "api", meaning: "no schema with this name (404)" },
  "not-found": { severity: "error", area: "api", meaning: "no such route (404)" },
  "method-not-allowed": { severity: "error", area: "api", meaning: "the route does not take this method (405)" },
  "compose-busy": { severity: "error", area: "api", meaning: "every compose worker is busy and the queue is full (503, with Retry-After)" },
  "compose-timeout": { severity: "error", area: "api", meaning: "a compose ran past the service's time limit; its worker was stopped (504)" },
  "compose-aborted": { severity: "error", area: "api", meaning: "the compose worker ended while composing (out of memory, killed); it was replaced (503)" },
  "internal-error": { severity: "error", area: "api", meaning: "a bug: the server log has the details (500)" },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

/** A Fastify 4xx strata has no name for: `http-<status>`. */
export type HttpCode = `http-${number}`;

export const isCode = (s: string): s is Code => Object.hasOwn(CODES, s);
