// Request bodies: JSON only, within a size and depth limit; a syntax error names its line and column.
// JSON.parse defines `__proto__` as an own key (never a prototype change); such keys are rejected later.
import { issue, type CodedIssue } from "../core/issues.js";
import { findTooDeep, nonFiniteProblem } from "../util/data.js";
import { escapeToken, unescapeToken } from "../util/pointer.js";
import { decodeUtf8 } from "../util/utf8.js";

export const BODY_LIMITS = {
  /** Bytes; larger bodies get 413. */
  maxBytes: 1 << 20,
  /** Nesting of objects and lists; deeper bodies get 400. */
  maxDepth: 64,
  /** Items of one list, or fields of one object, anywhere in the body; more get 400. */
  maxItems: 10_000,
};

export type BodyResult = { ok: true; value: unknown } | { ok: false; issue: CodedIssue };

/**
 * The body's bytes as text: UTF-8 only (RFC 8259 §8.1), as the Content-Type's charset may say. Bytes that are not
 * UTF-8 are refused where they are (util/utf8.ts), and so is another charset (415), which would be read wrongly.
 */
export function decodeJsonBody(bytes: Uint8Array, contentType = ""): { ok: true; text: string } | { ok: false; status: 400 | 415; issue: CodedIssue } {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType)?.[1].toLowerCase();
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    const message = `unsupported charset '${charset}': send the body as UTF-8 (application/json, or application/json; charset=utf-8)`;
    return { ok: false, status: 415, issue: issue("unsupported-media-type", message, { pointer: "" }) };
  }
  const decoded = decodeUtf8(bytes);
  if (decoded.ok) return decoded;
  const { line, column, message } = decoded.problem;
  return { ok: false, status: 400, issue: issue("body-not-utf8", `the request body is not UTF-8: ${message}; send the text as UTF-8`, { pointer: "", line, column }) };
}

export function parseJsonBody(text: string, maxDepth = BODY_LIMITS.maxDepth): BodyResult {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not content (RFC 8259 §8.1)
  if (text.trim() === "") return { ok: false, issue: issue("empty-body", "the request body is empty: send a JSON object", { pointer: "" }) };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Too deep to locate the error without deep recursion: that alone is reason enough to refuse it.
    if (maxNesting(text) > maxDepth) {
      return { ok: false, issue: issue("body-too-deep", `the request body nests deeper than ${maxDepth} levels`, { pointer: "" }) };
    }
    const { offset, message } = locateJsonError(text);
    const { line, column } = lineColumn(text, offset);
    return { ok: false, issue: issue("malformed-json", `malformed JSON at line ${line}, column ${column}: ${message}`, { pointer: "", line, column }) };
  }
  const tooDeep = findTooDeep(value, maxDepth);
  if (tooDeep !== undefined) {
    return { ok: false, issue: issue("body-too-deep", `the request body nests deeper than ${maxDepth} levels`, { pointer: tooDeep }) };
  }
  const crowded = findTooManyItems(value, BODY_LIMITS.maxItems);
  if (crowded) {
    const what = crowded.list ? "items" : "fields";
    return { ok: false, issue: issue("body-too-many-items", `${crowded.pointer ? `'${crowded.pointer}'` : "the request body"} has ${crowded.size} ${what}; at most ${BODY_LIMITS.maxItems} are accepted in one list or object`, { pointer: crowded.pointer }) };
  }
  // `1e400` is JSON, but parses to Infinity, which no context or config can hold.
  const nonFinite = nonFiniteProblem(value, "the request body");
  if (nonFinite) return { ok: false, issue: issue("body-invalid", nonFinite.message, { pointer: nonFinite.pointer }) };
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    const { line, column } = lineColumn(text, duplicate.offset);
    const key = unescapeToken(duplicate.pointer.slice(duplicate.pointer.lastIndexOf("/") + 1));
    return { ok: false, issue: issue("duplicate-key", `the key '${key}' appears twice in the same object (line ${line}, column ${column})`, { pointer: duplicate.pointer, line, column }) };
  }
  return { ok: true, value };
}

