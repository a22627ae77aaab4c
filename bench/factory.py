#!/usr/bin/env python3
"""The design document's layered config factory (/work/shared/seed/layered-config-factory.md), re-expressed
as one standard-library script so `npm run bench` can time it beside strata on the same machine.

Same layers, stage order, profiles, finalize step and validator as the design; the TaskContext is built
from a plain dict with the design's REST defaults, as its `/tasks/from-context` route does.

Usage: python3 bench/factory.py CONTEXTS.json ITERATIONS ROUNDS [PER_CONTEXT_REPS]
  CONTEXTS.json holds a list of context dicts. Each round composes every context ITERATIONS times
  (ITERATIONS passes over the list) and records composes/s of wall time and composes per CPU-second
  of this process (time.process_time). With PER_CONTEXT_REPS, each context is then composed alone that
  many times and the median µs (wall) of each is reported. Prints one JSON object on stdout:
  {"rounds": [composes/s, ...], "cpu_rounds": [composes per CPU-second, ...], "per_context_us": [...],
   "results": [{"config", "applied_layers", "warnings"}, ...]}.
"""
from __future__ import annotations

import copy
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Literal


@dataclass(frozen=True)
class ConfigLayer:
    name: str
    data: dict | Callable[["TaskContext"], dict]
    condition: Callable[["TaskContext"], bool] | None = None

    def applies_to(self, ctx: "TaskContext") -> bool:
        if self.condition is None:
            return True
        try:
            return self.condition(ctx)
        except Exception:
            return False

    def resolve(self, ctx: "TaskContext") -> dict:
        payload = self.data(ctx) if callable(self.data) else self.data
        return copy.deepcopy(payload)


@dataclass
class TaskContext:
    model_name: str
    base_runtime: str
    deployment_mode: str
    benchmark_task: str
    traffic_scenarios: list[str]
    num_concurrency: list[int]
    optimization_strategy: str
    optimization_objective: str
    slo_config: dict | None = None
    profiles: list[str] = field(default_factory=list)
    user_overrides: dict = field(default_factory=dict)
    override_mode: Literal["patch", "replace"] = "patch"
    gpu_type: str | None = None
    total_gpus: int | None = None


def _deep_merge(target: dict, source: Mapping, *, allow_new: bool = True) -> dict:
    for key, value in source.items():
        if key not in target:
            if not allow_new:
                continue
            target[key] = copy.deepcopy(value)
        elif isinstance(target[key], dict) and isinstance(value, Mapping):
            _deep_merge(target[key], value, allow_new=allow_new)
        else:
            target[key] = copy.deepcopy(value)
    return target


def gpu_aware_layer(ctx: TaskContext) -> dict:
    if ctx.gpu_type == "H100":
        return {"parameters": {"tp-size": [1, 2, 4, 8], "mem-fraction-static": [0.85, 0.9, 0.95]}}
    elif ctx.gpu_type == "A100":
        return {"parameters": {"tp-size": [1, 2, 4], "mem-fraction-static": [0.8, 0.85]}}
    return {}


