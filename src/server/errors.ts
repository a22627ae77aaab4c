// HTTP errors as data: every failure answers `{error: {code, message, issues}}`. User mistakes get a 4xx
// naming the field; anything else is a bug, logged server-side with its stack and answered generically.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { Code, HttpCode } from "../core/codes.js";
import type { Issue } from "../core/issues.js";
import type { ErrorBody } from "./api-types.js";

export type { ErrorBody };

/** A user-facing failure with its status code; thrown by route handlers, rendered by `handleError`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: Code | HttpCode,
    message: string,
    readonly issues: Issue[] = [],
    /** Extra fields beside `error` (e.g. the applied layers of a config that failed validation). */
    readonly extra: Omit<ErrorBody, "error"> = {},
    /** Extra fields inside `error` (e.g. the id of the task that holds a name). */
    readonly detail: Omit<ErrorBody["error"], "code" | "message" | "issues"> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** Response headers to send with it (`Retry-After` for a 503). */
  headers: Record<string, string> = {};

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, issues: this.issues, ...this.detail }, ...this.extra };
  }
}

export const badRequest = (code: Code, message: string, issues: Issue[] = []) => new ApiError(400, code, message, issues);
export const notFound = (code: Code, message: string) => new ApiError(404, code, message);

/**
 * 400 for a list of issues about the request: the message names the first field. An issue about the whole body
 * ("the request body is empty: …") is the message as it is, not repeated after "the request body is invalid".
 */
export function invalidRequest(code: Code, issues: Issue[], what = "the request body"): ApiError {
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  if (!first) return new ApiError(400, code, `${what} is invalid`, issues);
  return new ApiError(400, code, `${first.message.startsWith(what) ? "" : `${what} is invalid: `}${first.message}${more}`, issues);
}

// Fastify's own 4xx errors (body parsing, URL decoding) under stable, readable codes.
const FASTIFY_CODES: Record<string, { code: Code; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: "body-too-large" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: "unsupported-media-type", message: "unsupported Content-Type: send the body as application/json" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "empty-body", message: "the request body is empty: send a JSON object" },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "malformed-json", message: "the request body is not valid JSON" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: "bad-content-length", message: "the request body does not match its Content-Length" },
  FST_ERR_BAD_URL: { code: "bad-url", message: "the URL is not valid (bad percent-encoding?)" },
  FST_ERR_MAX_PARAM_LENGTH: { code: "url-too-long", message: "a path parameter is too long" },
};

/** The error handler of the whole app. `bodyLimit` only phrases the 413 message. */
export function handleError(bodyLimit: number) {
  return (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ApiError) {
      return reply.code(err.status).headers(err.headers).send(err.body());
    }
    const status = (err as FastifyError).statusCode;
    if (typeof status === "number" && status >= 400 && status < 500) {
      const known = FASTIFY_CODES[(err as FastifyError).code ?? ""];
      const code: Code | HttpCode = known?.code ?? `http-${status}`;
      const message =
        code === "body-too-large"
          ? `the request body is larger than the limit of ${bodyLimit} bytes`
          : (known?.message ?? (err.message || "bad request"));
      return reply.code(status).send(new ApiError(status, code, message, [{ code, severity: "error", message, pointer: "" }]).body());
    }
    // A bug: the log gets everything, the client gets nothing it could use against us.
    request.log.error({ err }, "internal error");
    return reply.code(500).send({
      error: { code: "internal-error", message: `internal error (request ${request.id}); the server log has the details`, issues: [] },
    });
  };
}
