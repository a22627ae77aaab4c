// The layer set the service composes with: loaded once at start, reloaded when a file under the project's layer
// directory, one of its schemas or its project file changes. A reload that finds errors keeps the last good set
// serving and reports the errors.
import { statSync, watch, type FSWatcher } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { loadLayerSetWithRecipe, type LayerSet, type LayerSetRecipe } from "../core/load.js";
import { loadProject, type Project, type ProjectOverrides } from "../core/project.js";
import { issue, StrataError, type Issue } from "../core/issues.js";
import type { LayerStatus } from "./api-types.js";
import { walkDir, type Walk } from "../core/dir-walk.js";

export type { LayerStatus };

export interface LayerSourceOptions {
  /** The project whose layers are served; its file, schemas and layers are read again on every reload. */
  project: Project;
  /** Paths that replace the project's own (a copy of its layers or schemas). */
  overrides?: ProjectOverrides;
  /** Quiet time after the last change before reloading (editors save in several steps). */
  debounceMs?: number;
  /** Also compare file sizes and times this often (ms; 0: never), for changes the watchers miss. */
  pollMs?: number;
  log?: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

export class LayerSource {
  readonly layersDir: string;
  private project: Project;
  private current!: LayerSet;
  private currentRecipe: LayerSetRecipe | undefined;
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
    this.project = options.project;
    this.layersDir = options.project.layersDir;
    const { set, recipe, errors } = this.read(false);
    if (!set) throw new StrataError(errors);
    this.current = set;
    this.currentRecipe = recipe;
    this.loadedAt = this.checkedAt;
  }

  get set(): LayerSet {
    return this.current;
  }

  /**
   * The set in use, what it was loaded from (the files' texts) and the project file it was loaded with, read
   * together: the compose workers load that recipe; the routes read the project's aliases and item name.
   */
  get versioned(): { set: LayerSet; recipe?: LayerSetRecipe; project: Project } {
    return { set: this.current, recipe: this.currentRecipe, project: this.project };
  }

  /** The project as last read (its roles, aliases and item name). */
  get currentProject(): Project {
    return this.project;
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
    const { set, recipe, errors } = this.read();
    if (set) {
      if (set.hash !== before) {
        this.current = set;
        this.currentRecipe = recipe;
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

  /** One watcher per directory under the layer directory, plus the folders of the schemas and the project file. */
  private syncWatchers(): void {
    const dirs = new Set<string>();
    for (const dir of walk(this.layersDir).dirs) dirs.add(dir);
    for (const file of this.extraFiles()) dirs.add(dirname(file));
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

  /** The project file and its two schemas: watched one by one, not their whole folders. */
  private extraFiles(): string[] {
    const p = this.project;
    return [...new Set([absolute(p.file), p.schemas.context, p.schemas.output].filter(Boolean))];
  }

  /** Path, size and modification time of every file under the layer directory, the schemas and the project file. */
  private fingerprintNow(): string {
    const parts: string[] = [];
    const add = (file: string, size: number, mtime: number) => parts.push(`${file}\0${size}\0${mtime}`);
    const { files, problems } = walk(this.layersDir);
    for (const f of files) add(f.full, f.size, f.mtimeMs);
    // A FIFO or a link loop added to the folder is a change too: the reload reports it.
    for (const p of problems) parts.push(`${this.layersDir}\0${p.path}\0${p.code}`);
    for (const file of this.extraFiles()) {
      try {
        const st = statSync(file);
        add(file, st.size, st.mtimeMs);
      } catch {
        parts.push(`${file}\0missing`);
      }
    }
    return parts.join("\n");
  }

  /**
   * Load from disk: the project file again (its schemas, roles and paths may have changed), then the layers.
   * The set when it has no errors, else the errors; files in issues are relative to the layer directory.
   */
  private read(reloadProject = true): { set?: LayerSet; recipe?: LayerSetRecipe; errors: Issue[] } {
    this.checkedAt = new Date().toISOString();
    const project = reloadProject ? loadProject(this.project.file, this.options.overrides) : this.project;
    let set: LayerSet;
    let recipe: LayerSetRecipe | undefined;
    try {
      ({ set, recipe } = loadLayerSetWithRecipe(project));
    } catch (e) {
      return this.fail([issue("layers-unreadable", `cannot load the layer set: ${(e as Error).message}`)]);
    }
    const errors = set.issues.filter((i) => i.severity === "error").map((i) => this.fromLayers(i));
    if (errors.length > 0) return this.fail(errors);
    this.project = project;
    this.diskErrors = [];
    return { set, recipe, errors: [] };
  }

  /** A file outside the layer directory (a schema, the project file) is named relative to it, like the layer files. */
  private fromLayers(i: Issue): Issue {
    return i.file && isAbsolute(i.file) ? { ...i, file: relative(this.layersDir, i.file) } : i;
  }

  private fail(errors: Issue[]): { errors: Issue[] } {
    this.diskErrors = errors;
    return { errors };
  }
}

const absolute = (p: string) => (isAbsolute(p) ? p : join(process.cwd(), p));

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
