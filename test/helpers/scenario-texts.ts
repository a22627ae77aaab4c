// Scenario texts shared by test/scenario-runner.test.ts (the CLI) and test/scenario-runner-library.test.ts.

export const CONTEXT = `context:
  model_name: m
  base_runtime: sglang
  deployment_mode: docker
`;

// sglang on docker as composed today, except tp-size: the snapshot says [1, 2] where the layers give [1, 2, 4].
// Its keys are not in the order compose writes them (runtime_image_tag comes second): --update must keep that order.
export const STALE = `# A scenario whose snapshot is out of date.
name: stale snapshot
${CONTEXT}expect:
  # The config, as it was when recorded.
  config:
    task_name: m_grid_search # generated from model_name
    runtime_image_tag: v0.5.2-cu126
    model:
      id_or_path: m
      namespace: autotuner
    base_runtime: sglang
    optimization:
      strategy: grid_search
      objective: minimize_latency
      max_iterations: 10
      timeout_per_iteration: 600
    benchmark:
      task: text-to-text
      model_name: m
      traffic_scenarios: ["D(100,100)"]
      num_concurrency: [1, 4]
    parameters:
      # Searched by the autotuner.
      tp-size: [1, 2]
      mem-fraction-static: [0.85, 0.9]
      schedule-policy: [lpm]
      enable-torch-compile: [true, false]
  match:
    parameters.tp-size: [1, 2]
`;
