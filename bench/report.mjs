// The benchmark's table and chart, from the numbers run.mjs collected.

/** The goals, reported, never asserted. */
export const GOALS = {
  ratio: 1.03,
  gzipBytes: 20 * 1024,
  startupMs: 10,
};

const ms = (value) => value.toFixed(value < 10 ? 3 : 1);
const kb = (bytes) => (bytes / 1024).toFixed(1);
const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (head, rows) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

/** The markdown report: one table per workload, then the goals met or missed. */
export function render(results) {
  const { w1, w2, w3, size, w5, w6, plan } = results;
  const parts = [];
  parts.push(
    `Chromium ${results.chromium} headless, token-server (release) on 127.0.0.1, ` +
      `${results.machine}; load average ${results.load.map((l) => l.toFixed(1)).join(' → ')} ` +
      '(start → end)' +
      (results.quick ? '; QUICK RUN, too short to quote' : ''),
  );

  parts.push(`### 1. Sequential GETs with a valid token (${w1[0].requests} per system)`);
  parts.push(
    table(
      ['system', 'per request, ms', 'p95, ms', 'ratio to raw fetch'],
      w1.map((r) => [r.system, ms(r.medianMs), ms(r.p95Ms), r.ratio.toFixed(3)]),
    ),
  );
  parts.push(
    `Per request: the median over ${plan.rounds} rounds of the median ${plan.batch}-request ` +
      'batch mean (the page clock is coarsened to 0.1 ms, so single requests are only good ' +
      'for p95); ratio: the same, each round against that round\'s raw fetch.',
  );

  const burstTable = (title, list) => [
    title,
    table(
      ['system', 'token calls', '401s', 'replays', 'failures', 'all settled, ms'],
      list.map((r) => [
        r.system,
        r.tokenCallsMax === r.tokenCalls ? `${r.tokenCalls}` : `${r.tokenCalls} (max ${r.tokenCallsMax})`,
        `${r.unauthorized}`,
        `${r.replays}`,
        `${r.failures}`,
        ms(r.ms),
      ]),
    ),
  ];
  parts.push(...burstTable(`### 2. ${w2[0].count} concurrent GETs as the token expires`, w2));
  parts.push(...burstTable(`### 3. ${w3[0].count} GETs in flight when every token is revoked`, w3));
  parts.push(
    `Medians over ${w2[0].runs} bursts per system (failures: the most in any burst). Raw fetch ` +
      'has no refresh and takes no part. 401s: requests the server turned away; replays: ' +
      'requests it saw beyond one each. In workload 3 the server holds the first six requests ' +
      '600 ms before checking their token, so that the revocation lands while all are pending; ' +
      'that hold is part of every time.',
  );

  parts.push('### 4. What a page loads, bytes');
  parts.push(
    table(
      ['what', 'raw', 'gzip -9', 'brotli 11'],
      size.map((r) => [r.what, `${r.raw}`, `${r.gzip}`, `${r.brotli}`]),
    ),
  );

  parts.push(`### 5. Start-up: import to ready, fresh context each time (${w5[0].samples} samples)`);
  parts.push(table(['system', 'median, ms'], w5.map((r) => [r.system, ms(r.medianMs)])));

  const first = w6[0];
  const last = w6[w6.length - 1];
  parts.push(`### 6. Memory after workload 1 (2000 GETs with token-fetch), repeated ${w6.length} times`);
  parts.push(
    table(
      ['after repeat', 'wasm memory, 64 KiB pages', 'JS heap after GC, KiB'],
      w6.map((s) => [`${s.repeat}`, `${s.wasmPages}`, kb(s.heapBytes)]),
    ),
  );

  const tf = (list) => list.find((r) => r.system === 'token-fetch');
  const peers = w1.filter((r) => r.system !== 'raw fetch' && r.system !== 'token-fetch');
  const fastest = peers.reduce((a, b) => (a.medianMs <= b.medianMs ? a : b));
  const total = size[0];
  const heapGrowth = (last.heapBytes - first.heapBytes) / first.heapBytes;
  const goals = [
    [
      'per request within 3% of raw fetch',
      tf(w1).ratio <= GOALS.ratio,
      `ratio ${tf(w1).ratio.toFixed(3)}`,
    ],
    [
      'no slower than the fastest peer',
      tf(w1).medianMs <= fastest.medianMs,
      `${ms(tf(w1).medianMs)} ms against ${fastest.system} ${ms(fastest.medianMs)} ms`,
    ],
    [
      'one token call, no failures, when the token expires',
      tf(w2).tokenCallsMax === 1 && tf(w2).failures === 0,
      `${tf(w2).tokenCallsMax} token call(s), ${tf(w2).failures} failures`,
    ],
    [
      'one token call, no failures, when tokens are revoked',
      tf(w3).tokenCallsMax === 1 && tf(w3).failures === 0,
      `${tf(w3).tokenCallsMax} token call(s), ${tf(w3).failures} failures`,
    ],
    [
      '.wasm + glue at most 20 KB gzip',
      total.gzip <= GOALS.gzipBytes,
      `${kb(total.gzip)} KiB (${total.gzip} bytes)`,
    ],
    ['start-up at most 10 ms', tf(w5).medianMs <= GOALS.startupMs, `${ms(tf(w5).medianMs)} ms`],
    [
      'no memory growth over the repeats',
      last.wasmPages === first.wasmPages && heapGrowth <= 0.05,
      `wasm ${first.wasmPages} → ${last.wasmPages} pages; JS heap ${kb(first.heapBytes)} → ` +
        `${kb(last.heapBytes)} KiB (${(heapGrowth * 100).toFixed(1)}%; 5% counts as noise)`,
    ],
  ];
  parts.push('### Goals');
  parts.push(
    table(
      ['goal', 'met', 'measured'],
      goals.map(([goal, met, measured]) => [goal, met ? 'yes' : '**no**', measured]),
    ),
  );
  return `${parts.join('\n\n')}\n`;
}

