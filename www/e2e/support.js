// What the end-to-end tests and the headless demo share: the browser, the server's controls,
// and the page's controls as a person uses them (by role and label).
import { chromium } from 'playwright-core';

/** The token-server serving the built page and the API, started by `cargo xtask`. */
export function serverUrl() {
  const url = process.env.TOKEN_SERVER_URL;
  if (!url) {
    throw new Error(
      'TOKEN_SERVER_URL is not set: start token-server with --test-controls --static-dir <built www> ' +
        'and pass its address (cargo xtask test does this)',
    );
  }
  return url.replace(/\/$/, '');
}

/** The system Chromium, headless; Playwright's own browser downloads are not reachable here. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Chromium runs as root on these machines, so without its sandbox.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** An openId no other test uses, so the server's counters for it are this test's own. */
export function uniqueOpenId(name) {
  return `${name}-${process.pid}-${Date.now().toString(36)}`;
}

/** `POST /__control/<name>` with a JSON body; resolves with the server's answer. */
export async function control(name, body = {}) {
  const response = await fetch(`${serverUrl()}/__control/${name}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    throw new Error(`control ${name} failed: ${JSON.stringify(answer)}`);
  }
  return answer;
}

/** What the server saw for `openId` (or for everyone, without one). */
export async function counters(openId) {
  const query = openId ? `?openId=${encodeURIComponent(openId)}` : '';
  const response = await fetch(`${serverUrl()}/__control/counters${query}`);
  return response.json();
}

/** A fresh context and page on the demo, ready once the wasm module has loaded. */
export async function openDemo(browser, { context } = {}) {
  const ctx = context ?? (await browser.newContext({ viewport: { width: 1000, height: 900 } }));
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${serverUrl()}/`);
  await page.getByRole('region', { name: 'Session' }).waitFor();
  return { context: ctx, page, errors };
}

/** Logs in through the form; resolves with the result once the first token is in (or not). */
export async function logIn(page, openId) {
  await page.getByLabel('openId').fill(openId);
  return press(page, 'Log in');
}

/** Presses `button` and waits for the result of what it started. */
export async function press(page, button) {
  const result = page.getByRole('region', { name: 'Result' });
  const before = Number(await result.getAttribute('data-finished'));
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.locator(`[aria-label="Result"][data-finished="${before + 1}"]`).waitFor();
  return {
    title: (await result.getByRole('heading').textContent()).trim(),
    summary: (await result.locator('[data-result-summary]').textContent()).trim(),
  };
}

/** The JSON the result panel shows, parsed. */
export async function resultBody(page) {
  const text = await page
    .getByRole('region', { name: 'Result' })
    .locator('[data-result-body]')
    .textContent();
  return JSON.parse(text);
}

/** The token status line's state: `none`, `fresh`, `due` or `expired`. */
export function tokenState(page) {
  return page.getByRole('status').getAttribute('data-state');
}

/** Waits until the status line shows `state`. */
export async function waitForTokenState(page, state, timeout = 15_000) {
  await page.locator(`[role="status"][data-state="${state}"]`).waitFor({ timeout });
}

/** The page's own count line: `token calls: N, 401s: N, replays: N, failed: N`. */
export async function pageSummary(page) {
  return (await page.locator('[data-summary]').textContent()).trim();
}
