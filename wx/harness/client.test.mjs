// client.request in the stand-in mini-program, against a real token-server exchanging
// wx.login codes: the same guarantees as client.fetch in a browser.

import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { before, test } from 'node:test';

import { control, counters, loadMiniProgram, server } from './runtime.mjs';

let mp;
before(async () => {
    mp = await loadMiniProgram();
});

const echo = `${server}/api/echo`;
const isApi = (record) => record.url.startsWith(`${server}/api/`);
const isTokenCall = (record) => record.url.startsWith(`${server}/token?`);
const bearer = (record) => record.header.Authorization;

/** Settles every promise, failing the test if any of them is still pending after `ms`. */
async function settleAll(promises, ms = 10_000) {
    let timer;
    const late = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`a call did not settle within ${ms} ms`)), ms);
    });
    try {
        return await Promise.race([Promise.allSettled(promises), late]);
    } finally {
        clearTimeout(timer);
    }
}

test('one call after login gets a token for a fresh wx.login code and carries it', async () => {
    const user = mp.signIn('login');
    const client = mp.client(user);
    const sent = mp.watch();
    const logins = mp.fake.state.logins;

    const answer = await client.request({ url: echo });

    assert.equal(answer.statusCode, 200);
    assert.equal(answer.data.openId, user);
    assert.equal(answer.data.method, 'GET');
    const stats = await counters(user);
    assert.equal(stats.tokenCalls, 1);
    assert.equal(stats.apiRequests, 1);
    assert.equal(stats.unauthorized, 0);
    assert.equal(answer.data.tokenId, stats.tokenIds[0]);
    assert.equal(mp.fake.state.logins, logins + 1, 'one wx.login for one refresh');

    const [tokenCall, apiCall, ...rest] = sent();
    assert.equal(rest.length, 0);
    assert.match(tokenCall.url, /\/token\?code=[0-9a-f]{32}$/, 'a code, not an openId');
    assert.equal(bearer(tokenCall), undefined, 'the token request carries no token');
    const keys = mp.keys(user);
    const token = mp.fake.storage.get(keys.token);
    assert.equal(token.split('.').length, 3, 'a JWT is stored as it came');
    assert.equal(bearer(apiCall), `Bearer ${token}`);
    const expiresAt = Number(mp.fake.storage.get(keys.expiresAt));
    assert.ok(Math.abs(expiresAt - (Date.now() + 3_600_000)) < 60_000, `expiry ${expiresAt}`);
    assert.equal(client.expiresAt(), expiresAt);
});

test('five parallel calls with an expired token share one token call', async () => {
    const user = mp.signIn('five');
    const client = mp.client(user);
    const first = await client.request({ url: echo });
    // The stored expiry is what the check reads at send time: the token's time is up, as
    // after the mini-program slept in the background.
    mp.fake.storage.set(mp.keys(user).expiresAt, String(Date.now() - 1000));
    const sent = mp.watch();

    const answers = await Promise.all(Array.from({ length: 5 }, () => client.request({ url: echo })));

    const stats = await counters(user);
    assert.equal(stats.tokenCalls, 2, 'one refresh for all five');
    assert.deepEqual(answers.map((answer) => answer.statusCode), [200, 200, 200, 200, 200]);
    assert.deepEqual(answers.map((answer) => answer.data.tokenId), Array(5).fill(stats.tokenIds[1]));
    assert.equal(stats.unauthorized, 0, 'no call went out with the expired token');
    assert.equal(stats.requestsByToken[first.data.tokenId], 1);
    assert.equal(sent().filter(isTokenCall).length, 1);
    assert.equal(sent().filter(isApi).length, 5);
});

test('a revoked token gets one 401, one refresh and a replay', async () => {
    const user = mp.signIn('revoked');
    const client = mp.client(user);
    await client.request({ url: echo });
    await control('revoke', { openId: user });
    const sent = mp.watch();

    const answer = await client.request({ url: `${server}/api/profile?x=1` });

    assert.equal(answer.statusCode, 200);
    assert.equal(answer.data.ok, true);
    assert.equal(answer.data.query, 'x=1');
    const stats = await counters(user);
    assert.equal(stats.unauthorized, 1);
    assert.equal(stats.tokenCalls, 2);
    assert.equal(stats.apiRequests, 2);
    assert.deepEqual(stats.events.map((event) => event.kind), ['token', 'api', 'unauthorized', 'token', 'api']);
    assert.equal(answer.data.tokenId, stats.tokenIds[1]);

    const [rejected, refresh, replay] = sent();
    assert.equal(rejected.status, 401);
    assert.ok(isTokenCall(refresh));
    assert.equal(replay.url, `${server}/api/profile?x=1`);
    assert.notEqual(bearer(replay), bearer(rejected), 'the replay carries the new token');
    assert.equal(sent().length, 3);
});

