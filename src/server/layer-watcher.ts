// The layer set the service composes with: loaded once at start, reloaded when a file under layers/ or
// schemas/ changes. A reload that finds errors keeps the last good set serving and reports the errors.
import { watch, type FSWatcher } from "node:fs";
import { join, relative, resolve } from "node:path";
import { loadLayerSet, type LayerSet } from "../core/load.js";
import { DEFAULT_SCHEMAS_DIR, SCHEMA_FILES, readSchemaTexts, compileSchemas, type SchemaTexts } from "../core/schemas.js";
import { issue, StrataError, type Issue } from "../core/issues.js";
import type { LayerStatus } from "./api-types.js";
import { walkDir, type Walk } from "../core/dir-walk.js";

export type { LayerStatus };

export interface LayerSourceOptions {
  layersDir: string;
  schemasDir?: string;
  /** Quiet time after the last change before reloading (editors save in several steps). */
  debounceMs?: number;
  /** Also compare file sizes and times this often (ms; 0: never), for changes the watchers miss. */
  pollMs?: number;
  log?: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

export class LayerSource {
  readonly layersDir: string;
  readonly schemasDir: string;
  private current!: LayerSet;
  private loadedAt = "";
  private checkedAt = "";
  private diskErrors: Issue[] = [];
  private watchers = new Map<string, FSWatcher>();
  private watching = false;
  private fingerprint = "";
  private poller: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly listeners = new Set<(status: LayerStatus) => void>();

  /** Load the set; throws StrataError with every problem when it is broken (the service refuses to start). */
  constructor(private readonly options: LayerSourceOptions) {
    this.layersDir = resolve(options.layersDir);
    this.schemasDir = resolve(options.schemasDir ?? DEFAULT_SCHEMAS_DIR);
    const { set, errors } = this.read();
    if (!set) throw new StrataError(errors);
    this.current = set;
    this.loadedAt = this.checkedAt;
  }

  get set(): LayerSet {
    return this.current;
  }

  status(): LayerStatus {
    return {
      hash: this.current.hash,
      loaded_at: this.loadedAt,
      checked_at: this.checkedAt,
      ok: this.diskErrors.length === 0,
      errors: this.diskErrors,
      warnings: this.current.issues.filter((i) => i.severity === "warning"),
      files: this.current.files,
      watching: this.watching,
    };
  }

  /** Called after every reload attempt (tests and logs wait on it). */
  onReload(listener: (status: LayerStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Read the files again; swap the set in use only when they load without errors. */
  reload(): LayerStatus {
    if (this.watching) this.fingerprint = this.fingerprintNow();
    const before = this.current.hash;
    const { set, errors } = this.read();
    if (set) {
      if (set.hash !== before) {
        this.current = set;
        this.loadedAt = this.checkedAt;
        this.options.log?.info(`layers reloaded: ${set.files.length} files, hash ${set.hash.slice(0, 12)}`);
      }
    } else {
      this.options.log?.warn(
        `layer edit rejected (${errors.length} error(s)); still serving hash ${before.slice(0, 12)}; see GET /api/layers/status`,
      );
    }
    const status = this.status();
    for (const l of this.listeners) l(status);
    return status;
  }

  /**
   * Watch the layer and schema directories; reload after each burst of changes.
   * Every directory gets its own watcher (Node's recursive mode on Linux loses a file once an editor
   * saves it by renaming a new file over it; a directory watcher does not), and a slow poll of sizes
   * and times catches whatever watchers miss (a replaced root folder, a network file system).
   */
  watch(): void {
    if (this.watching || this.closed) return;
    this.watching = true;
    this.fingerprint = this.fingerprintNow();
    this.syncWatchers();
    const pollMs = this.options.pollMs ?? 2000;
    if (pollMs > 0) {
      this.poller = setInterval(() => {
        if (this.fingerprintNow() !== this.fingerprint) this.schedule();
      }, pollMs);
      this.poller.unref();
    }
  }

  close(): void {
    this.closed = true;
    this.watching = false;
    clearTimeout(this.timer);
    clearInterval(this.poller);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.closed) return;
      this.syncWatchers();
      this.reload();
    }, this.options.debounceMs ?? 150);
  }

