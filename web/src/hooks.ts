// Data hooks: a GET that shows loading and error states, the hash route, and the debounced live preview.
import { useCallback, useEffect, useRef, useState, type RefObject } from "react";
import { ABORTED, api, type ApiFailure, type ApiResult, type Preview, type TaskBody } from "./api";

export type Loadable<T> =
  | { state: "loading"; data?: T }
  | { state: "ready"; data: T }
  | { state: "error"; failure: ApiFailure; data?: T };

/** Runs `load` now and whenever `deps` change; `reload()` runs it again, keeping the old data meanwhile. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<ApiResult<T>>, deps: unknown[]): [Loadable<T>, () => void] {
  const [value, setValue] = useState<Loadable<T>>({ state: "loading" });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setValue((v) => ({ state: "loading", data: v.data }));
    load(ctrl.signal).then((r) => {
      if (ctrl.signal.aborted) return;
      setValue((v) => (r.ok ? { state: "ready", data: r.data } : r.failure.code === ABORTED ? v : { state: "error", failure: r.failure, data: v.data }));
    });
    return () => ctrl.abort();
  }, [...deps, tick]);
  return [value, useCallback(() => setTick((t) => t + 1), [])];
}

/** `#/tasks/3` → "/tasks/3". Hash routes work whatever the server does with other paths. */
export function useRoute(): [string, (to: string) => void] {
  const read = () => window.location.hash.replace(/^#/, "") || "/";
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return [route, useCallback((to: string) => void (window.location.hash = to), [])];
}

export interface PreviewState {
  /** idle: nothing to preview yet; loading: a request is in flight (the last result stays shown). */
  state: "idle" | "loading" | "ready" | "error";
  preview?: Preview;
  failure?: ApiFailure;
  /** The body the shown preview (or failure) belongs to, as JSON. */
  shownFor?: string;
}

const PREVIEW_DELAY_MS = 300;

/**
 * POST /api/config/preview for `body`, debounced; a newer body cancels the request in flight.
 * `body` null means the form is not ready (required fields missing, YAML error): the last result stays.
 * `refresh` changes (the layer-set hash) re-run the same body.
 */
export function usePreview(body: TaskBody | null, refresh: unknown): PreviewState {
  const [state, setState] = useState<PreviewState>({ state: "idle" });
  const key = body === null ? null : JSON.stringify(body);
  const latest = useRef(body);
  latest.current = body;
  useEffect(() => {
    if (key === null || latest.current === null) {
      setState((s) => ({ ...s, state: s.preview || s.failure ? (s.failure ? "error" : "ready") : "idle" }));
      return;
    }
    const ctrl = new AbortController();
    const sent = latest.current;
    setState((s) => ({ ...s, state: "loading" }));
    const timer = setTimeout(() => {
      api.preview(sent, ctrl.signal).then((r) => {
        if (ctrl.signal.aborted) return;
        if (r.ok) setState({ state: "ready", preview: r.data, shownFor: key });
        else if (r.failure.code !== ABORTED) setState((s) => ({ state: "error", preview: s.preview, failure: r.failure, shownFor: key }));
      });
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [key, refresh]);
  return state;
}

/** Calls `fn` every `ms` while the tab is visible, and when the tab comes back into view. */
export function usePoll(fn: () => void, ms: number): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    const tick = () => {
      if (document.visibilityState === "visible") ref.current();
    };
    const id = setInterval(tick, ms);
    document.addEventListener("visibilitychange", tick);
    window.addEventListener("focus", tick);
    return () => {
      clearInterval(id);
      document.removeEventListener("visibilitychange", tick);
      window.removeEventListener("focus", tick);
    };
  }, [ms]);
}

// Sticky panels by CSS variable: the tallest mounted panel of each kind.
const stickyPanels = new Map<string, Map<HTMLElement, number>>();

/**
 * Publish the height of a panel that sticks to the bottom of its scroller (the Create bar, the "who set this
 * value" panel) as a CSS variable on <html>. The stylesheet's scroll-padding-bottom uses it, so whatever the
 * browser scrolls into view (a focused field, a value picked with the arrow keys) lands above the panel,
 * never under it.
 */
export function useStickyHeight(ref: RefObject<HTMLElement | null>, variable: string): void {
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const panels = stickyPanels.get(variable) ?? new Map<HTMLElement, number>();
    stickyPanels.set(variable, panels);
    const publish = () => {
      const tallest = Math.max(0, ...panels.values());
      if (tallest > 0) document.documentElement.style.setProperty(variable, `${Math.ceil(tallest)}px`);
      else document.documentElement.style.removeProperty(variable);
    };
    const observer = new ResizeObserver(() => {
      panels.set(el, el.getBoundingClientRect().height);
      publish();
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      panels.delete(el);
      publish();
    };
  }, [ref, variable]);
}
