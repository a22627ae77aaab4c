// strata's library API: load a layer set once, compose many contexts.
export { loadLayerSet, loadLayerSetFromFiles, readLayerFiles, isUsable, layerOrder } from "./load.js";
export type { Layer, LayerSet, Profile, CheckRule, Stage, StageSource, LoadOptions } from "./load.js";
export { compose } from "./compose.js";
export type { ComposeResult, ComposeOptions, SkippedLayer } from "./compose.js";
export type { TaskContext } from "./context.js";
export { normalizeContext } from "./context.js";
export { merge, Trace, MergeError } from "./merge.js";
export type { Write, WriteOp } from "./merge.js";
export { provenanceOf, historyOf, lastWrite } from "./provenance.js";
export { describeLogic, varsRead, evaluateLogic, checkLogic } from "./condition.js";
export { formatIssue, formatLocation, formatOrigin, sortIssues, hasErrors, StrataError } from "./issues.js";
export type { Issue, Origin, Severity, Position } from "./issues.js";
export { DEFAULT_LAYERS_DIR, DEFAULT_SCHEMAS_DIR, PACKAGE_ROOT } from "./schemas.js";
export { EXPRESSION_LIMITS } from "./expression.js";
export { SOURCE_LIMITS } from "./source.js";
