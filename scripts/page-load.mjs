#!/usr/bin/env node
// The page's weight and first-load time, as docs/ui.md reports them: for each built page folder given (default:
// web/dist), the size of its JavaScript and CSS (raw and gzip), then first loads of the New task page in Debian's
// Chromium (a fresh browser context each time, so nothing is cached) against the real server on a free localhost
// port. Several folders are loaded in turn, load after load, so a busy machine slows them alike. Prints medians.
//
//   npm run build && node scripts/page-load.mjs [--runs 15] [web/dist] [other/dist …]
//
// Times are from the navigation's start: `dcl` DOMContentLoaded, `load` the load event, `form` the form's first
// field shown (the page has fetched /api/options and rendered), `editor` the overrides editor (CodeMirror) ready to type in.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const CHROMIUM = "/usr/bin/chromium";
// The editor: CodeMirror's text box, or the textarea of a page without it (not the plain one shown while CodeMirror loads).
const MARKS = { form: "#f-model_name", editor: '.cm-content[aria-label="Your changes (YAML)"], textarea[aria-label="Your changes (YAML)"]:not(.plain-editor)' };

const args = process.argv.slice(2);
let runs = 15;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--runs") runs = Number(args[++i]);
  else dirs.push(resolve(args[i]));
}
if (dirs.length === 0) dirs.push(join(root, "web", "dist"));
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a whole number of loads");

const { createServer } = await import(join(root, "dist", "server", "app.js"));
const { chromium } = await import("playwright-core");

function weight(dir) {
  const sum = { js: [0, 0], css: [0, 0], files: [] };
  const assets = join(dir, "assets");
  for (const f of readdirSync(assets)) {
    const bytes = readFileSync(join(assets, f));
    const kind = f.endsWith(".js") ? "js" : f.endsWith(".css") ? "css" : undefined;
    if (!kind) continue;
    const gz = gzipSync(bytes).length;
    sum[kind][0] += statSync(join(assets, f)).size;
    sum[kind][1] += gz;
    sum.files.push(`${f} ${bytes.length} B (gzip ${gz} B)`);
  }
  return sum;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const tmp = mkdtempSync(join(tmpdir(), "strata-page-load-"));
const servers = [];
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  for (const [i, dir] of dirs.entries()) {
    servers.push(await createServer({ project: root, db: join(tmp, `load-${i}.db`), webDir: dir, watch: false, compose: { size: 0 } }));
  }
  const samples = dirs.map(() => ({ dcl: [], load: [], form: [], editor: [], bytes: [] }));
  for (let r = 0; r < runs; r++) {
    for (const [i, server] of servers.entries()) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      // When each selector first matches, seen by a MutationObserver installed before the page's own scripts run.
      await context.addInitScript((marks) => {
        const seen = (window.__firstSeen = {});
        new MutationObserver(() => {
          for (const [name, sel] of Object.entries(marks)) if (!(name in seen) && document.querySelector(sel)) seen[name] = performance.now();
        }).observe(document, { childList: true, subtree: true, attributes: true });
      }, MARKS);
      const page = await context.newPage();
      await page.goto(server.url + "/", { waitUntil: "load" });
      const { form, editor } = await page
        .waitForFunction((names) => names.every((n) => n in window.__firstSeen) && window.__firstSeen, Object.keys(MARKS), { timeout: 30_000 })
        .then((h) => h.jsonValue());
      const t = await page.evaluate(() => {
        const [n] = performance.getEntriesByType("navigation");
        const bytes = performance.getEntriesByType("resource").reduce((s, e) => s + (/\.(js|css)$/.test(e.name) ? e.encodedBodySize : 0), 0);
        return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, bytes };
      });
      samples[i].dcl.push(t.dcl);
      samples[i].load.push(t.load);
      samples[i].form.push(form);
      samples[i].editor.push(editor);
      samples[i].bytes.push(t.bytes);
      await context.close();
    }
  }
  for (const [i, dir] of dirs.entries()) {
    const w = weight(dir);
    const s = samples[i];
    const ms = (xs) => `${Math.round(median(xs))} ms`;
    console.log(`${dir}`);
    console.log(`  JS  ${w.js[0]} B raw, ${w.js[1]} B gzip; CSS ${w.css[0]} B raw, ${w.css[1]} B gzip`);
    for (const f of w.files) console.log(`    ${f}`);
    console.log(`  JS+CSS fetched by the first load (median): ${median(s.bytes)} B`);
    console.log(`  first load, median of ${runs}: dcl ${ms(s.dcl)}, load ${ms(s.load)}, form ${ms(s.form)}, editor ${ms(s.editor)}`);
  }
} finally {
  await browser.close();
  for (const s of servers) await s.close();
  rmSync(tmp, { recursive: true, force: true });
}
