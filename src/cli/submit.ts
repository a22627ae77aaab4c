// `strata submit`: compose one context and hand the task to the autotuner now (no outbox: the answer is the
// exit status). Like the service's sender it never makes a second task: the name is looked up first, and a
// task there with the same config counts as this one (running submit again after a lost answer is safe).
import { compose } from "../core/compose.js";
import { EXIT, UsageError, parse, printIssues, out, type Command } from "./common.js";
import { OPTIONS as COMPOSE_OPTIONS, exitCode, readComposeInput } from "./compose.js";
import { loadOrExit, projectOf, withLayerDir, PROJECT_HELP } from "./project-options.js";
import { autotunerUrlOf } from "./serve.js";
import { AutotunerClient, AutotunerUnreachable } from "../server/handoff/client.js";
import { deliver, startTask } from "../server/handoff/deliver.js";
import { toTaskCreate } from "../server/handoff/task-create.js";

const { json: _json, ...composeOptions } = COMPOSE_OPTIONS;
const OPTIONS = {
  ...composeOptions,
  start: { type: "boolean" },
  "autotuner-url": { type: "string" },
} as const;

export const command: Command = {
  name: "submit",
  summary: "compose a task and hand it to the autotuner",
  help: `Usage: strata submit --context FILE|- [--start] [--autotuner-url URL] [options]

Compose the config for a context (as strata compose does) and create the task
on the autotuner's task API (POST /api/tasks/), printing the autotuner's task
id. A task of that name already there with the same config counts as this one
(submitting again is safe); with another config it is a conflict.

Options:
  -c, --context FILE|-    the context (fields: the project's context schema)
      --start             start the task on the autotuner once created
      --autotuner-url URL the autotuner (default: $STRATA_AUTOTUNER_URL)
  -p, --profile NAME      add a profile after the context's own (repeatable)
  -s, --set PATH=VALUE    patch one value; VALUE is read as YAML
  -o, --override FILE     a YAML or JSON patch merged over the config
  -m, --mode MODE         patch or replace: how the overrides apply
      --strict            treat warnings as errors
${PROJECT_HELP}
Exit status: 0 created (or found, and started with --start); 1 invalid config,
a field the autotuner does not take, refused by the autotuner, a conflict or a
start refused; 2 bad input or usage, or the autotuner unreachable.`,
  async run(argv) {
    const { values } = parse(argv, OPTIONS);
    const url = autotunerUrlOf(values["autotuner-url"]);
    if (url === undefined) throw new UsageError("no autotuner: give --autotuner-url URL or set STRATA_AUTOTUNER_URL");
    const { ctxFile, context, locateIssues } = readComposeInput(values, projectOf(values));
    const set = loadOrExit(values);
    const result = await compose(set, context, { strict: values.strict });
    const errors = locateIssues(result.errors);
    const warnings = locateIssues(result.warnings);
    printIssues(withLayerDir([...errors, ...warnings], set, ctxFile.file, values));
    if (!result.ok || !result.config) return exitCode(result);

    const { body, issues } = toTaskCreate(result.config);
    if (!body) {
      printIssues(issues);
      process.stderr.write(`strata submit: the config cannot be handed to the autotuner (${issues.length} field(s) it does not take)\n`);
      return EXIT.invalid;
    }
    const client = new AutotunerClient(url);
    try {
      const d = await deliver(client, body, true);
      if (d.state !== "delivered") {
        process.stderr.write(`strata submit: ${d.reason}\n`);
        return EXIT.invalid;
      }
      const where = `'${body.task_name}' is task ${d.autotuner_id} on the autotuner at ${url}${d.found ? " (it was there already, with the same config)" : ""}`;
      if (values.start) {
        const s = await startTask(client, d.autotuner_id);
        if (s.state !== "started") {
          out(String(d.autotuner_id));
          process.stderr.write(`strata submit: ${where}, but ${s.reason}\n`);
          return EXIT.invalid;
        }
      }
      out(String(d.autotuner_id));
      process.stderr.write(`strata submit: ${where}${values.start ? "; started" : ""}\n`);
      return EXIT.ok;
    } catch (e) {
      if (e instanceof AutotunerUnreachable) throw new UsageError(e.message);
      throw e;
    }
  },
};
