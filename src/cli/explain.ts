// Placeholder until the 'explain' command lands (being built in this session).
import { UsageError, type Command } from "./common.js";

export const command: Command = {
  name: "explain",
  summary: "explain",
  help: "strata explain: not available yet",
  async run() {
    throw new UsageError("'explain' is not available yet");
  },
};
