// Check rules (`check:` files in the layer directory) run on the finished config: condition → severity and message.
import { testCondition, LogicLimitError } from "../lang/condition.js";
import { issue, type Issue } from "./issues.js";
import type { LayerSet } from "./load.js";
import { parseDotPath, toPointer } from "../util/pointer.js";

export function runChecks(set: LayerSet, context: object, config: unknown): Issue[] {
  const out: Issue[] = [];
  for (const rule of set.checks) {
    const where = { file: rule.file, line: rule.line, column: rule.column, layer: rule.name };
    let fired: boolean;
    try {
      fired = testCondition(rule.when, context, config);
    } catch (e) {
      // A rule that cannot be evaluated is a broken rule file, not a broken config.
      if (e instanceof LogicLimitError) out.push(issue(e.code, `check '${rule.name}': ${e.message}`, where));
      else out.push(issue("check-failed", `check '${rule.name}' could not be evaluated: ${(e as Error).message}`, where));
      continue;
    }
    if (fired) {
      out.push({
        code: rule.name,
        severity: rule.severity,
        message: rule.message,
        ...(rule.path ? { pointer: toPointer(parseDotPath(rule.path)) } : {}),
        ...where,
      });
    }
  }
  return out;
}
