// The console is served by Flask at /console (history-mode routes fall back to index.html there).
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  server: {
    // `npm run dev` beside `make demo`: the API stays same-origin for the cookie session.
    proxy: { '/api': 'http://127.0.0.1:5000' },
  },
  build: {
    outDir: '../miniback/console/dist',
    emptyOutDir: true,
    // Element Plus is taken whole (every screen uses it): one ~320 KB gzip chunk, cached across releases.
    chunkSizeWarningLimit: 1100,
    // Element Plus is one vendor chunk, cached across releases of the console's own code; ECharts is never in the
    // first screen: only the chart pages import it (dynamically).
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'element-plus', test: /node_modules[\\/](element-plus|@element-plus)/ },
            { name: 'vue', test: /node_modules[\\/](@vue|vue|vue-router|pinia)[\\/]/ },
          ],
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/unit/**/*.test.js'],
  },
})
