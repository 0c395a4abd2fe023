import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Built to ui/dist and bundled into the app: no dev server, no network.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  // pdf.js is one large chunk by design; it is loaded from disk, not a network.
  build: { outDir: "dist", emptyOutDir: true, target: "safari15", chunkSizeWarningLimit: 2500 },
});
