// The runaway conditions test/condition-limits.test.ts (in-process) and test/hostile-conditions.test.ts (CLI, HTTP)
// plant in a layer: each rule, and the code and message it must stop with.
import { EXPRESSION_LIMITS } from "../../src/lang/expression.js";
import { positionIn } from "./setup.js";

export const CONTEXT = { model_name: "m", base_runtime: "vllm", benchmark_task: "text-to-text", deployment_mode: "docker" };
export const ones = (n: number) => JSON.stringify(Array(n).fill(1));

/** A finalize-stage layer whose condition is `when` (JSON text), its file text, and where `when:` is. */
export function layerWith(when: string) {
  const text = `name: slow\nstage: finalize\nwhen: ${when}\ndata:\n  description: slow\n`;
  return { file: { path: "slow.yaml", text }, at: positionIn(text, "when:") };
}

/** Rules that run past each limit, and the code and message each stops with. */
export const RUNAWAYS: [string, string, string, string][] = [
  [
    "a nested reduce over 20,000 items",
    `{"reduce": [${ones(20_000)}, {"reduce": [${ones(20_000)}, {"+": [{"var": "accumulator"}, 1]}, 0]}, 0]}`,
    "condition-timeout",
    `condition ran longer than ${EXPRESSION_LIMITS.timeoutMs} ms and was stopped`,
  ],
  [
    "a merge that doubles a list 40 times",
    `{"reduce": [${ones(40)}, {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]}`,
    "condition-too-large",
    `condition built a list of 131072 items (limit ${EXPRESSION_LIMITS.maxSequence}) and was stopped`,
  ],
  [
    "a cat that doubles a string 40 times",
    `{"reduce": [${ones(40)}, {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]}, "ab"]}`,
    "condition-too-large",
    `condition built a string of more than ${EXPRESSION_LIMITS.maxStringLength} characters and was stopped`,
  ],
  [
    "a map that builds a large string on every item",
    `{"map": [${ones(40)}, {"cat": ["${"x".repeat(600_000)}", {"var": ""}]}]}`,
    "condition-too-large",
    `condition built more than ${EXPRESSION_LIMITS.maxBuilt} list items and characters in all (limit) and was stopped`,
  ],
  [
    "a none inside an all, over 20,000 items each",
    `{"all": [${ones(20_000)}, {"none": [${ones(20_000)}, {"!": {"var": ""}}]}]}`,
    "condition-timeout",
    `condition ran longer than ${EXPRESSION_LIMITS.timeoutMs} ms and was stopped`,
  ],
];