/** The first list or object with more than `max` entries, in one walk without recursion (the body's depth is already checked). */
export function findTooManyItems(value: unknown, max: number): { pointer: string; size: number; list: boolean } | undefined {
  const stack: { v: unknown; pointer: string }[] = [{ v: value, pointer: "" }];
  while (stack.length > 0) {
    const { v, pointer } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    const list = Array.isArray(v);
    const keys = list ? undefined : Object.keys(v);
    const size = keys ? keys.length : (v as unknown[]).length;
    if (size > max) return { pointer, size, list };
    if (keys) for (const k of keys) stack.push({ v: (v as Record<string, unknown>)[k], pointer: `${pointer}/${escapeToken(k)}` });
    else for (let i = 0; i < size; i++) stack.push({ v: (v as unknown[])[i], pointer: `${pointer}/${i}` });
  }
  return undefined;
}

/**
 * The second occurrence of a key within one object: JSON.parse silently keeps the last, so a body could say two
 * things at once. Runs only on text JSON.parse accepted (and no deeper than the depth limit), so it can be simple.
 */
export function findDuplicateKey(text: string): { offset: number; pointer: string } | undefined {
  // One frame per open object or list: the keys seen so far (objects) and the current key or index.
  const frames: { keys?: Set<string>; at: string | number }[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      const frame = frames[frames.length - 1];
      if (expectKey && frame?.keys) {
        const raw = text.slice(start, i + 1);
        const key: string = raw.includes("\\") ? JSON.parse(raw) : raw.slice(1, -1);
        frame.at = key;
        if (frame.keys.has(key)) return { offset: start, pointer: frames.map((f) => "/" + escapeToken(f.at)).join("") };
        frame.keys.add(key);
      }
      expectKey = false;
    } else if (c === 0x7b) {
      frames.push({ keys: new Set(), at: "" });
      expectKey = true;
    } else if (c === 0x5b) {
      frames.push({ at: 0 });
    } else if (c === 0x7d || c === 0x5d) {
      frames.pop();
    } else if (c === 0x2c) {
      const frame = frames[frames.length - 1];
      if (frame?.keys) expectKey = true;
      else if (frame) frame.at = (frame.at as number) + 1;
    }
  }
  return undefined;
}

/** Deepest bracket nesting outside strings, in one pass without recursion. */
function maxNesting(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/**
 * Where JSON.parse gave up, with a message that does not echo the body back.
 * Only runs on text JSON.parse rejected and that nests no deeper than the body limit allows, so its
 * recursion stays shallow; it favours clarity over speed.
 */
export function locateJsonError(text: string): { offset: number; message: string } {
  let i = 0;
  const fail = (message: string, at = i): never => {
    throw { offset: at, message };
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const what = () => (i >= text.length ? "end of input" : `'${text[i]}'`);
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${what()}`);
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail("control character in a string (escape it, e.g. \\n)");
      if (text[i] === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("bad \\u escape in a string");
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail("bad escape in a string");
      } else i++;
    }
    if (i >= text.length) fail("unterminated string");
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "-") fail(`unexpected ${what()}`);
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 1000) fail("nesting too deep");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${what()}`);
        string();
        ws();
        if (text[i] !== ":") fail(`expected ':' after a property name, found ${what()}`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          ws();
          if (text[i] === "}") fail("trailing comma before '}'");
          continue;
        }
        if (text[i] === "}") return void i++;
        fail(`expected ',' or '}', found ${what()}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          ws();
          if (text[i] === "]") fail("trailing comma before ']'");
          continue;
        }
        if (text[i] === "]") return void i++;
        fail(`expected ',' or ']', found ${what()}`);
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    fail(`unexpected ${what()}`);
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail(`unexpected ${what()} after the JSON value`);
  } catch (e) {
    if (e && typeof e === "object" && "offset" in e) return e as { offset: number; message: string };
    throw e;
  }
  return { offset: 0, message: "not valid JSON" };
}
