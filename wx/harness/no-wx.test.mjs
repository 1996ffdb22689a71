// A host without the global wx: the 'wx' transport says so at construction.
//
// A file of its own, since the glue reads `wx` once, at the first client it makes.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { WASM_PATH, loadGlue, server } from './runtime.mjs';

test('the wx transport needs the global wx', async () => {
    const { glue } = await loadGlue();
    delete globalThis.wx;
    await glue.default(WASM_PATH);

    assert.throws(
        () => new glue.TokenClient({ transport: 'wx', tokenUrl: `${server}/token`, openId: 'u' }),
        (error) => {
            assert.equal(error.name, 'TokenClientOptionsError');
            assert.equal(error.field, 'transport');
            assert.match(error.message, /no global wx/);
            return true;
        },
    );
});
