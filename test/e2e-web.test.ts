// The web page end to end: Debian's Chromium (driven by playwright-core, never a downloaded browser) against
// the real server on a free localhost port, with a temp database and a temp copy of the layers. The tests
// also take the screenshots that docs/ui.md shows and check the page still has the structure they document
// (docs/images/ and test/ui-snapshots/, both written by `npm run screenshots`).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type RunningServer } from "../src/server/app.js";
import { structureOf } from "./helpers/aria-structure.js";
import { FakeAutotuner } from "./helpers/fake-autotuner.js";
import { CHROMIUM, browserSkipReason } from "./helpers/browser.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const WEB_DIST = join(ROOT, "web", "dist");
const IMAGES = join(ROOT, "docs", "images");
const UI_SNAPSHOTS = join(ROOT, "test", "ui-snapshots");
const DESKTOP = { width: 1280, height: 800 };
const NARROW = { width: 390, height: 844 };

let server: RunningServer;
let browser: Browser;
let tmp: string;
let layersDir: string;

beforeAll(async () => {
  if (NO_BROWSER) return;
  if (!existsSync(join(WEB_DIST, "index.html"))) {
    throw new Error("web/dist is not built: run `npm run build` (or `npm run build:web`) before this test");
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  tmp = mkdtempSync(join(tmpdir(), "strata-e2e-"));
  layersDir = join(tmp, "layers");
  cpSync(join(ROOT, "layers"), layersDir, { recursive: true });
  cpSync(join(ROOT, "schemas"), join(tmp, "schemas"), { recursive: true });
  server = await createServer({ layersDir, schemasDir: join(tmp, "schemas"), db: join(tmp, "strata.db"), webDir: WEB_DIST, watch: true, watchDebounceMs: 50 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  mkdirSync(IMAGES, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Wait for the page to get there: the preview is debounced and the machine may be busy. */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000, interval: 50 });

const pageErrors = new WeakMap<Page, string[]>();

/** A fresh browser context (empty sessionStorage) on the New task page. */
async function openPage(viewport = DESKTOP, path = "/"): Promise<Page> {
  const context = await browser.newContext({ viewport, reducedMotion: "reduce" });
  const page = await context.newPage();
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(server.url + path);
  return page;
}

/** Close the page; an uncaught error in it fails the test. */
async function closePage(page: Page) {
  await page.context().close();
  expect(pageErrors.get(page), "uncaught errors in the page").toEqual([]);
}

/** The line of a profile file that sets `key` (so the expected file:line follows the shipped file). */
function lineOf(file: string, key: string): number {
  const lines = readFileSync(join(ROOT, "layers", file), "utf8").split("\n");
  const i = lines.findIndex((l) => l.trimStart().startsWith(`${key}:`));
  if (i < 0) throw new Error(`${key} not in ${file}`);
  return i + 1;
}

async function fillContext(page: Page, model = "llama-3-2-1b-instruct") {
  await page.getByRole("combobox", { name: /^Model/ }).fill(model);
  await page.getByRole("combobox", { name: /^Inference engine/ }).selectOption("sglang");
}

/** The overrides editor (CodeMirror, loaded after the page): waits until it is there, so typing reaches it. */
async function yamlEditor(page: Page) {
  await page.locator(".editor .cm-content").waitFor();
  return page.getByRole("textbox", { name: "Your changes (YAML)" });
}

/** The overrides editor's text, line by line as it shows it. */
const editorText = async (page: Page) => (await page.locator(".editor .cm-line").allTextContents()).join("\n");

/** The config line of a value in the preview. */
const valueLine = (page: Page, pointer: string) => page.locator(`.preview [role="option"][data-pointer="${pointer}"]`);

async function waitUpToDate(page: Page) {
  await page.getByTestId("preview-status").filter({ hasText: /^(Up to date|Config not valid)$/ }).waitFor({ timeout: 10_000 });
}

/**
 * A view docs/ui.md shows: its screenshot, and its structure (landmarks, headings, fields, buttons, links; see
 * helpers/aria-structure.ts) compared with the one stored in test/ui-snapshots/, so a change to what the page
 * shows fails here until the docs are looked at again. `npm run screenshots` (STRATA_SCREENSHOTS=1) writes both:
 * the screenshot over docs/images/ and the structure over test/ui-snapshots/. Otherwise the screenshot goes to a
 * temporary folder and the work tree stays clean.
 */
async function documentedView(page: Page, name: string) {
  const refresh = process.env.STRATA_SCREENSHOTS === "1";
  await page.screenshot({ path: join(refresh ? IMAGES : tmp, name) });
  const structure = structureOf(await page.locator("body").ariaSnapshot());
  const file = join(UI_SNAPSHOTS, name.replace(/\.png$/, ".yml"));
  if (refresh) {
    mkdirSync(UI_SNAPSHOTS, { recursive: true });
    writeFileSync(file, structure);
    return;
  }
  const stored = existsSync(file) ? readFileSync(file, "utf8") : "(no snapshot: run `npm run screenshots`)\n";
  expect(
    structure,
    `${name}: the page's structure is not the one docs/ui.md documents (${relative(ROOT, file)}). If the change is meant, run \`npm run screenshots\` and check docs/ui.md`,
  ).toBe(stored);
}

/**
 * Scroll each element matching `selector` into view as the browser does for a focused field (block: nearest)
 * and check that its centre shows the element itself, not a sticky panel over it. Returns what was covered.
 */
async function coveredAfterScrolling(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const name = (e: Element | null) =>
      e ? `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${e.className && typeof e.className === "string" ? `.${e.className.trim().split(/\s+/).join(".")}` : ""}${e.getAttribute("data-pointer") ? `[${e.getAttribute("data-pointer")}]` : ""}` : "nothing";
    const covered: string[] = [];
    let checked = 0;
    for (const el of document.querySelectorAll(sel)) {
      const box = el.getBoundingClientRect();
      if (box.width < 2 || box.height < 2) continue; // visually hidden (a card's checkbox)
      el.scrollIntoView({ block: "nearest", inline: "nearest" });
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height, window.innerHeight) / 2);
      checked++;
      if (!hit || !(hit === el || el.contains(hit))) covered.push(`${name(el)} is under ${name(hit)}`);
    }
    if (checked === 0) covered.push(`nothing matched ${sel}`);
    return covered;
  }, selector);
}

