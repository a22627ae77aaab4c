// Placeholder until the 'test' command lands (being built in this session).
import { UsageError, type Command } from "./common.js";

export const command: Command = {
  name: "test",
  summary: "test",
  help: "strata test: not available yet",
  async run() {
    throw new UsageError("'test' is not available yet");
  },
};