class TaskConfigFactory:
    PROFILE_REGISTRY: ClassVar[dict[str, list[ConfigLayer]]] = {}

    @classmethod
    def register_profile(cls, name: str, layers: list[ConfigLayer]) -> None:
        cls.PROFILE_REGISTRY[name] = layers

    @classmethod
    def create(cls, ctx: TaskContext) -> tuple[dict, list[str]]:
        config_dict: dict = {}
        applied_layers: list[str] = []
        for layer in cls._base_layers():
            if layer.applies_to(ctx):
                _deep_merge(config_dict, layer.resolve(ctx))
                applied_layers.append(layer.name)
        for layer in cls._deployment_mode_layers(ctx):
            if layer.applies_to(ctx):
                _deep_merge(config_dict, layer.resolve(ctx))
                applied_layers.append(layer.name)
        for layer in cls._runtime_layers(ctx):
            if layer.applies_to(ctx):
                _deep_merge(config_dict, layer.resolve(ctx))
                applied_layers.append(layer.name)
        # Phase 4.1 of the design: the GPU-aware layer, registered as a conditional layer after the runtime.
        for layer in cls._hardware_layers():
            if layer.applies_to(ctx):
                _deep_merge(config_dict, layer.resolve(ctx))
                applied_layers.append(layer.name)
        for profile in ctx.profiles:
            layers = cls.PROFILE_REGISTRY.get(profile)
            if not layers:
                continue
            for layer in layers:
                if layer.applies_to(ctx):
                    _deep_merge(config_dict, layer.resolve(ctx))
                    applied_layers.append(f"profile:{profile}:{layer.name}")
        if ctx.user_overrides:
            if ctx.override_mode == "replace":
                config_dict = copy.deepcopy(ctx.user_overrides)
                applied_layers.append("user_replace")
            else:
                _deep_merge(config_dict, ctx.user_overrides, allow_new=True)
                applied_layers.append("user_patch")
        cls._finalize(config_dict, ctx, applied_layers)
        return config_dict, applied_layers

    @classmethod
    def _base_layers(cls) -> list[ConfigLayer]:
        return [
            ConfigLayer("base-model", cls._base_model_layer),
            ConfigLayer("base-optimization", cls._base_optimization_layer),
        ]

    @classmethod
    def _deployment_mode_layers(cls, ctx: TaskContext) -> list[ConfigLayer]:
        if ctx.deployment_mode == "docker":
            return [ConfigLayer("docker-defaults", cls._docker_defaults_layer)]
        elif ctx.deployment_mode == "ome":
            return [ConfigLayer("ome-defaults", cls._ome_defaults_layer)]
        return []

    @classmethod
    def _runtime_layers(cls, ctx: TaskContext) -> list[ConfigLayer]:
        if ctx.base_runtime == "sglang":
            return [ConfigLayer("sglang-defaults", cls._sglang_defaults_layer)]
        elif ctx.base_runtime == "vllm":
            return [ConfigLayer("vllm-defaults", cls._vllm_defaults_layer)]
        elif ctx.base_runtime == "trtllm":
            return [ConfigLayer("trtllm-defaults", cls._trtllm_defaults_layer)]
        return []

    @classmethod
    def _hardware_layers(cls) -> list[ConfigLayer]:
        return [ConfigLayer(name="gpu-aware", data=gpu_aware_layer, condition=lambda ctx: ctx.gpu_type is not None)]

    @staticmethod
    def _base_model_layer(ctx: TaskContext) -> dict:
        return {
            "task_name": f"{ctx.model_name}_{ctx.optimization_strategy}",
            "model": {"id_or_path": ctx.model_name, "namespace": "autotuner"},
            "base_runtime": ctx.base_runtime,
        }

    @staticmethod
    def _base_optimization_layer(ctx: TaskContext) -> dict:
        return {
            "optimization": {
                "strategy": ctx.optimization_strategy,
                "objective": ctx.optimization_objective,
                "max_iterations": 10,
                "timeout_per_iteration": 600,
            },
            "benchmark": {
                "task": ctx.benchmark_task,
                "model_name": ctx.model_name,
                "traffic_scenarios": ctx.traffic_scenarios,
                "num_concurrency": ctx.num_concurrency,
            },
        }

    @staticmethod
    def _docker_defaults_layer(ctx: TaskContext) -> dict:
        return {"runtime_image_tag": "v0.5.2-cu126", "parameters": {"tp-size": [1, 2, 4], "mem-fraction-static": [0.85, 0.9]}}

    @staticmethod
    def _ome_defaults_layer(ctx: TaskContext) -> dict:
        return {"parameters": {"tp-size": [1, 2, 4, 8], "mem-fraction-static": [0.8, 0.85, 0.9]}}

    @staticmethod
    def _sglang_defaults_layer(ctx: TaskContext) -> dict:
        return {"parameters": {"schedule-policy": ["lpm"], "enable-torch-compile": [True, False]}}

    @staticmethod
    def _vllm_defaults_layer(ctx: TaskContext) -> dict:
        return {"parameters": {"enable-chunked-prefill": [True, False]}}

    @staticmethod
    def _trtllm_defaults_layer(ctx: TaskContext) -> dict:
        return {"parameters": {"max-batch-size": [32, 64, 128]}}

    @classmethod
    def _finalize(cls, config: dict, ctx: TaskContext, applied_layers: list[str]) -> None:
        # The design's finalize, with its two steps named the way strata's finalize layers are,
        # so both report the same applied layers.
        if ctx.slo_config:
            config["slo"] = ctx.slo_config
            applied_layers.append("slo-config")
        if ctx.total_gpus and "parameters" in config:
            if "tp-size" in config["parameters"]:
                config["parameters"]["tp-size"] = [tp for tp in config["parameters"]["tp-size"] if tp <= ctx.total_gpus]
                applied_layers.append("tp-size-limit")


