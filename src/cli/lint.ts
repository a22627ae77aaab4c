// Placeholder until the 'lint' command lands (being built in this session).
import { UsageError, type Command } from "./common.js";

export const command: Command = {
  name: "lint",
  summary: "lint",
  help: "strata lint: not available yet",
  async run() {
    throw new UsageError("'lint' is not available yet");
  },
};
