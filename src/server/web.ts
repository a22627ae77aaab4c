// The web page (web/dist, built by Vite) at `/`, with index.html for client routes; a short page saying how
// to build it when it is missing; JSON 404s for everything under /api and for missing files.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fastifyStatic from "@fastify/static";
import { ApiError } from "./errors.js";

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>strata: the web page is not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .25em}</style></head>
<body>
<h1>The web page is not built</h1>
<p>The strata API is running, but the page it serves at <code>/</code> has not been built yet, so there is nothing to show here.</p>
<p>To build it, stop the server and run, in the strata folder:</p>
<pre><code>npm run build:web</code></pre>
<p>(or <code>npm run build</code>, which builds everything), then start the server again (<code>npm start</code>) and reload this page. The build writes <code>web/dist/</code>.</p>
<p>Meanwhile the API works: see <a href="/api/openapi.json">/api/openapi.json</a> or <code>docs/api.md</code>.</p>
</body>
</html>
`;

export async function registerWeb(app: FastifyInstance, webDir: string, allowed: (path: string) => string[] = () => []): Promise<void> {
  const index = join(webDir, "index.html");
  // Registered only when the folder exists; a page built after the start is served after a restart.
  const serving = existsSync(webDir);
  if (serving) {
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: true,
      // index.html is re-checked on every load: it names the content-hashed files under assets/,
      // which never change and may be kept for a year.
      cacheControl: false,
      setHeaders: (res, path) => {
        const hashed = /[\\/]assets[\\/][^\\/]+-[\w-]{6,}\.\w+$/.test(path);
        res.setHeader("cache-control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
  } else {
    app.log.info(`the web page is not built (${webDir} is missing): / says how to build it`);
  }
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split("?")[0];
    const clientRoute = (req.method === "GET" || req.method === "HEAD") && !path.startsWith("/api/") && path !== "/api" && !/\.[^/]*$/.test(path);
    if (clientRoute) {
      if (serving && existsSync(index)) return reply.header("cache-control", "no-cache").sendFile("index.html");
      return reply.code(200).type("text/html; charset=utf-8").header("cache-control", "no-cache").send(NOT_BUILT);
    }
    const methods = path.startsWith("/api/") ? allowed(path).filter((m) => m !== "HEAD") : [];
    if (methods.length > 0) {
      const e = new ApiError(405, "method-not-allowed", `${path} does not take ${req.method}; it takes ${methods.join(", ")}`);
      return reply.code(405).header("allow", methods.join(", ")).send(e.body());
    }
    const e = new ApiError(404, "not-found", `no route ${req.method} ${path}${path.startsWith("/api") ? " (see /api/openapi.json)" : ""}`);
    return reply.code(404).send(e.body());
  });
}
