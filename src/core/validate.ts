// JSON Schema validation of the composed config (the project's output schema); each problem names its JSON path and who set the value.
import { issue, type Issue } from "./issues.js";
import { type SchemaSet } from "./schemas.js";
import { lastWrite } from "./provenance.js";
import type { Trace } from "./merge.js";
import { errorMessage, errorPointer, usefulErrors } from "../lang/json-schema.js";

export function validateConfig(schemas: SchemaSet, config: unknown, trace: Trace): Issue[] {
  if (schemas.output(config)) return [];
  return usefulErrors(schemas.output.errors).map((e) => {
    const pointer = errorPointer(e);
    // The latest write at the value or above it: for a missing field, whoever replaced its parent.
    const origin = lastWrite(trace, pointer)?.origin;
    return issue("config-invalid", errorMessage(e, "the config"), {
      pointer,
      keyword: e.keyword,
      ...(origin ? { origin, file: origin.file, line: origin.line, column: origin.column, layer: origin.layer } : {}),
    });
  });
}
