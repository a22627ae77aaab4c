// Placeholder until the 'serve' command lands (being built in this session).
import { UsageError, type Command } from "./common.js";

export const command: Command = {
  name: "serve",
  summary: "serve",
  help: "strata serve: not available yet",
  async run() {
    throw new UsageError("'serve' is not available yet");
  },
};