test('a failing token endpoint rejects every call and loses the session once', async () => {
    const user = mp.signIn('failing');
    const client = mp.client(user);
    const lost = [];
    client.onSessionLost((error) => lost.push(error));
    await control('token-faults', { openId: user, count: 1, fault: { kind: 'status', status: 503 } });
    const sent = mp.watch();

    const outcomes = await settleAll(Array.from({ length: 5 }, () => client.request({ url: echo })));

    assert.deepEqual(outcomes.map((outcome) => outcome.status), Array(5).fill('rejected'));
    for (const { reason } of outcomes) {
        assert.equal(reason.name, 'TokenRefreshError');
        assert.equal(reason.reason, 'status');
        assert.equal(reason.status, 503);
    }
    assert.equal(lost.length, 1, 'one session-lost event');
    assert.equal(lost[0].reason, 'status');
    const stats = await counters(user);
    assert.equal(stats.tokenCalls, 1);
    assert.equal(stats.apiRequests + stats.unauthorized, 0, 'nothing went to the API');
    assert.equal(sent().filter(isApi).length, 0);
    assert.equal(mp.fake.storage.has(mp.keys(user).token), false);

    // The client stays usable: the next call refreshes afresh.
    const answer = await client.request({ url: echo });
    assert.equal(answer.statusCode, 200);
    assert.equal((await counters(user)).tokenCalls, 2);
    assert.equal(lost.length, 1);
});

test('a body is replayed intact: bytes, headers and method', async () => {
    const user = mp.signIn('body');
    const client = mp.client(user);
    await client.request({ url: echo });
    await control('revoke', { openId: user });
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    const sent = mp.watch();

    const options = {
        url: echo,
        method: 'POST',
        data: bytes.buffer,
        header: { 'Content-Type': 'application/octet-stream', 'X-Trace': 'abc' },
    };
    const call = client.request(options);
    // The call took its options when it was made: later changes reach neither attempt.
    Object.assign(options, { method: 'DELETE', data: 'changed', header: {} });
    const answer = await call;

    assert.equal(answer.statusCode, 200);
    assert.equal(answer.data.method, 'POST');
    assert.equal(answer.data.contentType, 'application/octet-stream');
    assert.deepEqual([...Buffer.from(answer.data.bodyBase64, 'base64')], [...bytes]);
    const [first, , replay] = sent();
    assert.equal(first.status, 401);
    assert.deepEqual(replay.body, first.body);
    assert.deepEqual({ ...replay.header, Authorization: '' }, { ...first.header, Authorization: '' });
    assert.equal(replay.header['X-Trace'], 'abc');
    assert.equal((await counters(user)).unauthorized, 1);

    // An object goes out as JSON each time, as wx.request sends it.
    await control('revoke', { openId: user });
    const note = { text: '你好, wörld 😀', n: 7 };
    const json = await client.request({ url: echo, method: 'PUT', data: note });
    assert.equal(json.data.method, 'PUT');
    assert.deepEqual(JSON.parse(json.data.body), note);
    assert.equal((await counters(user)).unauthorized, 2);
});

test('a token rejected by HTTP 200 with a business code is refreshed and the call replayed', async () => {
    const user = mp.signIn('business');
    const client = mp.client(user, {
        isAuthError: { status: 200, field: 'code', values: [401, 40001] },
    });
    await client.request({ url: echo });
    await control('api-rejection', { openId: user, status: 200, code: 40001 });
    await control('revoke', { openId: user });
    const sent = mp.watch();

    const answer = await client.request({ url: `${server}/api/profile` });

    assert.equal(answer.statusCode, 200);
    assert.equal(answer.data.ok, true, 'the replay answered');
    const stats = await counters(user);
    assert.equal(stats.tokenCalls, 2);
    assert.equal(stats.unauthorized, 1);
    const [rejected, refresh, replay] = sent();
    assert.equal(rejected.status, 200, 'the rejection came under HTTP 200');
    assert.ok(isTokenCall(refresh));
    assert.equal(replay.status, 200);

    // Without the rule, the business answer is the caller's answer.
    const other = mp.signIn('business-no-rule');
    const plain = mp.client(other);
    await plain.request({ url: echo });
    await control('api-rejection', { openId: other, status: 200, code: 40001 });
    await control('revoke', { openId: other });
    const untouched = await plain.request({ url: `${server}/api/profile` });
    assert.equal(untouched.data.code, 40001);
    assert.equal((await counters(other)).tokenCalls, 1);
});

