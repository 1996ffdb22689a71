// `cargo xtask demo --headless`: the demo's scenario in headless Chromium, against the
// token-server at TOKEN_SERVER_URL. Prints the timeline and its counts, saves a screenshot to
// the path given as the first argument, and exits non-zero if any request failed or the page's
// counts disagree with the server's.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  counters,
  launchChromium,
  logIn,
  openDemo,
  press,
  waitForTokenState,
} from '../e2e/support.js';

const screenshot = process.argv[2];
if (!screenshot) {
  console.error('usage: node scripts/headless-demo.js <screenshot.png>');
  process.exit(2);
}

/** Between steps, so that each one is a burst of its own on the chart, as a person's clicks are. */
const PAUSE_MS = 600;

const browser = await launchChromium();
let failed = true;
try {
  const { page, errors } = await openDemo(browser);
  const step = async (name, action) => {
    const { summary } = await action();
    console.log(`${name.padEnd(24)} ${summary}`);
    await sleep(PAUSE_MS);
  };

  await step('log in', () => logIn(page, 'demo-user'));
  await step('load', () => press(page, 'Load profile'));
  await step('20 loads at once', () => press(page, 'Load 20 at once'));
  await step('POST the form', () => press(page, 'Send as JSON'));
  await step('revoke every token', () => press(page, 'Revoke every token'));
  await step('load', () => press(page, 'Load profile'));
  const expiresAt = Number(await page.getByRole('status').getAttribute('data-expires-at'));
  const started = Date.now();
  await waitForTokenState(page, 'due', Math.max(expiresAt - started, 0) + 5000);
  console.log(
    `${'wait'.padEnd(24)} ${Math.round((Date.now() - started) / 1000)} s, until the token is inside its leeway`,
  );
  await step('load', () => press(page, 'Load profile'));

  const text = await page.locator('[data-timeline-text]').textContent();
  const summary = (await page.locator('[data-summary]').textContent()).trim();
  console.log(`\n${text}\n`);
  console.log(summary);

  await mkdir(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);

  // The page counts what it saw; the server counts what it got. They must agree.
  const server = await counters();
  const [, tokenCalls, unauthorized, , failures] =
    /token calls: (\d+), 401s: (\d+), replays: (\d+), failed: (\d+)/.exec(summary).map(Number);
  const problems = [];
  if (tokenCalls !== server.tokenCalls)
    problems.push(`the server saw ${server.tokenCalls} token calls`);
  if (unauthorized !== server.unauthorized)
    problems.push(`the server sent ${server.unauthorized} 401s`);
  if (errors.length) problems.push(`the page threw: ${errors.map(String).join('; ')}`);
  for (const problem of problems) console.error(`error: ${problem}, the page says otherwise`);
  failed = failures > 0 || problems.length > 0;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
