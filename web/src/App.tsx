// The page shell: header with navigation, and the hash routes.
import { useEffect, useMemo, useRef } from "react";
import { api } from "./api";
import { LoadError, Loading } from "./components/Status";
import { useLoad, useRoute } from "./hooks";
import { NewTaskPage } from "./pages/NewTask";
import { TaskPage } from "./pages/TaskPage";
import { TasksPage } from "./pages/Tasks";
import { itemWords, ItemWordsContext } from "./words";

export function App() {
  const [route, navigate] = useRoute();
  // The project's options: the form's fields, and what a stored item is called (the nav, titles and buttons say it).
  const [options, reloadOptions] = useLoad((s) => api.options(s), []);
  const words = useMemo(() => (options.data ? itemWords(options.data.project.items) : null), [options.data]);
  const known = options.data !== undefined;
  const [path, query = ""] = route.split("?");
  const taskMatch = /^\/tasks\/(\d+)$/.exec(path);
  const section = path === "/" ? "new" : path.startsWith("/tasks") ? "tasks" : "none";

  // Move focus to the new page's heading after a route change, as a full page load would.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    window.scrollTo(0, 0);
    requestAnimationFrame(() => focusable(document.querySelector<HTMLElement>("main h1"))?.focus());
  }, [route]);

  useEffect(() => {
    const title = !known
      ? "strata"
      : section === "new"
        ? (words ? `New ${words.one}` : "Compose")
        : taskMatch
          ? `${words?.One ?? "Item"} #${taskMatch[1]}`
          : section === "tasks"
            ? (words?.Many ?? "Stored configs")
            : "Not found";
    document.title = `${title} · strata`;
  }, [section, taskMatch?.[1], known, words]);

  let page;
  if (path === "/") page = <NewTaskPage navigate={navigate} options={options} reloadOptions={reloadOptions} />;
  else if (!known)
    // The other pages wait for the project's words (a few milliseconds), rather than say "item" first.
    page = (
      <main id="main" className="page">
        {options.state === "error" ? <LoadError what="the project's options" failure={options.failure} onRetry={reloadOptions} /> : <Loading what="the page" />}
      </main>
    );
  else if ((path === "/tasks" || taskMatch) && !words) page = <NothingStored />;
  else if (path === "/tasks") page = <TasksPage />;
  else if (taskMatch) page = <TaskPage key={taskMatch[1]} id={Number(taskMatch[1])} created={new URLSearchParams(query).has("created")} />;
  else
    page = (
      <main id="main" className="page">
        <h1>Page not found</h1>
        <p>
          There is nothing at <code>#{route}</code>. Go to the{" "}
          {words ? (
            <>
              <a href="#/">new {words.one} form</a> or the <a href="#/tasks">{words.one} list</a>.
            </>
          ) : (
            <a href="#/">compose form</a>
          )}
        </p>
      </main>
    );

  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => {
          e.preventDefault();
          focusable(document.getElementById("main"))?.focus();
        }}>
        Skip to content
      </a>
      <header className="app-header">
        <a className="brand" href="#/">
          strata
        </a>
        {/* A project that stores nothing has one page: no navigation. */}
        {words && (
          <nav aria-label="Main">
            <a href="#/" aria-current={section === "new" ? "page" : undefined}>
              New {words.one}
            </a>
            <a href="#/tasks" aria-current={section === "tasks" ? "page" : undefined}>
              {words.Many}
            </a>
          </nav>
        )}
      </header>
      <ItemWordsContext.Provider value={words}>{page}</ItemWordsContext.Provider>
    </>
  );
}

/** Headings and landmarks take focus from script only (tabindex -1), never from Tab. */
function focusable(el: HTMLElement | null): HTMLElement | null {
  if (el && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
  return el;
}

/** The list and item routes of a project without stored items (no item_name in its project file). */
function NothingStored() {
  return (
    <main id="main" className="page">
      <h1>Nothing is stored here</h1>
      <p>
        This project stores no configs: its project file names no <code>item_name</code>. The <a href="#/">compose form</a> previews
        configs; <code>strata compose</code> writes them.
      </p>
    </main>
  );
}
