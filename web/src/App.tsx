// The page shell: header with navigation, and the hash routes.
import { useEffect, useRef } from "react";
import { useRoute } from "./hooks";
import { NewTaskPage } from "./pages/NewTask";
import { TaskPage } from "./pages/TaskPage";
import { TasksPage } from "./pages/Tasks";

export function App() {
  const [route, navigate] = useRoute();
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
    document.title = `${section === "new" ? "New task" : taskMatch ? `Task #${taskMatch[1]}` : section === "tasks" ? "Tasks" : "Not found"} · strata`;
  }, [section, taskMatch?.[1]]);

  let page;
  if (path === "/") page = <NewTaskPage navigate={navigate} />;
  else if (path === "/tasks") page = <TasksPage />;
  else if (taskMatch) page = <TaskPage key={taskMatch[1]} id={Number(taskMatch[1])} created={new URLSearchParams(query).has("created")} />;
  else
    page = (
      <main id="main" className="page">
        <h1>Page not found</h1>
        <p>
          There is nothing at <code>#{route}</code>. Go to the <a href="#/">new task form</a> or the <a href="#/tasks">task list</a>.
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
        <nav aria-label="Main">
          <a href="#/" aria-current={section === "new" ? "page" : undefined}>
            New task
          </a>
          <a href="#/tasks" aria-current={section === "tasks" ? "page" : undefined}>
            Tasks
          </a>
        </nav>
      </header>
      {page}
    </>
  );
}

/** Headings and landmarks take focus from script only (tabindex -1), never from Tab. */
function focusable(el: HTMLElement | null): HTMLElement | null {
  if (el && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
  return el;
}
