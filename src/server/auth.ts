// Who may write: a bearer token for every request that changes something (create, delete, start, reload),
// required whenever tokens are configured. Reads stay open. Tokens are compared in constant time (over their
// SHA-256, so lengths do not leak either) and are never logged or echoed.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { issue } from "../core/issues.js";
import { ApiError } from "./errors.js";

/** Routes that only read, though they take a POST: a preview stores nothing. */
const READ_POSTS = new Set(["/api/config/preview"]);
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** True for the addresses only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/** The tokens of a token file: one a line; blank lines and lines starting with # are skipped. Throws with the file named. */
export function readTokenFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read the token file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const tokens: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const problem = tokenProblem(line);
    if (problem) throw new Error(`the token file ${file}, line ${i + 1}: ${problem}`);
    tokens.push(line);
  });
  if (tokens.length === 0) throw new Error(`the token file ${file} holds no token (one a line)`);
  return tokens;
}

/**
 * Why no client could send this token, if so: it travels in an `Authorization` header, which carries visible
 * ASCII only, and ends at the first space. (The token itself is never repeated.)
 */
export function tokenProblem(token: string): string | undefined {
  if (/^[\x21-\x7e]+$/.test(token)) return undefined;
  return "a token must be visible ASCII characters without spaces (it is sent in an HTTP header): no client could send this one";
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** A checker over a fixed set of tokens; every token is compared, whichever matches. */
export function tokenChecker(tokens: readonly string[]): (given: string) => boolean {
  const hashes = tokens.map(digest);
  return (given) => {
    const h = digest(given);
    let ok = false;
    for (const t of hashes) ok = timingSafeEqual(h, t) || ok;
    return ok;
  };
}

/** Is this request a write (needs the token)? */
export function isWrite(req: FastifyRequest): boolean {
  if (READ_METHODS.has(req.method)) return false;
  const path = req.url.split("?")[0].replace(/\/+$/, "");
  return !(req.method === "POST" && READ_POSTS.has(path));
}

/** Refuse writes without a valid `Authorization: Bearer <token>` (401). No tokens: nothing to check. */
export function requireTokenForWrites(app: FastifyInstance, tokens: readonly string[]): void {
  if (tokens.length === 0) return;
  const valid = tokenChecker(tokens);
  app.addHook("onRequest", async (req, reply) => {
    if (!isWrite(req)) return;
    const header = req.headers.authorization;
    const m = typeof header === "string" ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    reply.header("www-authenticate", 'Bearer realm="strata"');
    if (!m) {
      const message = "this server needs a token for changes: send 'Authorization: Bearer <token>'";
      throw new ApiError(401, "token-missing", message, [issue("token-missing", message)]);
    }
    if (!valid(m[1])) {
      const message = "the token is not one this server accepts";
      throw new ApiError(401, "token-invalid", message, [issue("token-invalid", message)]);
    }
  });
}

/** The server will not start as configured (an operator's mistake, said plainly). */
export class StartRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartRefused";
  }
}

/** Every token can be sent (tokenProblem); else StartRefused naming which, never what. */
export function checkTokens(tokens: readonly string[]): void {
  tokens.forEach((t, i) => {
    const problem = tokenProblem(t);
    if (problem) throw new StartRefused(`token ${i + 1} of ${tokens.length}: ${problem}`);
  });
}

/** Listening beyond loopback without a token lets anyone who reaches the port create and start tasks. */
export function checkExposure(host: string, tokens: readonly string[], insecure: boolean): void {
  if (isLoopback(host) || tokens.length > 0 || insecure) return;
  throw new StartRefused(
    `refusing to listen on ${host} without a token: anyone who can reach the port could create, delete and start tasks ` +
      `(and so spend GPU-hours). Set STRATA_TOKEN or --token-file, listen on 127.0.0.1, or pass --insecure if a proxy in front authenticates`,
  );
}
