// The options of a mini-program client, checked at construction without URL, which a
// mini-program does not have.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { counters, loadMiniProgram, server } from './runtime.mjs';

let mp;
before(async () => {
    mp = await loadMiniProgram();
});

/** The TokenClientOptionsError that `options` (on top of working ones) is refused with. */
function refused(options) {
    const base = {
        transport: 'wx',
        tokenUrl: `${server}/token`,
        credential: { param: 'code', value: mp.wxLoginCode },
    };
    try {
        new mp.TokenClient({ ...base, ...options });
    } catch (error) {
        assert.equal(error.name, 'TokenClientOptionsError');
        return error;
    }
    assert.fail(`accepted ${JSON.stringify(options)}`);
}

test('the token endpoint must be an absolute http(s) URL: there is no page to resolve a path against', () => {
    const error = refused({ tokenUrl: '/token' });
    assert.equal(error.field, 'tokenUrl');
    assert.match(error.message, /no page origin/);
    assert.equal(refused({ tokenUrl: 'ftp://example.com/token' }).field, 'tokenUrl');
});

test('apiOrigins entries are read without URL and must be bare origins', () => {
    const withPath = refused({ apiOrigins: [server, 'https://api.example.com/v1'] });
    assert.equal(withPath.field, 'apiOrigins[1]');
    assert.match(withPath.message, /without a path/);
    const notHttp = refused({ apiOrigins: ['wss://api.example.com'] });
    assert.equal(notHttp.field, 'apiOrigins[0]');
    assert.equal(refused({ apiOrigins: [] }).field, 'apiOrigins');
});

test('an origin written in capitals with its default port still gets the token', async () => {
    const user = mp.signIn('origin-case');
    const loud = `${server.replace('http://', 'HTTP://')}/`;
    const client = mp.client(user, { apiOrigins: [loud, 'https://API.example.com:443'] });

    const answer = await client.request({ url: `${server}/api/echo` });

    assert.equal(answer.statusCode, 200);
    assert.equal(answer.data.openId, user);
    assert.equal((await counters(user)).tokenCalls, 1);
});

test('credential and isAuthError are checked as in the browser', () => {
    assert.equal(refused({ credential: { param: 'code' } }).field, 'credential.value');
    assert.equal(refused({ openId: 'u' }).field, 'credential');
    assert.equal(refused({ isAuthError: { field: 'code', values: [] } }).field, 'isAuthError.values');
});

test('an openId credential still works, sent as ?openId=, which this server refuses', async () => {
    const user = mp.signIn('open-id');
    const client = new mp.TokenClient({
        transport: 'wx',
        tokenUrl: `${server}/token`,
        openId: () => user,
        storageKeys: mp.keys(user),
    });
    const watch = mp.watch();

    // A code-exchange server issues no token for a bare openId: that is the point of it.
    await assert.rejects(client.token(), { name: 'TokenRefreshError', reason: 'code', code: -1 });
    assert.equal(watch()[0].url, `${server}/token?openId=${encodeURIComponent(user)}`);
});
