// Whether the web page's end-to-end tests run: always under CI, where a missing browser must fail them
// loudly; on a developer machine without Debian's chromium they are skipped with the reason shown.
export const CHROMIUM = "/usr/bin/chromium";

/** `CI` set to anything but empty, `0` or `false` (CI services set `CI=true`; .ci/run sets `CI=1`). */
export const underCi = (env: NodeJS.ProcessEnv): boolean => !!env.CI && env.CI !== "0" && env.CI.toLowerCase() !== "false";

/** Why the page tests are skipped, or undefined when they run. */
export function browserSkipReason(env: NodeJS.ProcessEnv, chromiumExists: boolean): string | undefined {
  if (chromiumExists || underCi(env)) return undefined;
  return `skipping the web page tests: ${CHROMIUM} is missing (apt-get install chromium); under CI they fail instead`;
}
