// Prototype-pollution payloads, as text: a JavaScript object literal would set a prototype while the test is
// being written (`{ __proto__: x }`), while JSON.parse and the YAML parser make `__proto__` an own key, which is
// what a request body, a context file or a layer file hands strata.

export interface Payload {
  name: string;
  /** A JSON object (also valid YAML flow syntax) with a prototype key somewhere inside. */
  json: string;
  /** JSON Pointer of the first prototype key, as strata reports it. */
  pointer: string;
}

/** The sentinel every payload tries to plant; a polluted prototype shows it on every object. */
export const SENTINEL = "polluted";

export const PAYLOADS: readonly Payload[] = [
  { name: "__proto__ at the top", json: `{"__proto__": {"polluted": "yes"}}`, pointer: "/__proto__" },
  { name: "constructor.prototype at the top", json: `{"constructor": {"prototype": {"polluted": "yes"}}}`, pointer: "/constructor" },
  { name: "prototype at the top", json: `{"prototype": {"polluted": "yes"}}`, pointer: "/prototype" },
  { name: "__proto__ one level down", json: `{"parameters": {"__proto__": {"polluted": "yes"}}}`, pointer: "/parameters/__proto__" },
  { name: "__proto__ inside a list item", json: `{"parameters": {"tp-size": [1, {"__proto__": {"polluted": "yes"}}]}}`, pointer: "/parameters/tp-size/1/__proto__" },
  {
    name: "constructor.prototype five levels down",
    json: `{"slo": {"latency": {"p90": {"x": {"constructor": {"prototype": {"polluted": "yes"}}}}}}}`,
    pointer: "/slo/latency/p90/x/constructor",
  },
  { name: "__proto__ beside $patch: replace", json: `{"slo": {"$patch": "replace", "__proto__": {"polluted": "yes"}}}`, pointer: "/slo/__proto__" },
  { name: "__proto__ inside $append items", json: `{"tags": {"$append": [{"__proto__": {"polluted": "yes"}}]}}`, pointer: "/tags/$append/0/__proto__" },
  { name: "__proto__ set to null", json: `{"optimization": {"__proto__": null}}`, pointer: "/optimization/__proto__" },
  { name: "__proto__ set to a list", json: `{"benchmark": {"__proto__": ["polluted"]}}`, pointer: "/benchmark/__proto__" },
  { name: "constructor as a plain string", json: `{"model": {"constructor": "polluted"}}`, pointer: "/model/constructor" },
  { name: "__proto__ with a toString", json: `{"__proto__": {"toString": "polluted", "polluted": "yes"}}`, pointer: "/__proto__" },
];

/** The same payloads written the ways only YAML can: block style, quoted keys, anchors and aliases, explicit keys. */
export const YAML_PAYLOADS: readonly { name: string; yaml: string; pointer: string }[] = [
  { name: "block __proto__", yaml: "__proto__:\n  polluted: yes\n", pointer: "/__proto__" },
  { name: "quoted '__proto__'", yaml: "'__proto__':\n  polluted: yes\n", pointer: "/__proto__" },
  { name: "explicit key ? constructor", yaml: "? constructor\n: prototype:\n    polluted: yes\n", pointer: "/constructor" },
  { name: "__proto__ behind an alias", yaml: "base: &bad\n  __proto__:\n    polluted: yes\nextra: *bad\n", pointer: "/base/__proto__" },
  { name: "merge key << over __proto__", yaml: "defaults: &d\n  __proto__: {polluted: yes}\nreal:\n  <<: *d\n", pointer: "/defaults/__proto__" },
];

/** A context (as JSON text) that carries the payload's keys at its top level, beside valid fields. */
export function contextWithTopLevel(p: Payload): string {
  return `{"model_name": "m", "base_runtime": "sglang", ${p.json.trim().slice(1)}`;
}

/** A context (as JSON text) whose user_overrides is the payload. */
export function contextWithOverrides(p: Payload, mode: "patch" | "replace" = "patch"): string {
  return `{"model_name": "m", "base_runtime": "sglang", "override_mode": "${mode}", "user_overrides": ${p.json}}`;
}

/** Every object and list reachable from a value, with the path to it. */
export function* containers(v: unknown, path = ""): Generator<[string, object]> {
  if (v === null || typeof v !== "object") return;
  yield [path, v];
  for (const k of Object.keys(v)) yield* containers((v as Record<string, unknown>)[k], `${path}/${k}`);
}

/**
 * Problems a value shows if a payload got through: an object whose prototype is not Object.prototype (or null),
 * a list whose prototype is not Array.prototype, or the sentinel readable without being an own key.
 */
export function prototypeProblems(v: unknown): string[] {
  const out: string[] = [];
  for (const [path, o] of containers(v)) {
    const proto = Object.getPrototypeOf(o);
    const expected = Array.isArray(o) ? [Array.prototype] : [Object.prototype, null];
    if (!expected.includes(proto)) out.push(`${path || "/"}: prototype changed`);
    if ((o as Record<string, unknown>)[SENTINEL] !== undefined && !Object.prototype.hasOwnProperty.call(o, SENTINEL)) {
      out.push(`${path || "/"}: inherits '${SENTINEL}'`);
    }
  }
  return out;
}

/** Own property names of the shared prototypes, to compare before and after. */
export function prototypeSnapshot(): Record<string, string[]> {
  const names = (o: object) => Object.getOwnPropertyNames(o).sort();
  return {
    object: names(Object.prototype),
    array: names(Array.prototype),
    function: names(Function.prototype),
    string: names(String.prototype),
  };
}

/** True when nothing anywhere inherits the sentinel: the process-wide check. */
export function globalPollution(): string[] {
  const probes: [string, unknown][] = [
    ["{}", {}],
    ["[]", []],
    ["Object.create(Object.prototype)", Object.create(Object.prototype)],
    ["function", () => 0],
  ];
  return probes.filter(([, o]) => (o as Record<string, unknown>)[SENTINEL] !== undefined).map(([n]) => `${n}.${SENTINEL} is set`);
}
