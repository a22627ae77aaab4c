// strata's library API: load a project and its layer set once, compose many contexts.
export { loadProject, findProject, PROJECT_FILE } from "./core/project.js";
export type { Project, Roles, ProjectOverrides } from "./core/project.js";
export { loadLayerSet, loadLayerSetFromFiles, readLayerFiles, isUsable, layerOrder } from "./core/load.js";
export type { Layer, LayerSet, Profile, CheckRule, Stage, StageSource, LoadOptions } from "./core/load.js";
export { compose, composeSync, resultView, COMPOSE_LIMITS } from "./core/compose.js";
export type { ComposeResult, ComposeOptions, SkippedLayer } from "./core/compose.js";
export type { ContextRecord } from "./core/context.js";
// The autotuner's context (this repository's own project), generated from its context schema: `npm run types`.
export type { TaskContext } from "../types/task-context.js";
export { normalizeContext } from "./core/context.js";
export { merge, Trace, MergeError } from "./core/merge.js";
export type { Write, WriteOp } from "./core/merge.js";
export { provenanceOf, historyOf, lastWrite } from "./core/provenance.js";
export { describeLogic, varsRead, evaluateLogic, checkLogic } from "./lang/condition.js";
export { formatIssue, formatLocation, formatOrigin, sortIssues, hasErrors, StrataError } from "./core/issues.js";
export type { Issue, Origin, Severity, Position } from "./core/issues.js";
export { DEFAULT_LAYERS_DIR, DEFAULT_SCHEMAS_DIR, STRATA_SCHEMAS_DIR, PACKAGE_ROOT } from "./core/schemas.js";
export type { SchemaTexts, ProjectSchemaTexts } from "./core/schemas.js";
export { EXPRESSION_LIMITS } from "./lang/expression.js";
export { SOURCE_LIMITS } from "./core/source.js";
export { loadScenarios, loadScenariosFromFiles, runScenario, runScenarios } from "./review/scenarios.js";
export type { Scenario, ScenarioSet, ScenarioResult, ScenarioFailure, ScenarioExpect } from "./review/scenarios.js";
export { diffSides, openRepo, readRevision, readWorkingTree, DiffError } from "./review/diff.js";
export type { DiffReport, ScenarioDiff, PathChange } from "./review/diff.js";
