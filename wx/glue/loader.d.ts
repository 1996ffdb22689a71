
/**
 * Loads the module with `WXWebAssembly` from `path`, the package path of
 * token_fetch_bg.wasm, such as '/libs/token-fetch/token_fetch_bg.wasm' (or a brotli-compressed
 * '.wasm.br'). Call it once, in app.js, before making a client.
 */
export default function init(path: string): Promise<unknown>;