  /** One watcher per directory under the two roots: add the new ones, close the gone ones. */
  private syncWatchers(): void {
    const dirs = new Set<string>();
    for (const root of [this.layersDir, this.schemasDir]) for (const dir of walk(root).dirs) dirs.add(dir);
    for (const [dir, w] of this.watchers) {
      if (!dirs.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule());
        w.on("error", () => {
          // The folder went away (or became unreadable): the next sync decides what to watch.
          w.close();
          this.watchers.delete(dir);
          this.schedule();
        });
        this.watchers.set(dir, w);
      } catch (e) {
        this.options.log?.error(`cannot watch ${dir}: ${(e as Error).message}; edits there are seen within ${this.options.pollMs ?? 2000} ms by polling`);
      }
    }
  }

  /** Path, size and modification time of every file under the two roots. */
  private fingerprintNow(): string {
    const parts: string[] = [];
    for (const root of [this.layersDir, this.schemasDir]) {
      const { files, problems } = walk(root);
      for (const f of files) parts.push(`${f.full}\0${f.size}\0${f.mtimeMs}`);
      // A FIFO or a link loop added to the folder is a change too: the reload reports it.
      for (const p of problems) parts.push(`${root}\0${p.path}\0${p.code}`);
    }
    return parts.join("\n");
  }

  /** Load from disk: the set when it has no errors, else the errors (schema files included). */
  private read(): { set?: LayerSet; errors: Issue[] } {
    this.checkedAt = new Date().toISOString();
    const texts = this.readSchemas();
    if ("errors" in texts) return this.fail(texts.errors);
    let set: LayerSet;
    try {
      set = loadLayerSet(this.layersDir, { schemaTexts: texts });
    } catch (e) {
      return this.fail([issue("layers-unreadable", `cannot load the layer set: ${(e as Error).message}`)]);
    }
    const errors = set.issues.filter((i) => i.severity === "error");
    if (errors.length > 0) return this.fail(errors);
    this.diskErrors = [];
    return { set, errors: [] };
  }

  private fail(errors: Issue[]): { errors: Issue[] } {
    this.diskErrors = errors;
    return { errors };
  }

  /** The three schema texts, each checked to parse and compile, with the file named when one does not. */
  private readSchemas(): SchemaTexts | { errors: Issue[] } {
    const file = (name: string) => relative(this.layersDir, join(this.schemasDir, name));
    let texts: SchemaTexts;
    try {
      texts = readSchemaTexts(this.schemasDir);
    } catch (e) {
      return { errors: [issue("schema-unreadable", `cannot read the schemas in ${this.schemasDir}: ${(e as Error).message}`)] };
    }
    for (const [key, name] of Object.entries(SCHEMA_FILES)) {
      try {
        JSON.parse(texts[key as keyof SchemaTexts]);
      } catch (e) {
        return { errors: [issue("schema-invalid", `not valid JSON: ${(e as Error).message}`, { file: file(name), line: 1, column: 1 })] };
      }
    }
    try {
      compileSchemas(texts);
    } catch (e) {
      return { errors: [issue("schema-invalid", `a schema does not compile: ${(e as Error).message}`, { file: file("") || "schemas" })] };
    }
    return texts;
  }
}

/**
 * Every folder and file under `root` (nothing read, only listed): the same bounded walk as loading
 * (src/dir-walk.ts), so a link loop or a deep link tree added while the service runs cannot explode the
 * watcher. A root that is gone has nothing in it.
 */
function walk(root: string): Walk {
  try {
    return walkDir(root, () => true);
  } catch {
    return { files: [], dirs: [], problems: [] };
  }
}
