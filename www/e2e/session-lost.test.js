// The token endpoint refusing: every waiting call fails once, the page asks for a login once.
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
  tokenState,
  uniqueOpenId,
  waitForTokenState,
} from './support.js';

let browser;
before(async () => {
  browser = await launchChromium();
});
after(() => browser?.close());

test('a refused refresh fails all 20 calls with the library error, asks once for a login, and a new login works', async () => {
  const openId = uniqueOpenId('lost');
  await control('lifetime', { openId, reportedSeconds: 2 });
  const { context, page, errors } = await openDemo(browser);
  await logIn(page, openId);
  await press(page, 'Load profile');
  await waitForTokenState(page, 'expired', 5000);

  await control('token-faults', { openId, fault: { kind: 'code', code: -1 } });
  const { summary } = await press(page, 'Load 20 at once');

  assert.equal(summary, '0 of 20 loaded; 20 ended with TokenRefreshError (code).');
  const alerts = page.getByRole('alert');
  assert.equal(await alerts.count(), 1);
  assert.equal((await alerts.textContent()).trim(), 'Your session has ended. Please log in again.');
  assert.equal(await page.getByText(/please log in again/i).count(), 1);
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  assert.equal(await tokenState(page), 'none');
  const stored = await page.evaluate(() =>
    ['openId', 'token', 'tokenExpiresAt'].map((key) => sessionStorage.getItem(key)),
  );
  assert.deepEqual(stored, [null, null, null]);
  const seen = await counters(openId);
  assert.equal(seen.tokenCalls, 2);
  assert.equal(seen.tokensIssued, 1);
  assert.equal(seen.apiRequests, 1, 'none of the 20 was sent');
  assert.equal(await pageSummary(page), 'token calls: 2, 401s: 0, replays: 0, failed: 20');

  await control('lifetime', { openId, reportedSeconds: 3600 });
  await logIn(page, openId);
  assert.equal(await page.getByRole('alert').count(), 0);
  const again = await press(page, 'Load profile');

  const after = await counters(openId);
  assert.equal(after.tokenCalls, 3);
  assert.equal(after.tokensIssued, 2);
  assert.equal(again.summary, `Loaded with token ${after.tokenIds[1]}.`);
  assert.equal(await page.getByRole('alert').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
