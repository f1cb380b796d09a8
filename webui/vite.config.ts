// The bundle the master serves from --webui_dir: one index.html and hashed assets under
// assets/, paths relative so that it works wherever it is mounted. No CDN, nothing
// fetched at run time but the master's own endpoints.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    reportCompressedSize: false,
  },
});
