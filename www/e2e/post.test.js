// A JSON POST whose token is rejected goes out again with the same body.
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
  uniqueOpenId,
} from './support.js';

let browser;
before(async () => {
  browser = await launchChromium();
});
after(() => browser?.close());

test('a POST rejected with 401 is replayed with its JSON body intact', async () => {
  const openId = uniqueOpenId('post');
  const form = { name: 'Zoë "Z" Ångström', message: 'quotes ", braces {}, 中文 and ✓' };
  const { context, page, errors } = await openDemo(browser);
  await logIn(page, openId);
  await page.getByLabel('Name').fill(form.name);
  await page.getByLabel('Message').fill(form.message);

  await press(page, 'Send as JSON');
  const direct = await resultBody(page);
  await press(page, 'Revoke every token');
  const { summary } = await press(page, 'Send as JSON');
  const replayed = await resultBody(page);

  const seen = await counters(openId);
  const [first, second] = seen.tokenIds;
  assert.equal(seen.tokenCalls, 2);
  assert.equal(seen.unauthorized, 1);
  assert.deepEqual(
    seen.events.map((event) => `${event.kind} ${event.method} ${event.path} ${event.tokenId}`),
    [
      `token GET /token ${first}`,
      `api POST /api/echo ${first}`,
      `unauthorized POST /api/echo ${first}`,
      `token GET /token ${second}`,
      `api POST /api/echo ${second}`,
    ],
  );
  assert.equal(summary, `The server received this POST (token ${second}):`);
  assert.equal(replayed.method, 'POST');
  assert.equal(replayed.contentType, 'application/json');
  assert.equal(replayed.tokenId, second);
  assert.deepEqual(JSON.parse(replayed.body), form);
  assert.equal(replayed.body, direct.body, 'the replay sent the very bytes of a first send');
  assert.equal(await pageSummary(page), 'token calls: 2, 401s: 1, replays: 1, failed: 0');
  assert.deepEqual(errors, []);
  await context.close();
});
