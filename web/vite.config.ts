/// <reference types="node" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The console is served by the API server in production (server/static.ts); in development Vite
// serves it with hot reload and forwards /api to the API so the session cookie stays same-origin.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts or module-preload polyfill: the server's CSP allows only 'self' scripts.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        // Pages load lazily (web/src/app/app.tsx); the libraries only some pages use are one chunk
        // each, fetched with the first page that needs them and cached across releases of ours.
        codeSplitting: {
          groups: [
            { name: "react", test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: "charts", test: /node_modules[\\/](recharts|d3-[^\\/]+|victory-vendor)[\\/]/ },
            { name: "graph", test: /node_modules[\\/](@xyflow|elkjs)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: { "/api": { target: "http://127.0.0.1:8080", changeOrigin: false } },
  },
});
