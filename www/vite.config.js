import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// `npm run dev` forwards the API to a token-server started by hand, for example
// `TOKEN_SERVER_URL=http://127.0.0.1:8080 npm run dev`; `cargo xtask demo` needs none of this,
// as token-server serves the built page and the API on one address.
const server = process.env.TOKEN_SERVER_URL;

export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: server
      ? Object.fromEntries(['/token', '/api', '/__control'].map((path) => [path, server]))
      : undefined,
    // token-fetch is linked from ../pkg, outside this folder.
    fs: { allow: ['..'] },
  },
});
