// The server for part 4, in its own process so the load generator does not share its event loop.
// Usage: node service-worker.mjs DIST LAYERS_DIR SCHEMAS_DIR DB_FILE — prints {"url": …} when listening.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dist, layersDir, schemasDir, db] = process.argv.slice(2);
const { createServer } = await import(pathToFileURL(join(dist, "server", "app.js")).href);
const server = await createServer({ layersDir, schemasDir, db, watch: false, logger: false, port: 0 });
process.stdout.write(JSON.stringify({ url: server.url }) + "\n");
const stop = () => server.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
