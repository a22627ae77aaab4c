// Builds the page into web/dist/, which the server serves at `/`. `npm run build` runs this.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs: the page works wherever it is mounted (routes live in the hash).
  base: "./",
  plugins: [react()],
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npx vite --config web/vite.config.ts` during development, with `npm start` running the API.
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
});