const escape = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A bar chart per timed workload, one bar per system, as SVG. */
export function chart(results) {
  const panels = [
    { title: 'Workload 1: ms per request (p95 as a tick)', rows: results.w1, value: (r) => r.medianMs, tick: (r) => r.p95Ms },
    { title: `Workload 2: ms until ${results.w2[0].count} GETs settled`, rows: results.w2, value: (r) => r.ms },
    { title: `Workload 3: ms until ${results.w3[0].count} GETs settled`, rows: results.w3, value: (r) => r.ms },
    { title: 'Workload 4: gzip KiB a page loads', rows: sizeRows(results.size), value: (r) => r.gzip / 1024 },
  ];
  const width = 720;
  const label = 200;
  const bar = 18;
  const gap = 6;
  let y = 10;
  const parts = [];
  for (const panel of panels) {
    parts.push(`<text x="10" y="${y + 14}" font-weight="bold">${escape(panel.title)}</text>`);
    y += 26;
    const max = Math.max(...panel.rows.map((r) => Math.max(panel.value(r), panel.tick ? panel.tick(r) : 0)));
    const scale = (width - label - 90) / (max || 1);
    for (const r of panel.rows) {
      const value = panel.value(r);
      const w = Math.max(1, value * scale);
      const fill = r.system === 'token-fetch' || String(r.system).startsWith('token-fetch') ? '#d9480f' : '#4c6ef5';
      parts.push(`<text x="${label - 8}" y="${y + 13}" text-anchor="end">${escape(r.system)}</text>`);
      parts.push(`<rect x="${label}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${fill}"/>`);
      if (panel.tick) {
        const x = label + panel.tick(r) * scale;
        parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${y}" y2="${y + bar}" stroke="#000"/>`);
      }
      parts.push(`<text x="${label + w + 6}" y="${y + 13}">${value.toFixed(value < 10 ? 2 : 0)}</text>`);
      y += bar + gap;
    }
    y += 14;
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" ` +
    `font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="#fff"/>\n` +
    `${parts.join('\n')}\n</svg>\n`
  );
}

/** The size rows as systems: token-fetch whole, and each peer as a page loads it. */
function sizeRows(size) {
  const find = (prefix) => size.find((r) => r.what.startsWith(prefix));
  const axios = size.find((r) => r.what === 'axios');
  const plugin = find('axios-auth-refresh');
  return [
    { system: 'token-fetch', gzip: find('token-fetch: .wasm + JS glue').gzip },
    { system: 'axios + axios-auth-refresh', gzip: axios.gzip + plugin.gzip },
    { system: 'axios-auth-refresh alone', gzip: plugin.gzip },
    { system: 'ky', gzip: find('ky').gzip },
    { system: 'refresh-fetch', gzip: find('refresh-fetch').gzip },
  ];
}
