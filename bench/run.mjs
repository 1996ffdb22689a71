// The benchmark runner that `cargo xtask bench` starts: builds the page and the peer bundles,
// measures their sizes, drives the page in headless Chromium against the token-server the task
// started, and writes the table (results.md), the chart (chart.svg) and the raw numbers
// (results.json) to BENCH_OUT.
//
// Environment: BENCH_SERVER (the server's origin), BENCH_SITE (the folder it serves),
// BENCH_PKG (wasm-pack's web build), BENCH_OUT, BENCH_QUICK=1 for a short smoke run.

import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { render, chart } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the benchmark with cargo xtask bench`);
  return value;
};
const server = env('BENCH_SERVER');
const site = env('BENCH_SITE');
const pkg = env('BENCH_PKG');
const out = env('BENCH_OUT');
const quick = process.env.BENCH_QUICK === '1';

/** Repetitions of each timed workload; medians are quoted over them. */
const plan = quick
  ? { rounds: 1, batches: 2, batch: 100, bursts: 1, startups: 3, memoryRepeats: 2 }
  : { rounds: 3, batches: 10, batch: 200, bursts: 3, startups: 10, memoryRepeats: 10 };

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run',
];

const PEERS = ['axios-with-auth-refresh', 'ky', 'refresh-fetch'];

// ---- the site ---------------------------------------------------------------------------

async function buildSite() {
  rmSync(site, { recursive: true, force: true });
  mkdirSync(join(site, 'peers'), { recursive: true });
  cpSync(join(here, 'src/index.html'), join(site, 'index.html'));
  cpSync(pkg, join(site, 'pkg'), { recursive: true });
  await esbuild.build({
    entryPoints: [join(here, 'src/page.js')],
    outfile: join(site, 'bench.js'),
    bundle: true,
    format: 'esm',
    external: ['./pkg/*', './peers/*'],
    logLevel: 'warning',
  });
  for (const peer of PEERS) {
    await esbuild.build({
      entryPoints: [join(here, 'entries', `${peer}.js`)],
      outfile: join(site, 'peers', `${peer}.js`),
      ...shipped,
    });
  }
}

/** How a page would ship a library: bundled with its dependencies, minified, for browsers. */
const shipped = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
};

// ---- workload 4: size -------------------------------------------------------------------

function compressed(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

async function bundled(entry, external = []) {
  const result = await esbuild.build({
    entryPoints: [join(here, 'entries', entry)],
    write: false,
    external,
    ...shipped,
  });
  return Buffer.from(result.outputFiles[0].contents);
}

async function sizes() {
  const wasm = readFileSync(join(pkg, 'token_fetch_bg.wasm'));
  const glue = readFileSync(join(pkg, 'token_fetch.js'));
  const glueMin = Buffer.from((await esbuild.transform(glue, { minify: true, format: 'esm' })).code);
  const sum = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
  const rows = [
    { what: 'token-fetch: .wasm + JS glue', ...sum(compressed(wasm), compressed(glue)) },
    { what: 'token-fetch: .wasm', ...compressed(wasm) },
    { what: 'token-fetch: JS glue as wasm-pack writes it', ...compressed(glue) },
    { what: 'token-fetch: JS glue minified', ...compressed(glueMin) },
    { what: 'axios-auth-refresh (without axios)', ...compressed(await bundled('axios-auth-refresh.js', ['axios'])) },
    { what: 'axios', ...compressed(await bundled('axios.js')) },
    { what: 'ky', ...compressed(await bundled('ky.js')) },
    { what: 'refresh-fetch (with lodash/merge)', ...compressed(await bundled('refresh-fetch.js')) },
  ];
  return rows;
}

// ---- the page ---------------------------------------------------------------------------

let serial = 0;
/** An openId no other run has used, so the server's counters are this run's own. */
const openId = (what) => `bench-${what}-${process.pid}-${++serial}`;

async function openPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
  await page.goto(`${server}/`);
  await page.waitForFunction(() => window.bench !== undefined);
  return { context, page };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
/** The systems in an order that moves by one each round, so drift hits all alike. */
const rotated = (list, round) => list.map((_, i) => list[(i + round) % list.length]);

/** Workload 1: sequential GETs in batches, the systems taking turns batch by batch. */
async function sequential(page, systems) {
  const perRound = Object.fromEntries(systems.map((name) => [name, []]));
  for (let round = 0; round < plan.rounds; round++) {
    const ids = {};
    for (const name of systems) {
      ids[name] = openId('seq');
      await page.evaluate(([n, id]) => window.bench.create(n, id), [name, ids[name]]);
    }
    const batchMeans = Object.fromEntries(systems.map((name) => [name, []]));
    const times = Object.fromEntries(systems.map((name) => [name, []]));
    for (let batch = 0; batch < plan.batches; batch++) {
      for (const name of rotated(systems, round + batch)) {
        const got = await page.evaluate(
          ([id, count]) => window.bench.sequential(id, count),
          [ids[name], plan.batch],
        );
        // performance.now() is coarsened to 0.1 ms in a page that is not cross-origin
        // isolated, so the typical time comes from whole batches; single requests give p95.
        batchMeans[name].push(got.reduce((a, b) => a + b, 0) / got.length);
        times[name].push(...got);
      }
    }
    for (const name of systems) {
      await page.evaluate((id) => window.bench.forget(id), ids[name]);
      perRound[name].push({ typical: median(batchMeans[name]), p95: percentile(times[name], 95) });
    }
  }
  return systems.map((name) => {
    const rounds = perRound[name];
    const ratios = rounds.map((r, i) => r.typical / perRound[systems[0]][i].typical);
    return {
      system: name,
      medianMs: median(rounds.map((r) => r.typical)),
      p95Ms: median(rounds.map((r) => r.p95)),
      ratio: median(ratios),
      requests: plan.rounds * plan.batches * plan.batch,
    };
  });
}

/** Workloads 2 and 3: one burst per system per round, the systems taking turns. */
async function bursts(page, systems, kind, count) {
  const runs = Object.fromEntries(systems.map((name) => [name, []]));
  const other = server.replace('127.0.0.1', 'localhost');
  for (let round = 0; round < plan.bursts; round++) {
    for (const name of rotated(systems, round)) {
      const id = openId(kind);
      const result = await page.evaluate(
        ([kind, n, id, count, other]) =>
          kind === 'expiry'
            ? window.bench.expiry(n, id, count)
            : window.bench.revocation(n, id, count, other),
        [kind, name, id, count, other],
      );
      runs[name].push(result);
    }
  }
  return systems.map((name) => {
    const list = runs[name];
    const pick = (key) => list.map((run) => run[key]);
    return {
      system: name,
      count,
      tokenCalls: median(pick('tokenCalls')),
      tokenCallsMax: Math.max(...pick('tokenCalls')),
      unauthorized: median(pick('unauthorized')),
      replays: median(pick('replays')),
      failures: Math.max(...pick('failures')),
      ms: median(pick('ms')),
      runs: list.length,
    };
  });
}

/** Workload 5: import to ready, each sample in a fresh context (no cache, no compiled code). */
async function startups(browser, systems) {
  const samples = Object.fromEntries(systems.map((name) => [name, []]));
  for (let round = 0; round < plan.startups; round++) {
    for (const name of rotated(systems, round)) {
      const { context, page } = await openPage(browser);
      const ms = await page.evaluate(([n, id]) => window.bench.startup(n, id), [name, openId('start')]);
      samples[name].push(ms);
      await context.close();
    }
  }
  return systems.map((name) => ({ system: name, medianMs: median(samples[name]), samples: samples[name].length }));
}

/** Workload 6: token-fetch's wasm pages and the page's JS heap after each run of workload 1. */
async function memory(page) {
  const cdp = await page.context().newCDPSession(page);
  const id = openId('mem');
  await page.evaluate(([n, id]) => window.bench.create(n, id), ['token-fetch', id]);
  const samples = [];
  for (let repeat = 1; repeat <= plan.memoryRepeats; repeat++) {
    await page.evaluate(([id, count]) => window.bench.sequential(id, count).then(() => null), [id, 2000]);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const pages = await page.evaluate(() => window.bench.wasmPages());
    samples.push({ repeat, wasmPages: pages, heapBytes: heap.usedSize });
  }
  return samples;
}

// ---- the run ----------------------------------------------------------------------------

async function main() {
  const loadAtStart = loadavg()[0];
  await buildSite();
  const size = await sizes();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
  try {
    const { page } = await openPage(browser);
    const all = await page.evaluate(() => window.bench.systems);
    const refreshing = all.slice(1);
    const version = browser.version();
    console.log(`bench: Chromium ${version}, ${quick ? 'quick run' : 'full run'}`);

    console.log('bench: workload 1, sequential GETs');
    const w1 = await sequential(page, all);
    console.log('bench: workload 2, a burst as the token expires');
    const w2 = await bursts(page, refreshing, 'expiry', 500);
    console.log('bench: workload 3, a burst in flight when tokens are revoked');
    const w3 = await bursts(page, refreshing, 'revocation', 200);
    console.log('bench: workload 5, start-up');
    const w5 = await startups(browser, refreshing);
    console.log('bench: workload 6, memory');
    const { page: fresh } = await openPage(browser);
    const w6 = await memory(fresh);

    const machine = `${cpus().length} cores`;
    const load = [loadAtStart, loadavg()[0]];
    const results = { chromium: version, machine, load, quick, plan, w1, w2, w3, size, w5, w6 };
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2));
    const table = render(results);
    writeFileSync(join(out, 'results.md'), table);
    writeFileSync(join(out, 'chart.svg'), chart(results));
    console.log(`\n${table}`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
