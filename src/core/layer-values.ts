// What a layer writes, held to the output schema when the layer set loads: every static value at its own path
// (type, enum, bounds, pattern, closed objects), so a wrong value is refused at its line before any compose.
// Expressions are judged when they run (the composed config is validated); directives are read as merge reads them.
import { issue, warning, type CodedIssue } from "./issues.js";
import type { SchemaSet } from "./schemas.js";
import { isExprNode, type Template } from "./template.js";
import { errorMessage, errorPointer, nearMisses, unknownAt, usefulErrors, type Schema } from "../lang/json-schema.js";
import { describeValue, getOwnPath, hasOwn, isPlainObject, setOwn } from "../util/data.js";
import { closestName } from "../util/names.js";
import { escapeToken, parsePointer, pointerToDots } from "../util/pointer.js";

/** Where an issue goes: the file position of a pointer into the layer file (the value's, or its key's). */
export type DataAt = (pointer: string, preferValue: boolean) => { file: string; line?: number; column?: number };

/**
 * The static part of a layer's data as the config would receive it, with the pointer in the layer of each of
 * its nodes: expressions left out (their result is judged at compose), `$patch: delete` left out, `$patch:
 * replace|merge` without the directive, `{$append: [...]}` as the list it adds, null left out (lint warns).
 */
export function staticView(t: Template): { value: unknown; layerPointer: Map<string, string>; computed: Set<string> } {
  const layerPointer = new Map<string, string>();
  const computed = new Set<string>();
  // A value known only at compose: its key is still checked, the value is not (its errors are dropped).
  const placeholder = (at: string, src: string) => (layerPointer.set(at, src), computed.add(at), COMPUTED);
  const fromData = (v: unknown, at: string, src: string): unknown => {
    if (isExprNode(v)) return placeholder(at, src); // one that did not compile: loading reports it
    layerPointer.set(at, src);
    if (Array.isArray(v)) return v.map((x, i) => fromData(x, `${at}/${i}`, `${src}/${i}`));
    if (!isPlainObject(v)) return v;
    if (hasOwn(v, "$patch") && v.$patch === "delete") return undefined;
    for (const op of ["$append", "$prepend"]) {
      if (hasOwn(v, op)) return Array.isArray(v[op]) ? (v[op] as unknown[]).map((x, i) => fromData(x, `${at}/${i}`, `${src}/${op}/${i}`)) : undefined;
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      if (k === "$patch" || v[k] === null) continue;
      const child = fromData(v[k], `${at}/${escapeToken(k)}`, `${src}/${escapeToken(k)}`);
      if (child !== undefined) setOwn(out, k, child);
    }
    return out;
  };
  const fromTemplate = (x: Template, at: string, src: string): unknown => {
    if (x.kind === "static") return fromData(x.value, at, src);
    if (x.kind === "expr") return placeholder(at, src);
    layerPointer.set(at, src);
    if (x.kind === "array") return x.items.map((item, i) => fromTemplate(item, `${at}/${i}`, `${src}/${i}`));
    const keys = x.entries.map(([k]) => k);
    if (keys.includes("$append") || keys.includes("$prepend")) return placeholder(at, src); // `$append: !expr …`
    const out: Record<string, unknown> = {};
    for (const [k, child] of x.entries) {
      if (k === "$patch" || (child.kind === "static" && child.value === null)) continue;
      const v = fromTemplate(child, `${at}/${escapeToken(k)}`, `${src}/${escapeToken(k)}`);
      if (v !== undefined) setOwn(out, k, v);
    }
    return out;
  };
  return { value: t.kind === "expr" ? undefined : fromTemplate(t, "", ""), layerPointer, computed };
}

/** Stands for a computed value in the view; no schema wants it, and its errors are dropped. */
const COMPUTED = "\u0000computed";

/**
 * Every static value of a layer's data against the output schema at its path. An unknown key under a closed
 * object is `unknown-config-key` (with "did you mean"); any other mismatch is `layer-value`.
 */
export function layerValueIssues(t: Template, schemas: SchemaSet, dataPointer: string, at: DataAt, layer: string): CodedIssue[] {
  const { value, layerPointer, computed } = staticView(t);
  const isComputed = (pointer: string) => [...computed].some((c) => pointer === c || pointer.startsWith(c + "/"));
  if (!isPlainObject(value)) return [];
  const output = schemas.json.output as Schema;
  const toLayer = (pointer: string) => {
    // The nearest node of the view that maps back into the layer, then the rest of the path as it is.
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf("/"))) {
      const src = layerPointer.get(p);
      if (src !== undefined) return dataPointer + src + pointer.slice(p.length);
      if (p === "") return dataPointer + pointer;
    }
  };
  const out: CodedIssue[] = [];
  for (const m of nearMisses(output, value)) {
    const inLayer = toLayer(m.pointer);
    const where = { ...at(inLayer, m.kind === "value"), layer, pointer: inLayer };
    const parent = pointerToDots(m.pointer.slice(0, m.pointer.lastIndexOf("/")));
    out.push(
      m.kind === "key"
        ? warning("likely-typo", `layer '${layer}' writes '${m.written}' in ${parent ? `'${parent}'` : "the config"}, which takes any key but knows '${m.near}': did you mean '${m.near}'?`, where)
        : warning("likely-typo", `layer '${layer}' writes '${m.written}' for '${pointerToDots(m.pointer)}', which takes any value but knows '${m.near}': did you mean '${m.near}'?`, where),
    );
  }
  if (schemas.layerData(value)) return out;
  const errors = usefulErrors(schemas.layerData.errors);
  // Of an anyOf's branches, the one of the value's own type says what is wrong inside it (`tp-size.0 must be >= 1`):
  // the other branch's "must be object" is noise then.
  const deeper = (p: string) => errors.some((o) => o.instancePath.startsWith(p + "/"));
  for (const e of errors.filter((x) => !(x.keyword === "type" && deeper(x.instancePath)))) {
    const pointer = errorPointer(e);
    if (e.keyword !== "additionalProperties" && isComputed(e.instancePath)) continue;
    const inLayer = toLayer(pointer);
    const where = { ...at(inLayer, e.keyword !== "additionalProperties"), layer, keyword: e.keyword };
    if (e.keyword === "additionalProperties") {
      const path = parsePointer(pointer).map(String);
      const key = path[path.length - 1];
      const known = unknownAt(output, output, path)?.known ?? [];
      const near = closestName(key, known);
      const parent = e.instancePath === "" ? "the config" : `'${pointerToDots(e.instancePath)}'`;
      out.push(issue("unknown-config-key", `layer '${layer}' writes '${key}', but ${parent} has no such key${near ? ` (did you mean '${near}'?)` : ""}`, { ...where, pointer: inLayer }));
      continue;
    }
    const got = getOwnPath(value, parsePointer(pointer));
    let message = `${errorMessage(e, "the config")}, but layer '${layer}' writes ${describeValue(got)}`;
    if (e.keyword === "type" && typeof got === "string" && /number|integer|boolean/.test(String((e.params as { type?: unknown }).type)) && /^\s*(-?[\d.]+|true|false)\s*$/.test(got)) {
      message += " (text, because of the quotes: write it without them)";
    }
    if (e.keyword === "enum") {
      const allowed = ((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).filter((v): v is string => typeof v === "string");
      const near = typeof got === "string" ? closestName(got, allowed, Math.max(2, Math.floor(got.length / 3))) : undefined;
      if (near) message += ` (did you mean '${near}'?)`;
    }
    out.push(issue("layer-value", message, { ...where, pointer: inLayer }));
  }
  return out;
}
