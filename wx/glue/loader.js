// Loading in a WeChat mini-program: `cargo xtask build-wx` puts this in place of
// wasm-bindgen's loader, which fetches the module from a URL relative to the glue's own, and
// a mini-program has neither fetch nor URLs for its files. `WXWebAssembly.instantiate` takes
// the path of the .wasm file inside the mini-program package (base library 2.13.0 and later).

let __wbg_init_promise;

/**
 * Loads the module from `path`, the package path of token_fetch_bg.wasm, such as
 * '/libs/token-fetch/token_fetch_bg.wasm' (or a brotli-compressed '.wasm.br'). Call it once,
 * in app.js, before making a client; later calls answer the same module.
 */
async function __wbg_init(path) {
    if (wasm !== undefined) return wasm;
    if (__wbg_init_promise === undefined) {
        __wbg_init_promise = __wbg_wx_instantiate(path);
        __wbg_init_promise.catch(() => { __wbg_init_promise = undefined; });
    }
    return __wbg_init_promise;
}

async function __wbg_wx_instantiate(path) {
    if (typeof path !== 'string' || !/\.wasm(\.br)?$/.test(path)) {
        throw new TypeError(
            'token-fetch: init(path) takes the path of token_fetch_bg.wasm inside the ' +
            "mini-program package, such as '/libs/token-fetch/token_fetch_bg.wasm'");
    }
    if (typeof WXWebAssembly === 'undefined') {
        throw new Error(
            'token-fetch: this is the WeChat mini-program build, and this host has no ' +
            'WXWebAssembly (base library 2.13.0 or later); use the web build elsewhere');
    }
    const { instance, module } = await WXWebAssembly.instantiate(path, __wbg_get_imports());
    return __wbg_finalize_init(instance, module);
}

export { __wbg_init as default };
