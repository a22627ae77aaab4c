#!/usr/bin/env node
// The `strata` command (package.json `bin`, `node dist/cli.js …`): the command line itself is cli/main.ts.
import { runCli } from "./cli/main.js";

await runCli();
