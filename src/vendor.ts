// The parsers every start loads (YAML, JSONata, JSON-logic, RE2 for JSONata's regexes), from one module. `npm run build` bundles
// dist/vendor.js into a single file (scripts/bundle-vendor.mjs): Node loads it in a fraction of the time the
// packages' many CommonJS files take. Built by tsc alone, it simply re-exports the packages.
export { LineCounter, parseDocument, parse as parseYaml, stringify as stringifyYaml, visit, isMap, isSeq, isScalar, isAlias, isPair } from "yaml";
export { default as jsonata } from "jsonata";
export { default as jsonLogic } from "json-logic-js";
export { RE2JS } from "re2js";
