// pkg-wx's glue: it loads with none of the web's globals, only through WXWebAssembly and a
// package path, and its text codec fallback matches the real TextEncoder and TextDecoder.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TextDecoder as NodeDecoder, TextEncoder as NodeEncoder } from 'node:util';
import vm from 'node:vm';

import { MISSING, WASM_PATH, loadGlue, server } from './runtime.mjs';

const CODEC_SOURCE = fs.readFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), '../glue/text-codec.js'),
    'utf8',
);

let loaded;
before(async () => {
    loaded = await loadGlue();
});

test('the glue loads with none of the globals a mini-program lacks', () => {
    for (const name of MISSING) {
        assert.equal(typeof globalThis[name], 'undefined', name);
    }
    assert.equal(typeof loaded.glue.default, 'function');
    assert.equal(typeof loaded.glue.TokenClient, 'function');
    assert.equal(loaded.glue.initSync, undefined, 'no synchronous init: WXWebAssembly has none');
    assert.deepEqual(loaded.wxWebAssembly.paths, [], 'loading the glue instantiates nothing');
});

test('init needs WXWebAssembly and the package path of the .wasm file', async () => {
    const { glue, wxWebAssembly } = loaded;
    const bytes = fs.readFileSync(`${loaded.root}${WASM_PATH}`);

    await assert.rejects(glue.default(), /init\(path\) takes the path/);
    await assert.rejects(glue.default(bytes.buffer), TypeError);
    delete globalThis.WXWebAssembly;
    await assert.rejects(glue.default(WASM_PATH), /no WXWebAssembly/);
    globalThis.WXWebAssembly = wxWebAssembly;
    await assert.rejects(glue.default('/libs/elsewhere/token_fetch_bg.wasm'), /not in the code package/);
    assert.deepEqual(wxWebAssembly.paths, ['/libs/elsewhere/token_fetch_bg.wasm']);

    // A failed init leaves the way open for a right one, which later calls share.
    const exports = await glue.default(WASM_PATH);
    assert.equal(await glue.default(WASM_PATH), exports);
    assert.deepEqual(wxWebAssembly.paths, ['/libs/elsewhere/token_fetch_bg.wasm', WASM_PATH]);
});

test('the fake WXWebAssembly itself takes only paths inside the package', async () => {
    const { wxWebAssembly } = loaded;
    for (const wrong of [new ArrayBuffer(8), `file://${loaded.root}${WASM_PATH}`, '/libs/../x.wasm', '/libs/token-fetch/token_fetch.js']) {
        await assert.rejects(wxWebAssembly.instantiate(wrong, {}), TypeError);
    }
});

test('a client works once loaded, and the token request goes through wx.request', async () => {
    const { glue, fake } = loaded;
    await glue.default(WASM_PATH);
    fake.state.user = `glue-${process.pid}`;
    const client = new glue.TokenClient({
        transport: 'wx',
        tokenUrl: `${server}/token`,
        credential: {
            param: 'code',
            value: () => new Promise((resolve, reject) => {
                fake.wx.login({ success: (result) => resolve(result.code), fail: reject });
            }),
        },
    });
    const token = await client.token();
    assert.equal(token.split('.').length, 3);
    assert.equal(fake.sent.length, 1);
    assert.match(fake.sent[0].url, /\/token\?code=/);
});

/** The fallback classes, evaluated apart in a context that has, or lacks, the real ones. */
function codec(globals = {}) {
    const source = CODEC_SOURCE;
    const names = '({ __wxUtf8Encoder, __wxUtf8Decoder, __wxTextEncoder, __wxTextDecoder })';
    return vm.runInNewContext(`${source}\n${names}`, { ...globals });
}

test('the fallback codec is used only where TextEncoder and TextDecoder are missing', () => {
    const bare = codec();
    assert.equal(bare.__wxTextEncoder, bare.__wxUtf8Encoder);
    assert.equal(bare.__wxTextDecoder, bare.__wxUtf8Decoder);
    const full = codec({ TextEncoder: NodeEncoder, TextDecoder: NodeDecoder });
    assert.equal(full.__wxTextEncoder, NodeEncoder);
    assert.equal(full.__wxTextDecoder, NodeDecoder);
});

/** A deterministic stream of pseudo-random numbers, so a failure can be replayed. */
function random(seed) {
    let state = seed >>> 0;
    return () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 2 ** 32;
    };
}

test('the fallback encoder writes the bytes TextEncoder writes', () => {
    const encoder = new (codec().__wxUtf8Encoder)();
    const native = new NodeEncoder();
    const fixed = ['', 'ascii', 'é', '中文', '😀', 'a\u0000b', '\ud800', 'x\udc00y', '\ud83d', '\udfff\ud800', '\u{10ffff}'];
    const next = random(6);
    const drawn = Array.from({ length: 2000 }, () => {
        const length = Math.floor(next() * 24);
        // Code units from the whole 16-bit range, lone surrogates included.
        const pick = () => (next() < 0.5 ? Math.floor(next() * 0x80) : Math.floor(next() * 0x10000));
        return String.fromCharCode(...Array.from({ length }, pick));
    });
    for (const text of [...fixed, ...drawn]) {
        assert.deepEqual([...encoder.encode(text)], [...native.encode(text)], JSON.stringify(text));
    }
});

test('the fallback decoder reads bytes as TextDecoder does, malformed ones included', () => {
    const decoder = new (codec().__wxUtf8Decoder)('utf-8', { ignoreBOM: true });
    const native = new NodeDecoder('utf-8', { ignoreBOM: true });
    const fixed = [
        [], [0x41], [0xef, 0xbb, 0xbf, 0x41], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98], [0xe4, 0xb8, 0xad, 0xe6], [0xff, 0xfe, 0x41],
        [0xf0, 0x9f, 0x98, 0x80],
    ];
    const next = random(9);
    const drawn = Array.from({ length: 3000 }, () => {
        const length = Math.floor(next() * 16);
        return Array.from({ length }, () => (next() < 0.3 ? Math.floor(next() * 0x80) : 0x80 + Math.floor(next() * 0x80)));
    });
    for (const bytes of [...fixed, ...drawn]) {
        const view = Uint8Array.from(bytes);
        assert.equal(decoder.decode(view), native.decode(view), JSON.stringify(bytes));
    }
    assert.equal(decoder.decode(), '');
    const long = '长文本😀'.repeat(20_000);
    assert.equal(decoder.decode(new NodeEncoder().encode(long)), long);
    const inner = new NodeEncoder().encode('ab中c');
    assert.equal(decoder.decode(inner.subarray(2, 5)), '中');
});
