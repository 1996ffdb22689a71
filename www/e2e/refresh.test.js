// Renewal before expiry, a token the server dropped early, and many calls at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  control,
  counters,
  launchChromium,
  logIn,
  openDemo,
  pageSummary,
  press,
  resultBody,
  tokenState,
  uniqueOpenId,
  waitForTokenState,
} from './support.js';

let browser;
before(async () => {
  browser = await launchChromium();
});
after(() => browser?.close());

/** A page logged in as a new openId whose first token has arrived through one load. */
async function loggedIn(name, { lifetimeSeconds } = {}) {
  const openId = uniqueOpenId(name);
  if (lifetimeSeconds) {
    await control('lifetime', { openId, reportedSeconds: lifetimeSeconds });
  }
  const demo = await openDemo(browser);
  await logIn(demo.page, openId);
  await press(demo.page, 'Load profile');
  const [first] = (await counters(openId)).tokenIds;
  return { ...demo, openId, first };
}

const kinds = (seen) => seen.events.map((event) => `${event.kind} ${event.tokenId}`);

test('inside the leeway the next load fetches a new token first, and the server sends no 401', async () => {
  // A 6 s token: the page's 20 s leeway is cut to half its life, so renewal starts after 3 s
  // while the server still accepts the old token for 3 s more.
  const { context, page, errors, openId, first } = await loggedIn('leeway', { lifetimeSeconds: 6 });

  await waitForTokenState(page, 'due', 10_000);
  const expiresAt = Number(await page.evaluate(() => sessionStorage.getItem('tokenExpiresAt')));
  assert.ok(Date.now() < expiresAt - 1000, 'the old token is still valid when the load starts');
  const { summary } = await press(page, 'Load profile');

  const seen = await counters(openId);
  assert.equal(seen.tokenCalls, 2);
  assert.equal(seen.unauthorized, 0);
  const second = seen.tokenIds[1];
  assert.notEqual(second, first);
  assert.deepEqual(kinds(seen), [
    `token ${first}`,
    `api ${first}`,
    `token ${second}`,
    `api ${second}`,
  ]);
  assert.equal(summary, `Loaded with token ${second}.`);
  assert.equal(await pageSummary(page), 'token calls: 2, 401s: 0, replays: 0, failed: 0');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a token revoked early gets one 401, one refresh and a replay, and axios resolves with the data', async () => {
  const { context, page, errors, openId, first } = await loggedIn('revoked');
  assert.equal(await tokenState(page), 'fresh', 'the client believes its token valid');

  await press(page, 'Revoke every token');
  const { summary } = await press(page, 'Load profile');

  const seen = await counters(openId);
  assert.equal(seen.tokenCalls, 2);
  assert.equal(seen.unauthorized, 1);
  const second = seen.tokenIds[1];
  assert.deepEqual(kinds(seen), [
    `token ${first}`,
    `api ${first}`,
    `unauthorized ${first}`,
    `token ${second}`,
    `api ${second}`,
  ]);
  assert.equal(summary, `Loaded with token ${second}.`);
  const profile = await resultBody(page);
  assert.deepEqual([profile.ok, profile.path, profile.openId], [true, '/api/profile', openId]);
  assert.equal(await page.getByRole('alert').count(), 0, 'the page shows no error');
  assert.equal(await pageSummary(page), 'token calls: 2, 401s: 1, replays: 1, failed: 0');
  assert.deepEqual(errors, []);
  await context.close();
});

test('20 loads at once on an expired token make one token call and all succeed', async () => {
  const { context, page, errors, openId, first } = await loggedIn('expired', {
    lifetimeSeconds: 2,
  });

  await waitForTokenState(page, 'expired', 5000);
  const { summary } = await press(page, 'Load 20 at once');

  const seen = await counters(openId);
  assert.equal(seen.tokenCalls, 2);
  assert.equal(seen.unauthorized, 0);
  const second = seen.tokenIds[1];
  assert.deepEqual(seen.requestsByToken, { [first]: 1, [second]: 20 });
  assert.deepEqual(kinds(seen), [
    `token ${first}`,
    `api ${first}`,
    `token ${second}`,
    ...Array(20).fill(`api ${second}`),
  ]);
  assert.equal(summary, `20 of 20 loaded; with token ${second}.`);
  assert.equal(await pageSummary(page), 'token calls: 2, 401s: 0, replays: 0, failed: 0');
  assert.deepEqual(errors, []);
  await context.close();
});

test('20 loads at once on a revoked token: 20 401s, one token call, 20 replays that succeed', async () => {
  const { context, page, errors, openId, first } = await loggedIn('revoked-many');

  await press(page, 'Revoke every token');
  const { summary } = await press(page, 'Load 20 at once');

  const seen = await counters(openId);
  assert.equal(seen.tokenCalls, 2);
  assert.equal(seen.unauthorized, 20);
  const second = seen.tokenIds[1];
  assert.deepEqual(seen.requestsByToken, { [first]: 1, [second]: 20 });
  assert.equal(summary, `20 of 20 loaded; with token ${second}.`);
  assert.equal(await page.getByRole('alert').count(), 0);
  assert.equal(await pageSummary(page), 'token calls: 2, 401s: 20, replays: 20, failed: 0');
  assert.deepEqual(errors, []);
  await context.close();
});