test('other origins get the request untouched: no token, no refresh, no replay', async () => {
    const user = mp.signIn('other-origin');
    const client = mp.client(user);
    const sent = mp.watch();
    const elsewhere = `${server.replace('127.0.0.1', 'localhost')}/api/echo`;

    const answer = await client.request({ url: elsewhere, header: { 'X-Mine': '1' } });

    assert.equal(answer.statusCode, 401, 'the other origin saw no token');
    const [only, ...rest] = sent();
    assert.equal(rest.length, 0, 'a 401 from elsewhere is not replayed');
    assert.equal(bearer(only), undefined);
    assert.equal(only.header['X-Mine'], '1');
    assert.equal((await counters(user)).tokenCalls, 0, 'no token was fetched for it');
});

test('a call past timeoutMs rejects with a TimeoutError and aborts its request', async () => {
    const user = mp.signIn('timeout');
    const client = mp.client(user, { timeoutMs: 300 });
    await client.request({ url: echo });
    await control('api-delay', { openId: user, ms: 2000 });
    const sent = mp.watch();
    const started = Date.now();

    await assert.rejects(client.request({ url: echo }), { name: 'TimeoutError' });

    assert.ok(Date.now() - started < 1500, 'it did not wait for the slow answer');
    assert.equal(sent().length, 1);
    assert.equal(sent()[0].aborted, true, 'the wx.request task was aborted');
});

test('abort() rejects with an AbortError, stops the request, and is harmless once settled', async () => {
    const user = mp.signIn('abort');
    const client = mp.client(user);
    const done = client.request({ url: echo });
    await done;
    done.abort();
    await control('api-delay', { openId: user, ms: 2000 });
    const sent = mp.watch();

    const slow = client.request({ url: echo });
    setTimeout(() => slow.abort(), 100);
    await assert.rejects(slow, { name: 'AbortError' });
    assert.equal(sent()[0].aborted, true);
    slow.abort();

    const never = client.request({ url: echo });
    never.abort();
    await assert.rejects(never, { name: 'AbortError' });
    assert.equal(sent().length, 1, 'a call aborted at once sends nothing');
});

test('bad calls are refused with a TypeError, and client.fetch belongs to the web', async () => {
    const user = mp.signIn('misuse');
    const client = mp.client(user);
    await assert.rejects(client.request('https://x'), TypeError);
    await assert.rejects(client.request({ method: 'GET' }), /needs url/);
    await assert.rejects(client.request({ url: echo, success() {} }), /no success, fail or complete/);
    await assert.rejects(client.request({ url: echo, header: 'x' }), /header must be an object/);
    await assert.rejects(client.fetch(echo), (error) => {
        assert.equal(error.name, 'TokenClientOptionsError');
        assert.equal(error.field, 'transport');
        return true;
    });
    assert.equal((await counters(user)).tokenCalls, 0);
});

test('broken storage warns once and the token lives in memory', async () => {
    const user = mp.signIn('storage');
    const warnings = [];
    mp.fake.state.storageBroken = true;
    try {
        const client = mp.client(user, { onWarning: (warning) => warnings.push(warning) });
        const first = await client.request({ url: echo });
        const second = await client.request({ url: echo });
        assert.equal(first.statusCode, 200);
        assert.equal(second.data.tokenId, first.data.tokenId, 'the token was kept in memory');
        assert.equal(warnings.length, 1);
        assert.equal(warnings[0].name, 'StorageUnavailableWarning');
        assert.equal((await counters(user)).tokenCalls, 1);
    } finally {
        mp.fake.state.storageBroken = false;
    }
});

test('storage keys outside ASCII survive the fallback text codec both ways', async () => {
    assert.equal(typeof TextEncoder, 'undefined');
    assert.equal(typeof TextDecoder, 'undefined');
    const user = mp.signIn('codec');
    const storageKeys = { token: `令牌-😀-${user}`, expiresAt: `到期-é-${user}` };
    const client = mp.client(user, { storageKeys });

    const answer = await client.request({ url: echo });

    assert.equal(answer.statusCode, 200);
    assert.equal(mp.fake.storage.get(storageKeys.token).split('.').length, 3);
    assert.ok(Number(mp.fake.storage.get(storageKeys.expiresAt)) > Date.now());
});