HIGH_THROUGHPUT_LAYERS = [ConfigLayer(name="high-throughput-params", data={
    "optimization": {"objective": "maximize_throughput", "max_iterations": 20},
    "parameters": {"mem-fraction-static": [0.95], "tp-size": [4, 8]},
    "benchmark": {"num_concurrency": [16, 32, 64]},
})]
LOW_LATENCY_LAYERS = [ConfigLayer(name="low-latency-params", data={
    "optimization": {"objective": "minimize_latency", "max_iterations": 15},
    "parameters": {"mem-fraction-static": [0.7, 0.8], "tp-size": [1, 2]},
    "benchmark": {"num_concurrency": [1, 4, 8]},
})]
QUICK_TEST_LAYERS = [ConfigLayer(name="quick-test-params", data={
    "optimization": {"max_iterations": 2},
    "parameters": {"tp-size": [1], "mem-fraction-static": [0.85]},
    "benchmark": {"num_concurrency": [1], "traffic_scenarios": ["D(100,100)"]},
})]
PRODUCTION_LAYERS = [ConfigLayer(name="production-params", data={
    "optimization": {"max_iterations": 30, "timeout_per_iteration": 900},
    "slo": {
        "ttft": {"threshold": 1.0, "weight": 2.0},
        "tpot": {"threshold": 0.05, "weight": 2.0},
        "latency": {"p90": {"threshold": 5.0, "weight": 3.0, "hard_fail": True, "fail_ratio": 0.2}},
    },
})]


def register_builtin_profiles() -> None:
    TaskConfigFactory.register_profile("high-throughput", HIGH_THROUGHPUT_LAYERS)
    TaskConfigFactory.register_profile("low-latency", LOW_LATENCY_LAYERS)
    TaskConfigFactory.register_profile("quick-test", QUICK_TEST_LAYERS)
    TaskConfigFactory.register_profile("production", PRODUCTION_LAYERS)


class ConfigValidator:
    @staticmethod
    def validate(config: dict, ctx: TaskContext | None = None) -> list[str]:
        warnings = []
        if "parameters" in config:
            if "tp-size" in config["parameters"]:
                tp_sizes = config["parameters"]["tp-size"]
                # The design calls max() unguarded, which raises on an empty list (total_gpus below every tp-size).
                if tp_sizes and max(tp_sizes) > 8:
                    warnings.append("tp-size > 8 may require multiple nodes")
        if "slo" in config:
            if "ttft" in config["slo"] and "tpot" in config["slo"]:
                if config["slo"]["ttft"]["threshold"] < config["slo"]["tpot"]["threshold"]:
                    warnings.append("TTFT threshold should be larger than TPOT")
        # strata's shipped layers add a third check (layers/checks/tp-size-none-left.yaml); the same here,
        # so both sides do the same work and report the same warnings.
        if ctx is not None and ctx.total_gpus and config.get("parameters", {}).get("tp-size") == []:
            warnings.append("no tp-size value fits in total_gpus; parameters.tp-size is empty")
        return warnings


def context_from(data: dict) -> TaskContext:
    """The design's `/tasks/from-context` route: a dict with its defaults → TaskContext."""
    return TaskContext(
        model_name=data["model_name"],
        base_runtime=data["base_runtime"],
        deployment_mode=data.get("deployment_mode", "docker"),
        benchmark_task=data.get("benchmark_task", "text-to-text"),
        traffic_scenarios=data.get("traffic_scenarios", ["D(100,100)"]),
        num_concurrency=data.get("num_concurrency", [1, 4]),
        optimization_strategy=data.get("optimization_strategy", "grid_search"),
        optimization_objective=data.get("optimization_objective", "minimize_latency"),
        profiles=data.get("profiles", []),
        user_overrides=data.get("user_overrides", {}),
        override_mode=data.get("override_mode", "patch"),
        slo_config=data.get("slo_config"),
        gpu_type=data.get("gpu_type"),
        total_gpus=data.get("total_gpus"),
    )


def run_once(data: dict) -> tuple[dict, list[str], list[str]]:
    ctx = context_from(data)
    config, applied = TaskConfigFactory.create(ctx)
    return config, applied, ConfigValidator.validate(config, ctx)


def main(argv: list[str]) -> int:
    if len(argv) not in (4, 5):
        sys.stderr.write(__doc__ or "")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        contexts = json.load(f)
    iterations, rounds = int(argv[2]), int(argv[3])
    register_builtin_profiles()
    results = []
    for data in contexts:
        config, applied, warnings = run_once(data)
        results.append({"config": config, "applied_layers": applied, "warnings": warnings})
    for _ in range(max(1, iterations // 10)):  # warm-up
        for data in contexts:
            run_once(data)
    rates = []
    cpu_rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        cpu_start = time.process_time()
        for _ in range(iterations):
            for data in contexts:
                run_once(data)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        rates.append(iterations * len(contexts) / elapsed)
        cpu_rates.append(iterations * len(contexts) / max(cpu, 1e-9))
    per_context = []
    if len(argv) == 5:
        reps = int(argv[4])
        for data in contexts:
            times = []
            for _ in range(reps):
                t = time.perf_counter()
                run_once(data)
                times.append((time.perf_counter() - t) * 1e6)
            times.sort()
            n = len(times)
            per_context.append(times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2)
    json.dump({"rounds": rates, "cpu_rounds": cpu_rates, "per_context_us": per_context, "results": results, "python": sys.version.split()[0]}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
