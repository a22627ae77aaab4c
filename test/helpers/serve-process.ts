// `strata serve` as a real child process (the durability tests SIGKILL it): started with the given arguments,
// resolved once it prints "serving on http://…"; each child is added to `children` so the test's afterEach can
// kill whatever is left.
import { spawn, type ChildProcess } from "node:child_process";
import { CLI } from "./paths.js";

export interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

export async function startServe(args: readonly string[], children: Set<ChildProcess>, env: NodeJS.ProcessEnv = process.env): Promise<Served> {
  const child = spawn(process.execPath, [CLI, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  children.add(child);
  let err = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`strata serve did not start:\n${err}`)), 30_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      const m = /serving on (http:\/\/[^\s]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`strata serve exited (${code ?? signal}) before serving:\n${err}`));
    });
  });
  child.stdout!.resume();
  return { child, url, stderr: () => err };
}
