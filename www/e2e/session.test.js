// Logging in, the first token, and where the session lives (sessionStorage).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  counters,
  launchChromium,
  logIn,
  openDemo,
  pageSummary,
  press,
  resultBody,
  tokenState,
  uniqueOpenId,
} from './support.js';

let browser;
before(async () => {
  browser = await launchChromium();
});
after(() => browser?.close());

test('after login, a protected load carries the token after exactly one token call', async () => {
  const openId = uniqueOpenId('login');
  const { context, page, errors } = await openDemo(browser);

  await logIn(page, openId);
  assert.equal(await tokenState(page), 'none');
  assert.equal((await counters(openId)).tokenCalls, 0, 'logging in sends nothing yet');

  const { summary } = await press(page, 'Load profile');

  const seen = await counters(openId);
  assert.equal(seen.tokenCalls, 1);
  assert.equal(seen.unauthorized, 0);
  const [token] = seen.tokenIds;
  assert.deepEqual(seen.requestsByToken, { [token]: 1 });
  assert.deepEqual(
    seen.events.map((event) => [event.kind, event.path, event.tokenId]),
    [
      ['token', '/token', token],
      ['api', '/api/profile', token],
    ],
  );
  const profile = await resultBody(page);
  assert.equal(profile.tokenId, token);
  assert.equal(profile.openId, openId);
  assert.equal(summary, `Loaded with token ${token}.`);
  assert.equal(await tokenState(page), 'fresh');
  assert.equal(await pageSummary(page), 'token calls: 1, 401s: 0, replays: 0, failed: 0');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a reload keeps the session, and a new browser context starts without one', async () => {
  const openId = uniqueOpenId('reload');
  const { context, page, errors } = await openDemo(browser);
  await logIn(page, openId);
  await press(page, 'Load profile');
  const [token] = (await counters(openId)).tokenIds;

  await page.reload();
  await page.getByText(`Logged in as ${openId}`).waitFor();
  assert.equal(await tokenState(page), 'fresh');
  const { summary } = await press(page, 'Load profile');

  assert.equal(summary, `Loaded with token ${token}.`);
  const seen = await counters(openId);
  assert.equal(seen.tokenCalls, 1, 'the reloaded page used the stored token');
  assert.deepEqual(seen.requestsByToken, { [token]: 2 });

  const fresh = await openDemo(browser);
  await fresh.page.getByRole('button', { name: 'Log in' }).waitFor();
  assert.equal(await tokenState(fresh.page), 'none');
  assert.equal(await fresh.page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await fresh.page.getByRole('button', { name: 'Load profile' }).isDisabled(), true);
  assert.equal((await counters(openId)).tokenCalls, 1);

  assert.deepEqual(errors, []);
  assert.deepEqual(fresh.errors, []);
  await fresh.context.close();
  await context.close();
});
