// A stand-in WeChat mini-program runtime in Node.js, for loading pkg-wx as a mini-program does.
//
// What a mini-program lacks is taken away (fetch, Request, Response, Headers, URL,
// TextEncoder, TextDecoder, WebAssembly, AbortController, queueMicrotask), and what it has is
// put in: a `wx` whose `request` performs real HTTP with node:http and whose storage is a
// plain Map, a `wx.login` that gets a real one-time code from token-server's code-exchange
// mode, and a `WXWebAssembly` that takes nothing but the path of a .wasm file inside the
// package. `cargo xtask test` starts the token-server and passes its address and the
// package's folder in TOKEN_SERVER_URL and TOKEN_FETCH_PKG_WX.

import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

function required(name) {
    const value = process.env[name];
    if (!value) {
        throw new Error(`${name} is not set: run the harness through \`cargo xtask test\``);
    }
    return value;
}

export const server = required('TOKEN_SERVER_URL');

/** The globals a mini-program's JS engine does not have, all of which Node 20 does. */
export const MISSING = [
    'fetch', 'Request', 'Response', 'Headers', 'FormData', 'Blob', 'URL', 'URLSearchParams',
    'TextEncoder', 'TextDecoder', 'WebAssembly', 'AbortController', 'AbortSignal',
    'queueMicrotask', 'navigator',
];

/** Where the package sits inside the stand-in mini-program, and the path init() is given. */
export const PACKAGE_DIR = 'libs/token-fetch';
export const WASM_PATH = `/${PACKAGE_DIR}/token_fetch_bg.wasm`;

// Taken before the globals go: the fake WXWebAssembly is built on the real one.
const RealWebAssembly = globalThis.WebAssembly;

/**
 * One HTTP exchange over node:http: resolves `{ status, headers, body }` with the body as a
 * Buffer, rejects on a network error. Gives back the request object so it can be destroyed.
 */
function exchange(target, { method = 'GET', headers = {}, body } = {}) {
    let request;
    const answer = new Promise((resolve, reject) => {
        request = http.request(target, { method, headers }, (response) => {
            const chunks = [];
            response.on('data', (chunk) => chunks.push(chunk));
            response.on('end', () => resolve({
                status: response.statusCode,
                headers: response.headers,
                body: Buffer.concat(chunks),
            }));
            response.on('error', reject);
        });
        request.on('error', reject);
        request.end(body);
    });
    return { request, answer };
}

