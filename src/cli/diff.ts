// Placeholder until the 'diff' command lands (being built in this session).
import { UsageError, type Command } from "./common.js";

export const command: Command = {
  name: "diff",
  summary: "diff",
  help: "strata diff: not available yet",
  async run() {
    throw new UsageError("'diff' is not available yet");
  },
};