async function apiJson(path: string) {
  const res = await fetch(server.url + path);
  return res.json();
}

// CI (CI=true; .ci/run installs chromium and sets CI) always runs these: without the browser, beforeAll fails
// them. A developer machine without Debian's chromium skips them with the reason shown (test/helpers/browser.ts).
const SKIP_REASON = browserSkipReason(process.env, existsSync(CHROMIUM));
const NO_BROWSER = SKIP_REASON !== undefined;
if (SKIP_REASON) console.warn(SKIP_REASON);

describe.skipIf(NO_BROWSER)("the New task page", () => {
  it("composes a task from two reordered profiles and a patch, explains values, creates it and lists it", async () => {
    const page = await openPage();
    // The form starts from the context schema's defaults, as the server reports them.
    const defaults = (await apiJson("/api/options")).defaults;
    expect(await page.getByRole("combobox", { name: /^Deployment mode/ }).inputValue()).toBe(defaults.deployment_mode);
    expect(await page.getByRole("textbox", { name: /^Concurrent users/ }).inputValue()).toBe(defaults.num_concurrency.join(", "));
    await eventually(() => page.locator(".preview .empty-state").textContent()).toMatch(/^Fill in Model and Inference engine to see the config/);

    await fillContext(page);
    await page.getByRole("checkbox", { name: /Low Latency/ }).check();
    await page.getByRole("checkbox", { name: /Production/ }).check();
    const order = page.locator(".profile-order li");
    await eventually(() => order.evaluateAll((els) => els.map((e) => e.getAttribute("data-profile")))).toEqual(["low-latency", "production"]);

    // production applies last and wins max_iterations.
    await waitUpToDate(page);
    const maxIter = valueLine(page, "/optimization/max_iterations");
    await eventually(() => maxIter.textContent()).toContain("max_iterations: 30");

    // Reorder with the keyboard: focus "move production up" and press Enter. Focus stays on a move button.
    await page.getByRole("button", { name: "Move production up (applies earlier)" }).focus();
    await page.keyboard.press("Enter");
    await eventually(() => order.evaluateAll((els) => els.map((e) => e.getAttribute("data-profile")))).toEqual(["production", "low-latency"]);
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toMatch(/^Move production (up|down)/);
    // Now low-latency applies last: the preview changes, and says so when the value is pointed at.
    await eventually(() => maxIter.textContent()).toContain("max_iterations: 15");
    await maxIter.hover();
    const origin = page.getByTestId("origin-panel");
    await eventually(() => origin.textContent()).toContain(`profiles/low-latency.yaml:${lineOf("profiles/low-latency.yaml", "max_iterations")}`);
    expect(await origin.textContent()).toContain("profile low-latency › low-latency-params");

    // A patch: the preview follows, and the tp-size warning sits under the value it concerns and at the editor's line.
    await (await yamlEditor(page)).fill("parameters:\n  tp-size: [16]\n");
    const tp = valueLine(page, "/parameters/tp-size");
    await eventually(() => tp.textContent()).toContain("tp-size: [16]");
    const warningUnderValue = page.locator('.preview [role="option"][data-pointer="/parameters/tp-size"] + .line-issues');
    await eventually(() => warningUnderValue.textContent()).toContain("tp-size > 8 may require multiple nodes");
    await eventually(() => page.locator(".editor-markers").textContent()).toContain("Line 2: tp-size > 8 may require multiple nodes");
    expect(await page.locator(".editor .cm-lineNumbers .is-warning").textContent()).toBe("2");
    await tp.hover();
    await eventually(() => origin.textContent()).toContain("your changes (patch)");
    expect(await origin.textContent()).toContain("line 2 of your changes");

    // Keyboard inside the config: arrow keys move between values and explain each one.
    await page.mouse.move(0, 0);
    await valueLine(page, "/task_name").focus();
    await page.keyboard.press("ArrowDown");
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute("data-pointer"))).toBe("/model/id_or_path");
    await eventually(() => origin.textContent()).toContain("base/base-model.yaml:");

    // Applied layers in order, skipped ones with the condition and what it read.
    const applied = await page.locator(".preview .applied-layers .layer-name").allTextContents();
    expect(applied.indexOf("profile production › production-params")).toBeLessThan(applied.indexOf("profile low-latency › low-latency-params"));
    expect(applied.at(-1)).toBe("your changes (patch)");
    const omeSkip = page.locator(".preview .skipped-layers li", { hasText: "ome-defaults" });
    expect(await omeSkip.textContent()).toContain('deployment_mode == "ome"');
    expect(await omeSkip.textContent()).toContain("deployment_mode = docker");

    // Nothing is stored before Create task, not even by Enter in a field.
    await page.getByRole("combobox", { name: /^Model/ }).press("Enter");
    await page.waitForTimeout(300);
    expect((await apiJson("/api/tasks")).total).toBe(0);

    await page.mouse.move(0, 0);
    await valueLine(page, "/optimization/objective").focus();
    await page.evaluate(() => window.scrollTo(0, 0));
    await eventually(() => origin.textContent()).toContain("profiles/low-latency.yaml:");
    await documentedView(page, "new-task.png");
    // The profiles, their order and your changes down to the editor's warning, beside the preview.
    await page.evaluate(() => document.querySelector(".editor-markers")?.scrollIntoView({ block: "end" }));
    await valueLine(page, "/parameters/tp-size").scrollIntoViewIfNeeded();
    await valueLine(page, "/parameters/tp-size").hover();
    await documentedView(page, "new-task-profiles-and-changes.png");

    await page.getByRole("textbox", { name: /^Task name/ }).fill("e2e-llama-latency");
    await page.getByRole("button", { name: "Create task" }).click();
    await page.waitForURL(/#\/tasks\/\d+/);
    await page.getByRole("heading", { level: 1, name: "e2e-llama-latency" }).waitFor();
    expect(await page.getByRole("status").filter({ hasText: "Task created" }).count()).toBe(1);
    expect(await page.locator('[data-pointer="/parameters/tp-size"]').first().textContent()).toContain("tp-size: [16]");
    const taskLayers = await page.locator(".applied-layers .layer-name").allTextContents();
    expect(taskLayers).toContain("profile production › production-params");
    // The context section shows what the task came from, in the order chosen.
    expect(await page.locator('[aria-label^="Context"] [data-pointer="/profiles"]').textContent()).toContain("[production, low-latency]");
    await documentedView(page, "task-page.png");

    // The stored task is what the page showed: the order of the profiles is their precedence.
    const id = Number(/#\/tasks\/(\d+)/.exec(page.url())![1]);
    const task = await apiJson(`/api/tasks/${id}`);
    expect(task.metadata.context.profiles).toEqual(["production", "low-latency"]);
    expect(task.config.parameters["tp-size"]).toEqual([16]);
    expect(task.config.optimization.max_iterations).toBe(15);

    await page.getByRole("link", { name: "Tasks", exact: true }).click();
    const row = page.locator(`.task-table tr[data-task-id="${id}"]`);
    await row.waitFor();
    expect(await row.locator("td").nth(0).textContent()).toContain("e2e-llama-latency");
    expect(await row.locator("td").nth(1).textContent()).toBe("pending");
    expect(await row.locator("td").nth(3).textContent()).toBe("productionlow-latency");
    await closePage(page);
  }, 90_000);

  it("shows validation errors beside the field or the value they concern, and a 422 on Create", async () => {
    const page = await openPage();
    await fillContext(page);
    // An input error (400 from the preview) sits beside its field.
    const concurrency = page.getByRole("textbox", { name: /^Concurrent users/ });
    await concurrency.fill("1, 0");
    const fieldIssue = page.locator('[data-field="num_concurrency"] .field-issues');
    await eventually(() => fieldIssue.textContent()).toContain("'num_concurrency.1' must be >= 1");
    expect(await concurrency.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByTestId("preview-status").textContent()).toBe("Paused: fix the marked fields");
    // The list's items are chips; the one the issue points at (/num_concurrency/1) is marked.
    const chips = page.locator('[data-field="num_concurrency"] .chip');
    expect(await chips.locator(".chip-text").allTextContents()).toEqual(["1", "0"]);
    expect(await chips.evaluateAll((els) => els.map((e) => e.classList.contains("is-invalid")))).toEqual([false, true]);
    // Removing it from the keyboard: the text follows, and focus goes to the chip before it.
    await page.getByRole("button", { name: "Remove 0 from Concurrent users" }).focus();
    await page.keyboard.press("Enter");
    await eventually(() => concurrency.inputValue()).toBe("1");
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Remove 1 from Concurrent users");
    await eventually(() => fieldIssue.count()).toBe(0);
    await concurrency.fill("1, 8");
    await eventually(() => fieldIssue.count()).toBe(0);
    // In a table (the SLO targets), the issue sits in the row of the value, and that cell is marked.
    const ttft = page.getByRole("textbox", { name: "Time to first token (TTFT): Limit (seconds)" });
    await ttft.fill("fast");
    await eventually(() => page.locator('tr[data-row="slo_config.ttft"] .field-issues').textContent()).toContain("'slo_config.ttft.threshold' must be number");
    expect(await ttft.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByRole("textbox", { name: "Time to first token (TTFT): Importance" }).getAttribute("aria-invalid")).toBeNull();
    await ttft.fill("");
    await eventually(() => page.locator('tr[data-row="slo_config.ttft"] .field-issues').count()).toBe(0);

    // A config error sits under the value in the preview and at the line of your changes that set it.
    await (await yamlEditor(page)).fill("optimization:\n  max_iterations: lots\n");
    const underValue = page.locator('.preview [role="option"][data-pointer="/optimization/max_iterations"] + .line-issues');
    await eventually(() => underValue.textContent()).toContain("'optimization.max_iterations' must be integer");
    expect(await page.getByTestId("preview-status").textContent()).toBe("Config not valid");
    expect(await page.locator(".editor-markers").textContent()).toContain("Line 2: 'optimization.max_iterations' must be integer");
    // In the editor too: the line number marked, the value underlined.
    expect(await page.locator(".editor .cm-lineNumbers .is-error").textContent()).toBe("2");
    expect(await page.locator(".editor .cm-line").nth(1).locator(".cm-lintRange-error").count()).toBe(1);
    await page.getByRole("button", { name: "Create task" }).click();
    await eventually(() => page.locator("#create-status").textContent()).toContain("Not created: the composed config is not valid.");
    expect(page.url()).not.toMatch(/#\/tasks/);
    await closePage(page);
  }, 60_000);

  it("shows a YAML syntax error at its line, keeps the text, and creates nothing", async () => {
    const page = await openPage();
    await fillContext(page);
    await waitUpToDate(page);
    const editor = await yamlEditor(page);
    const broken = "parameters:\n  tp-size: [16\nbenchmark:\n  num_concurrency: [1]\n";
    await editor.fill(broken);
    const error = page.locator("#overrides-error");
    // In plain words (not the YAML parser's), at the line where the list was opened.
    await eventually(() => error.textContent()).toMatch(/^✖ Line 2, column 12: the list opened with '\[' on line 2 is not closed: end it with '\]'/);
    expect(await page.locator(".editor .cm-lineNumbers .is-error").textContent()).toBe("2");
    expect(await editor.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByTestId("preview-status").textContent()).toBe("Paused: YAML error on line 2");
    expect(await editorText(page)).toBe(broken);

    await page.getByRole("button", { name: "Create task" }).click();
    await eventually(() => page.locator("#create-status").textContent()).toContain("Fix the YAML error in your changes first (line 2)");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("overrides");
    expect((await apiJson("/api/tasks?limit=500")).tasks.map((t: { task_name: string }) => t.task_name)).not.toContain("llama-3-2-1b-instruct_grid_search");
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await documentedView(page, "yaml-error.png");

    // Fixing the text resumes the preview with the patch applied.
    await editor.fill(broken.replace("[16", "[16]"));
    await eventually(() => error.count()).toBe(0);
    await eventually(() => valueLine(page, "/benchmark/num_concurrency").textContent()).toContain("num_concurrency: [1]");
    await closePage(page);
  }, 60_000);

  it("completes keys and values from the output schema, explains a key on hover, marks a YAML mistake in plain words, and lets Tab out", async () => {
    const page = await openPage();
    await fillContext(page);
    const editor = await yamlEditor(page);
    await editor.click();
    const options = page.locator(".cm-tooltip-autocomplete [role=option]");
    // Enter accepts an option once the list has been shown a moment (CodeMirror ignores it sooner: fast typists).
    const accept = async () => {
      await page.waitForTimeout(150);
      await page.keyboard.press("Enter");
    };
    // A key of the config, with its title from the schema; accepting it opens the nested mapping.
    await page.keyboard.type("optimiz");
    await eventually(() => options.allTextContents()).toContainEqual(expect.stringMatching(/^optimizationSearch settings/));
    await accept();
    await page.keyboard.type("strat");
    await eventually(() => options.allTextContents()).toEqual([expect.stringMatching(/^strategySearch strategy/)]);
    await accept();
    // A value: Ctrl-Space lists the enum's values.
    await page.keyboard.press("Control+Space");
    await eventually(() => options.allTextContents()).toEqual(["grid_searchallowed value", "bayesianallowed value", "randomallowed value"]);
    await page.keyboard.type("bay");
    await eventually(() => options.allTextContents()).toEqual(["bayesianallowed value"]);
    await accept();
    expect(await editorText(page)).toBe("optimization:\n  strategy: bayesian");
    await eventually(() => valueLine(page, "/optimization/strategy").textContent()).toContain("strategy: bayesian");

    // Hover on a key: its title and description from the schema.
    await page.locator(".editor .cm-line").nth(1).getByText("strategy").hover();
    await eventually(() => page.locator(".cm-tooltip .schema-help").textContent()).toMatch(/^Search strategy optimization\.strategyHow combinations of settings are chosen/);
    await page.mouse.move(0, 0);

    // A key indented too far: said in plain words at its own line (the parser stops on the line above it).
    await editor.press("Control+End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("  max_iterations: 10"); // after the two spaces Enter keeps
    const error = page.locator("#overrides-error");
    await eventually(() => error.textContent()).toContain(
      "Line 3, column 5: the key 'max_iterations' is indented more than the keys above it: line it up with 'strategy' (line 2)",
    );
    expect(await page.locator(".editor .cm-lineNumbers .is-error").textContent()).toBe("3");
    expect(await page.locator(".editor .cm-line").nth(2).locator(".cm-lintRange-error").count()).toBe(1);
    expect(await editor.getAttribute("aria-invalid")).toBe("true");

    // Tab indents inside the editor; Escape then Tab moves on to the next control.
    await page.keyboard.press("Home");
    await page.keyboard.press("Tab");
    expect(await editorText(page)).toBe("optimization:\n  strategy: bayesian\n      max_iterations: 10");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("overrides");
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Create task");
    await closePage(page);
  }, 60_000);

  it("shows a duplicate task name's 409 next to the task-name field, with a link to the task that has it", async () => {
    const existing = await fetch(`${server.url}/api/tasks/from-context`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model_name: "m", base_runtime: "vllm", task_name: "taken-name" }),
    }).then((r) => r.json());
    const page = await openPage();
    await fillContext(page);
    const name = page.getByRole("textbox", { name: /^Task name/ });
    await name.fill("taken-name");
    await page.getByRole("button", { name: "Create task" }).click();
    const fieldIssue = page.locator('[data-field="task_name"] .field-issues');
    await eventually(() => fieldIssue.textContent()).toContain("a task named 'taken-name' already exists");
    expect(await name.getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("f-task_name");
    expect(await page.locator('[data-field="task_name"] a').getAttribute("href")).toBe(`#/tasks/${existing.task.id}`);
    expect(page.url()).not.toMatch(/#\/tasks/);
    await waitUpToDate(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await documentedView(page, "duplicate-name.png");
    // Editing the name clears the message.
    await name.fill("taken-name-2");
    await eventually(() => fieldIssue.count()).toBe(0);
    await closePage(page);
  }, 60_000);

  it("offers the free name after a 409 on the default name, and creates the task with it in one click", async () => {
    // The layers name every task of a model and strategy alike: the second one collides.
    const first = await fetch(`${server.url}/api/tasks/from-context`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model_name: "second-model", base_runtime: "sglang" }),
    });
    expect(first.status).toBe(201);
    const page = await openPage();
    await fillContext(page, "second-model");
    await waitUpToDate(page);
    await page.getByRole("button", { name: "Create task" }).click();
    const fieldIssue = page.locator('[data-field="task_name"] .field-issues');
    await eventually(() => fieldIssue.textContent()).toContain("a task named 'second-model_grid_search' already exists");
    const useFree = page.getByRole("button", { name: "Create as second-model_grid_search-2" });
    await useFree.click();
    await page.waitForURL(/#\/tasks\/\d+/);
    await page.getByRole("heading", { level: 1, name: "second-model_grid_search-2" }).waitFor();
    const id = Number(/#\/tasks\/(\d+)/.exec(page.url())![1]);
    expect((await apiJson(`/api/tasks/${id}`)).task_name).toBe("second-model_grid_search-2");
    await closePage(page);
  }, 60_000);

  it("shows a profile added as a file on the server without reloading the page", async () => {
    const page = await openPage();
    await page.getByRole("checkbox", { name: /Quick Test/ }).waitFor();
    const file = join(layersDir, "profiles", "e2e-long-context.yaml");
    writeFileSync(
      file,
      [
        "profile: e2e-long-context",
        "title: Long Context",
        "description: Long prompts (added while the page was open).",
        "layers:",
        "  - name: long-context-params",
        "    data:",
        "      benchmark:",
        '        traffic_scenarios: ["D(8000,200)"]',
        "",
      ].join("\n"),
    );
    try {
      const card = page.getByRole("checkbox", { name: /Long Context/ });
      await card.waitFor({ timeout: 20_000 });
      expect(await page.locator('[data-profile="e2e-long-context"] .profile-desc').textContent()).toBe("Long prompts (added while the page was open).");
      await fillContext(page);
      await card.check();
      await eventually(() => valueLine(page, "/benchmark/traffic_scenarios").textContent()).toContain("[D(8000,200)]");
    } finally {
      rmSync(file, { force: true });
    }

    // A broken edit keeps the last good set serving; the page says so, with the file and line.
    const broken = join(layersDir, "profiles", "e2e-broken.yaml");
    writeFileSync(broken, "profile: e2e-broken\ntitle: Broken\nlayers: [\n");
    try {
      const banner = page.getByRole("status").filter({ hasText: "The layer files on the server have errors" });
      await banner.waitFor({ timeout: 20_000 });
      expect(await banner.textContent()).toContain("profiles/e2e-broken.yaml:");
    } finally {
      rmSync(broken, { force: true });
    }
    await page.getByRole("status").filter({ hasText: "The layer files on the server have errors" }).waitFor({ state: "detached", timeout: 20_000 });

    // Well-formed YAML with a value of the wrong type: refused at reload too, at the value's own line.
    const typed = join(layersDir, "profiles", "e2e-typed.yaml");
    writeFileSync(typed, 'profile: e2e-typed\ntitle: Typed\ndescription: A typed mistake.\nlayers:\n  - name: typed-params\n    data:\n      optimization:\n        max_iterations: "15"\n');
    try {
      const banner = page.getByRole("status").filter({ hasText: "The layer files on the server have errors" });
      await banner.waitFor({ timeout: 20_000 });
      const text = await banner.textContent();
      expect(text).toContain("profiles/e2e-typed.yaml:8");
      expect(text).toContain("'optimization.max_iterations' must be integer, but layer 'typed-params' writes '15' (text, because of the quotes");
      expect(await page.getByRole("checkbox", { name: /^Typed/ }).count()).toBe(0);
    } finally {
      rmSync(typed, { force: true });
    }
    await page.getByRole("status").filter({ hasText: "The layer files on the server have errors" }).waitFor({ state: "detached", timeout: 20_000 });
    await closePage(page);
  }, 120_000);

  it("says next to a context field when a later layer or your changes override what it feeds, naming the layer", async () => {
    const page = await openPage();
    await fillContext(page);
    await waitUpToDate(page);
    const goal = page.locator("#f-optimization_objective-overridden");
    const users = page.locator("#f-num_concurrency-overridden");
    expect(await page.getByRole("combobox", { name: /^Goal/ }).inputValue()).toBe("minimize_latency");
    expect(await goal.count()).toBe(0);

    await page.getByRole("checkbox", { name: /High Throughput/ }).check();
    await eventually(() => goal.textContent()).toBe(
      `Overridden: profile high-throughput › high-throughput-params sets optimization.objective to maximize_throughput (profiles/high-throughput.yaml:${lineOf("profiles/high-throughput.yaml", "objective")}).`,
    );
    expect(await users.textContent()).toContain("profile high-throughput › high-throughput-params sets benchmark.num_concurrency to [16, 32, 64]");
    // The note is part of the field's description for a screen reader.
    expect(await page.getByRole("combobox", { name: /^Goal/ }).getAttribute("aria-describedby")).toContain("f-optimization_objective-overridden");
    // A field whose values still reach the config says nothing (the model also names the task).
    expect(await page.locator("#f-model_name-overridden").count()).toBe(0);
    await waitUpToDate(page);
    await page.mouse.move(0, 0);
    await page.evaluate(() => document.querySelector('[data-field="optimization_objective"]')?.scrollIntoView({ block: "center" }));
    await documentedView(page, "overridden-field.png");

    // Your changes override too; and unticking the profile gives the field back.
    await (await yamlEditor(page)).fill("benchmark:\n  traffic_scenarios: ['D(500,50)']\n");
    await eventually(() => page.locator("#f-traffic_scenarios-overridden").textContent()).toBe("Overridden: your changes (patch) sets benchmark.traffic_scenarios to [D(500,50)].");
    await page.getByRole("checkbox", { name: /High Throughput/ }).uncheck();
    await eventually(() => goal.count()).toBe(0);
    expect(await users.count()).toBe(0);
    await closePage(page);
  }, 60_000);

  for (const [label, viewport] of [["1280×800", DESKTOP], ["390×844", NARROW]] as const) {
    it(`hides nothing important under a sticky panel at ${label}: the editor's problems, the fields, every config line`, async () => {
      const page = await openPage(viewport);
      await fillContext(page);
      await page.getByRole("checkbox", { name: /Production/ }).check();
      // A config taller than the window (so the "who set it" panel sticks over it), a warning and an error.
      const many = Array.from({ length: 40 }, (_, i) => `  extra-${String(i).padStart(2, "0")}: [1, 2]`).join("\n");
      await (await yamlEditor(page)).fill(`parameters:\n  tp-size: [16]\n${many}\noptimization:\n  max_iterations: lots\n`);
      await eventually(() => page.locator(".editor-markers li").count()).toBe(2);
      await eventually(() => valueLine(page, "/parameters/extra-39").count()).toBe(1);
      // A value picked with the keyboard: the panel shows its facts. Every config line, and every problem under
      // one, can be brought into view clear of it.
      await valueLine(page, "/task_name").focus();
      await page.keyboard.press("ArrowDown");
      await eventually(() => page.getByTestId("origin-panel").textContent()).toContain("Set by");
      await page.mouse.move(1, 1);
      await page.waitForTimeout(100);
      expect(await coveredAfterScrolling(page, '.preview [role="option"], .preview .line-issues li')).toEqual([]);

      // A failed Create: the Create bar at its tallest, with the reasons; the editor's problems and every field
      // can still be brought into view clear of it.
      await page.getByRole("button", { name: "Create task" }).click();
      await eventually(() => page.locator("#create-status").textContent()).toContain("Not created: the composed config is not valid.");
      await page.waitForTimeout(100);
      const covered = [
        ...(await coveredAfterScrolling(page, ".editor-markers li")),
        ...(await coveredAfterScrolling(page, "form.form-column :is(input, select, textarea, .cm-editor)")),
        ...(await coveredAfterScrolling(page, ".create-bar button.primary, #create-status li")),
      ];
      expect(covered).toEqual([]);

      // A YAML syntax error: its message under the editor.
      await (await yamlEditor(page)).fill("parameters:\n  tp-size: [16\n");
      await page.locator("#overrides-error").waitFor();
      await page.getByRole("button", { name: "Create task" }).click();
      await eventually(() => page.locator("#create-status").textContent()).toContain("Fix the YAML error");
      expect(await coveredAfterScrolling(page, "#overrides-error, .editor .cm-lineNumbers .is-error")).toEqual([]);
      await closePage(page);
    }, 60_000);
  }

  it("collapses to one column on a narrow window without horizontal scrolling", async () => {
    const page = await openPage(NARROW);
    await fillContext(page);
    await page.getByRole("checkbox", { name: /Low Latency/ }).check();
    await waitUpToDate(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const form = await page.locator("form.form-column").boundingBox();
    const preview = await page.locator(".preview-column").boundingBox();
    expect(preview!.y).toBeGreaterThanOrEqual(form!.y + form!.height);
    expect(Math.abs(preview!.x - form!.x)).toBeLessThan(2);
    await page.mouse.move(0, 0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await documentedView(page, "new-task-narrow.png");
    await page.locator(".preview-column").scrollIntoViewIfNeeded();
    await page.evaluate(() => document.querySelector(".preview-column")?.scrollIntoView({ block: "start" }));
    await documentedView(page, "preview-narrow.png");
    await closePage(page);
  }, 60_000);

  it("lists tasks newest first, filters them by status and says when none match", async () => {
    for (const name of ["e2e-list-a", "e2e-list-b"]) {
      const res = await fetch(`${server.url}/api/tasks/from-context`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model_name: "qwen2-7b", base_runtime: "vllm", deployment_mode: "ome", profiles: ["quick-test"], task_name: name }),
      });
      expect(res.status).toBe(201);
    }
    const page = await openPage(DESKTOP, "/#/tasks");
    const rows = page.locator(".task-table tbody tr");
    await rows.first().waitFor();
    const names = await page.locator(".task-table tbody tr td:first-child a").allTextContents();
    const stored = (await apiJson("/api/tasks")).tasks.map((t: { task_name: string }) => t.task_name);
    expect(names).toEqual(stored);
    expect(names.slice(0, 2)).toEqual(["e2e-list-b", "e2e-list-a"]);
    await documentedView(page, "tasks.png");
    await page.getByRole("combobox", { name: "Status" }).selectOption("running");
    await eventually(() => page.locator(".empty-state").textContent()).toContain("No running tasks.");
    await closePage(page);
  }, 30_000);

  it("cuts a long task name and description to a line or two in the list, with the full text as the title", async () => {
    const name = `long-${"n".repeat(395)}`;
    const description = "A description that goes on. ".repeat(140).trim();
    expect(description.length).toBeLessThanOrEqual(4000);
    const res = await fetch(`${server.url}/api/tasks/from-context`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model_name: "long-model", base_runtime: "vllm", task_name: name, description }),
    });
    expect(res.status).toBe(201);
    const id = (await res.json()).task.id;
    for (const viewport of [DESKTOP, NARROW]) {
      const page = await openPage(viewport, "/#/tasks");
      const row = page.locator(`.task-table tr[data-task-id="${id}"]`);
      await row.waitFor();
      const link = row.getByRole("link", { name });
      expect(await link.getAttribute("title")).toBe(name);
      expect(await row.locator(".two-lines").getAttribute("title")).toBe(description);
      // The page does not scroll sideways, the row stays a few lines tall, and the texts are cut, not hidden.
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
      expect(await page.locator(".table-scroll").evaluate((e) => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(0);
      expect((await row.boundingBox())!.height).toBeLessThan(130);
      expect(await link.evaluate((e) => e.scrollWidth > e.clientWidth && getComputedStyle(e).textOverflow === "ellipsis")).toBe(true);
      expect(await row.locator(".two-lines").evaluate((e) => e.scrollHeight > e.clientHeight)).toBe(true);
      await closePage(page);
    }
  }, 60_000);

  it("shows a load error with a retry instead of a blank page when the server fails", async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    let failures = 1;
    await page.route("**/api/options", (route) =>
      failures-- > 0 ? route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "unavailable", message: "the server is restarting", issues: [] } }) }) : route.continue(),
    );
    await page.goto(server.url + "/");
    const alert = page.getByRole("alert");
    await eventually(() => alert.textContent()).toContain("Could not load the form options. the server is restarting");
    await page.getByRole("button", { name: "Try again" }).click();
    await page.getByRole("combobox", { name: /^Model/ }).waitFor();
    await context.close();
  }, 30_000);
  it("asks for the token once on a 401, keeps it for the session, and sends it with later writes", async () => {
    const guarded = await createServer({ layersDir, schemasDir: join(tmp, "schemas"), db: join(tmp, "guarded.db"), webDir: WEB_DIST, watch: false, tokens: ["page-token"] });
    try {
      const context = await browser.newContext({ viewport: DESKTOP });
      const page = await context.newPage();
      const prompts: string[] = [];
      page.on("dialog", (d) => {
        prompts.push(d.message());
        void d.accept("page-token");
      });
      await page.goto(guarded.url + "/");
      await fillContext(page, "guarded-model");
      await waitUpToDate(page);
      expect(prompts).toEqual([]); // previews are reads: no token asked
      await page.getByRole("button", { name: "Create task" }).click();
      await page.waitForURL(/#\/tasks\/\d+/);
      expect(prompts).toHaveLength(1);
      expect(prompts[0]).toContain("This server needs a token for changes");
      expect(await page.evaluate(() => sessionStorage.getItem("strata-token"))).toBe("page-token");
      // A second create sends the kept token: no second question.
      await page.goto(guarded.url + "/");
      await fillContext(page, "guarded-model-2");
      await waitUpToDate(page);
      await page.getByRole("button", { name: "Create task" }).click();
      await page.waitForURL(/#\/tasks\/\d+/);
      expect(prompts).toHaveLength(1);
      expect((await (await fetch(`${guarded.url}/api/tasks`)).json()).total).toBe(2);
      await context.close();
    } finally {
      await guarded.close();
    }
  }, 60_000);
  it("with an autotuner: offers to start the task, and shows its hand-off on the task page", async () => {
    const autotuner = await new FakeAutotuner().start();
    const handing = await createServer({ layersDir, schemasDir: join(tmp, "schemas"), db: join(tmp, "handing.db"), webDir: WEB_DIST, watch: false, autotunerUrl: autotuner.url, handoff: { baseDelayMs: 20, statusTtlMs: 0 } });
    try {
      const context = await browser.newContext({ viewport: DESKTOP });
      const page = await context.newPage();
      await page.goto(handing.url + "/");
      await fillContext(page, "handed-model");
      await waitUpToDate(page);
      await page.getByRole("checkbox", { name: "Start it on the autotuner" }).check();
      await page.getByRole("button", { name: "Create task" }).click();
      await page.waitForURL(/#\/tasks\/\d+/);
      await eventually(() => page.getByRole("status").filter({ hasText: "Task created" }).textContent()).toContain("handed to the autotuner");
      await expect.poll(() => autotuner.byName("handed-model_grid_search")?.status, { timeout: 10_000 }).toBe("running");
      await page.reload();
      await eventually(() => page.getByTestId("handoff").textContent()).toBe("delivered as task #1, started · status there: running");
      expect(await page.getByTestId("handoff").getByRole("link", { name: "task #1" }).getAttribute("href")).toBe(`${autotuner.url}/api/tasks/1`);
      await context.close();
    } finally {
      await handing.close();
      await autotuner.close();
    }
  }, 60_000);

  it("without an autotuner: does not offer to start, and does not claim anything picks the task up", async () => {
    const page = await openPage();
    await fillContext(page, "kept-model");
    await waitUpToDate(page);
    expect(await page.getByRole("checkbox", { name: "Start it on the autotuner" }).count()).toBe(0);
    await page.getByRole("button", { name: "Create task" }).click();
    await page.waitForURL(/#\/tasks\/\d+/);
    const notice = await page.getByRole("status").filter({ hasText: "Task created" }).textContent();
    expect(notice).toContain("this server hands nothing to the autotuner");
    expect(notice).not.toContain("picks it up");
    expect(await page.getByTestId("handoff").count()).toBe(0);
    await closePage(page);
  }, 60_000);
});

// The page serves any project: the k8s example's form comes from its own context schema and roles alone.
describe.skipIf(NO_BROWSER)("the New task page for another project (examples/k8s-deployment)", () => {
  /** A copy of the k8s example (its project file edited by `edit`) served, and a page on it that records its errors. */
  async function k8sPage(name: string, edit: (projectFile: string) => string = (t) => t) {
    const dir = join(tmp, name);
    cpSync(join(ROOT, "examples", "k8s-deployment"), dir, { recursive: true });
    const projectFile = join(dir, "strata.yaml");
    writeFileSync(projectFile, edit(readFileSync(projectFile, "utf8")));
    const k8s = await createServer({ project: dir, db: join(tmp, `${name}.db`), webDir: WEB_DIST, watch: false });
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(k8s.url + "/");
    const close = async () => {
      await context.close();
      await k8s.close();
    };
    return { k8s, page, errors, close };
  }

  it("builds the form from that project's schema and roles, previews a Deployment with a tier and a change, and stores it", async () => {
    const { k8s, page, errors, close } = await k8sPage("k8s-deployment");
    try {
      // The page speaks of the project's items (item_kind: deployment), never of tasks.
      await page.getByRole("heading", { level: 1, name: "New deployment" }).waitFor();
      expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents()).toEqual(["New deployment", "Deployments"]);
      expect(await page.title()).toBe("New deployment · strata");
      // One panel named by the schema's title, its fields by their titles; the roles' own widgets under the
      // project's names (tiers, changes); nothing of the autotuner's form.
      const panel = page.getByRole("group", { name: "Deployment context" });
      await panel.waitFor();
      expect(await page.getByRole("combobox", { name: /^Model/ }).count()).toBe(0);
      expect(await page.getByRole("group", { name: "Task" }).count()).toBe(0);
      const environment = panel.getByRole("combobox", { name: /^Environment/ });
      expect(await environment.locator("option").allTextContents()).toEqual(["Choose…", "dev", "staging", "prod"]);
      expect(await panel.getByRole("combobox", { name: /^Image version/ }).inputValue()).toBe("stable");
      await page.getByRole("group", { name: "Tiers" }).getByRole("checkbox", { name: /^Critical/ }).waitFor();
      // No override_mode role: your changes always patch, so no switch is offered.
      expect(await page.getByRole("radiogroup", { name: "How your changes apply" }).count()).toBe(0);
      expect(await page.getByTestId("preview-status").textContent()).toBe("Waiting for Service and Environment and Region");

      await panel.getByRole("combobox", { name: /^Service/ }).fill("checkout");
      await environment.selectOption("prod");
      await panel.getByRole("combobox", { name: /^Region/ }).fill("eu-west-1");
      await page.getByRole("checkbox", { name: /^Critical/ }).check();
      await waitUpToDate(page);
      await eventually(() => valueLine(page, "/metadata/name").textContent()).toContain("name: checkout-prod");
      await eventually(() => valueLine(page, "/spec/replicas").textContent()).toContain("replicas: 3");
      const editor = await yamlEditor(page);
      await editor.fill("spec:\n  replicas: 5\n");
      await eventually(() => valueLine(page, "/spec/replicas").textContent()).toContain("replicas: 5");
      // The editor completes from this project's output schema (deployment.schema.json), not the autotuner's.
      await editor.press("Control+End");
      await page.keyboard.type("  str");
      await eventually(() => page.locator(".cm-tooltip-autocomplete [role=option]").allTextContents()).toContainEqual(expect.stringMatching(/^strategy/));
      await page.keyboard.press("Escape");
      await editor.fill("spec:\n  replicas: 5\n");
      const applied = await page.locator(".preview .applied-layers .layer-name").allTextContents();
      // The project's own stages: the tier, then your changes, then its finalize stage.
      expect(applied.indexOf("profile critical › critical-replicas")).toBeGreaterThan(-1);
      expect(applied.indexOf("your changes (patch)")).toBeGreaterThan(applied.indexOf("profile critical › critical-replicas"));
      expect(applied.at(-1)).toBe("pod-labels");
      // An input issue from that project's schema sits under its field.
      await panel.getByRole("combobox", { name: /^Service/ }).fill("Checkout");
      await eventually(() => page.locator('[data-field="service"] .field-issues').textContent()).toContain("'service' must be lower-case letters");

      // Stored through the page under the project's item name (metadata.name): what is stored is what was shown.
      await panel.getByRole("combobox", { name: /^Service/ }).fill("checkout");
      await eventually(() => page.locator('[data-field="service"] .field-issues').count()).toBe(0);
      await waitUpToDate(page);
      expect(await page.getByText(/\btasks?\b/i).count()).toBe(0);
      await page.getByRole("button", { name: "Create deployment" }).click();
      await page.waitForURL(/#\/tasks\/\d+/);
      await page.getByRole("heading", { level: 1, name: "checkout-prod" }).waitFor();
      expect(await page.getByRole("status").filter({ hasText: "Deployment created." }).count()).toBe(1);
      expect(await page.getByRole("link", { name: "← Deployments" }).count()).toBe(1);
      const id = Number(/#\/tasks\/(\d+)/.exec(page.url())![1]);
      const stored = await (await fetch(`${k8s.url}/api/tasks/${id}`)).json();
      expect(stored.task_name).toBe("checkout-prod");
      expect(stored.config.spec.replicas).toBe(5);
      expect(stored.metadata.context).toMatchObject({ service: "checkout", environment: "prod", region: "eu-west-1", tiers: ["critical"], changes: { spec: { replicas: 5 } } });

      // Back on the form (kept for the tab), the same Deployment again: the name is taken. This project's body has
      // no name field (the name comes from the service and environment), so the 409 is told beside Create task.
      await page.getByRole("link", { name: "New deployment" }).click();
      await panel.waitFor();
      expect(await panel.getByRole("combobox", { name: /^Service/ }).inputValue()).toBe("checkout");
      await waitUpToDate(page);
      await page.getByRole("button", { name: "Create deployment" }).click();
      await eventually(() => page.locator("#create-status").textContent()).toContain("'checkout-prod' already exists");
      expect(await page.locator("#create-status a").textContent()).toBe(`Open the deployment that has this name (#${id})`);
      expect(await page.locator("#create-status a").getAttribute("href")).toBe(`#/tasks/${id}`);
      expect(page.url()).not.toMatch(/#\/tasks\//);
      // The list, in the project's words.
      await page.getByRole("link", { name: "Deployments" }).click();
      await page.getByRole("heading", { level: 1, name: "Deployments" }).waitFor();
      await eventually(() => page.locator(".toolbar [role=status]").textContent()).toBe("1 deployment");
      expect(await page.getByRole("table").getByRole("link").allTextContents()).toEqual(["checkout-prod"]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it("without item_name in the project file, the page previews only: no Create, no list, no navigation", async () => {
    const { k8s, page, errors, close } = await k8sPage("k8s-no-items", (t) => t.replace(/^item_(name|kind): .*$/gm, ""));
    try {
      await page.getByRole("heading", { level: 1, name: "Compose a config" }).waitFor();
      expect(await page.title()).toBe("Compose · strata");
      expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(0);
      const panel = page.getByRole("group", { name: "Deployment context" });
      await panel.getByRole("combobox", { name: /^Service/ }).fill("checkout");
      await panel.getByRole("combobox", { name: /^Environment/ }).selectOption("prod");
      await panel.getByRole("combobox", { name: /^Region/ }).fill("eu-west-1");
      await waitUpToDate(page);
      await eventually(() => valueLine(page, "/metadata/name").textContent()).toContain("name: checkout-prod");
      expect(await page.getByRole("button", { name: /^Create/ }).count()).toBe(0);
      expect(await page.locator(".lede").textContent()).toContain("This project stores nothing (its project file names no item_name)");
      // The list route says why there is nothing to list, rather than answering with an error.
      await page.goto(k8s.url + "/#/tasks");
      await page.getByRole("heading", { level: 1, name: "Nothing is stored here" }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});