/** `POST /__control/<route>` with a JSON body; the answer's JSON. */
export async function control(route, body = {}) {
    const { answer } = exchange(`${server}/__control/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
    });
    const { status, body: text } = await answer;
    if (status !== 200) throw new Error(`control ${route} answered ${status}: ${text}`);
    return JSON.parse(text.toString('utf8'));
}

/** The server's counters for one openId. */
export async function counters(openId) {
    const { answer } = exchange(`${server}/__control/counters?openId=${encodeURIComponent(openId)}`);
    const { status, body } = await answer;
    if (status !== 200) throw new Error(`counters answered ${status}`);
    return JSON.parse(body.toString('utf8'));
}

/** An openId no other test uses, so that the server's counters are the test's own. */
export function uniqueUser(name) {
    return `${name}-${process.pid}-${Math.floor(Math.random() * 1e12)}`;
}

/** `a=1&b=2`, as wx.request encodes an object for a GET or a form body. */
function queryString(data) {
    return Object.entries(data)
        .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
        .join('&');
}

/**
 * A `wx` object with `request`, `login` and the three sync storage calls, and what it saw:
 * `sent` lists every request (url, method, header, body bytes, whether it was aborted).
 */
export function createWx() {
    const storage = new Map();
    const sent = [];
    const state = { user: null, logins: 0, storageBroken: false };

    const storageCall = (name, action) => {
        if (state.storageBroken) throw new Error(`${name}:fail storage is broken in this test`);
        return action();
    };

    const wx = {
        request(options) {
            const { url, data, dataType = 'json', responseType = 'text' } = options;
            const method = String(options.method ?? 'GET').toUpperCase();
            const header = { ...(options.header ?? {}) };
            let contentType = Object.keys(header).find((key) => key.toLowerCase() === 'content-type');
            if (contentType === undefined) {
                contentType = 'content-type';
                header[contentType] = 'application/json';
            }

            let target = url;
            let body = Buffer.alloc(0);
            if (method === 'GET') {
                const query = typeof data === 'string' ? data : data ? queryString(data) : '';
                if (query) target += (target.includes('?') ? '&' : '?') + query;
            } else if (data instanceof ArrayBuffer) {
                body = Buffer.from(new Uint8Array(data));
            } else if (typeof data === 'string') {
                body = Buffer.from(data, 'utf8');
            } else if (data !== undefined) {
                const form = /x-www-form-urlencoded/i.test(header[contentType]);
                body = Buffer.from(form ? queryString(data) : JSON.stringify(data), 'utf8');
            }

            const record = { url: target, method, header, body, aborted: false, settled: 0 };
            sent.push(record);
            // wx calls exactly one of success and fail, then complete, always asynchronously.
            const settle = (callback, result) => {
                record.settled += 1;
                if (record.settled > 1) return;
                setTimeout(() => {
                    callback?.(result);
                    options.complete?.(result);
                }, 0);
            };

            const { request, answer } = exchange(target, { method, headers: header, body });
            answer.then(
                ({ status, headers, body: bytes }) => {
                    let parsed;
                    if (responseType === 'arraybuffer') {
                        parsed = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
                    } else {
                        parsed = bytes.toString('utf8');
                        if (dataType === 'json') {
                            try { parsed = JSON.parse(parsed); } catch { /* wx hands over the text */ }
                        }
                    }
                    record.status = status;
                    settle(options.success, {
                        data: parsed, statusCode: status, header: headers, cookies: [],
                        errMsg: 'request:ok',
                    });
                },
                (error) => {
                    if (record.aborted) return;
                    settle(options.fail, { errMsg: `request:fail ${error.message}`, errno: 600001 });
                },
            );
            return {
                abort() {
                    if (record.settled > 0) return;
                    record.aborted = true;
                    request.destroy();
                    settle(options.fail, { errMsg: 'request:fail abort', errno: 1 });
                },
            };
        },

        login({ success, fail, complete } = {}) {
            state.logins += 1;
            const user = state.user;
            const { answer } = exchange(`${server}/wx/login?openId=${encodeURIComponent(user)}`, {
                method: 'POST',
            });
            answer.then(({ status, body }) => {
                const result = status === 200
                    ? { code: JSON.parse(body.toString('utf8')).code, errMsg: 'login:ok' }
                    : null;
                if (result) success?.(result); else fail?.({ errMsg: `login:fail ${status}` });
                complete?.(result);
            }, (error) => fail?.({ errMsg: `login:fail ${error.message}` }));
        },

        getStorageSync: (key) => storageCall('getStorageSync', () => (storage.has(key) ? storage.get(key) : '')),
        setStorageSync: (key, value) => storageCall('setStorageSync', () => { storage.set(key, value); }),
        removeStorageSync: (key) => storageCall('removeStorageSync', () => { storage.delete(key); }),
    };
    return { wx, storage, sent, state };
}

/**
 * A `WXWebAssembly` over the real WebAssembly that, like the mini-program's, instantiates
 * only from a path inside the package at `root` (a `.wasm` or brotli `.wasm.br` file), and
 * records every path it was given.
 */
export function createWXWebAssembly(root) {
    const paths = [];
    return {
        paths,
        async instantiate(wasmPath, imports) {
            paths.push(wasmPath);
            const inside = typeof wasmPath === 'string'
                && /\.wasm(\.br)?$/.test(wasmPath)
                && !/^[a-z][a-z0-9+.-]*:/i.test(wasmPath)
                && !wasmPath.split('/').includes('..');
            if (!inside) {
                throw new TypeError('WXWebAssembly.instantiate takes the path of a .wasm file in the code package');
            }
            const file = path.join(root, wasmPath.replace(/^\/+/, ''));
            if (!fs.existsSync(file)) {
                throw new Error(`WXWebAssembly.instantiate: ${wasmPath} is not in the code package`);
            }
            let bytes = fs.readFileSync(file);
            if (wasmPath.endsWith('.br')) bytes = zlib.brotliDecompressSync(bytes);
            return RealWebAssembly.instantiate(bytes, imports);
        },
    };
}

/**
 * Sets up the stand-in runtime and imports pkg-wx's glue from a copy of the package inside
 * a fresh mini-program folder, without calling its init. Everything in MISSING is gone from
 * then on, for the rest of the process.
 */
export async function loadGlue() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'token-fetch-miniprogram-'));
    const dir = path.join(root, PACKAGE_DIR);
    fs.cpSync(required('TOKEN_FETCH_PKG_WX'), dir, { recursive: true });
    const glueUrl = pathToFileURL(path.join(dir, 'token_fetch.js')).href;

    const fake = createWx();
    const wxWebAssembly = createWXWebAssembly(root);
    for (const name of MISSING) {
        delete globalThis[name];
        if (typeof globalThis[name] !== 'undefined') throw new Error(`could not remove ${name}`);
    }
    globalThis.wx = fake.wx;
    globalThis.WXWebAssembly = wxWebAssembly;

    const glue = await import(glueUrl);
    return { glue, fake, wxWebAssembly, root };
}

/**
 * The stand-in mini-program with pkg-wx loaded as app.js would load it, and helpers to make
 * clients the way the README tells a mini-program to.
 */
export async function loadMiniProgram() {
    const loaded = await loadGlue();
    await loaded.glue.default(WASM_PATH);
    const { fake } = loaded;

    /** The README's `wx.login` wrapper: a Promise of a fresh one-time code. */
    const wxLoginCode = () => new Promise((resolve, reject) => {
        fake.wx.login({ success: (result) => resolve(result.code), fail: reject });
    });

    return {
        ...loaded,
        TokenClient: loaded.glue.TokenClient,
        wxLoginCode,
        /** Makes `name` the WeChat user whom wx.login gives codes for; returns the openId. */
        signIn(name) {
            fake.state.user = uniqueUser(name);
            return fake.state.user;
        },
        /** The storage keys of `user`'s client, distinct for each test. */
        keys(user) {
            return { token: `${user}.token`, expiresAt: `${user}.expiresAt` };
        },
        /** A mini-program client for `user`, sending wx.login codes, with `extra` options. */
        client(user, extra = {}) {
            return new loaded.glue.TokenClient({
                transport: 'wx',
                tokenUrl: `${server}/token`,
                credential: { param: 'code', value: wxLoginCode },
                storageKeys: this.keys(user),
                ...extra,
            });
        },
        /** The requests sent from now on: call the result to get them. */
        watch() {
            const from = fake.sent.length;
            return () => fake.sent.slice(from);
        },
    };
}
