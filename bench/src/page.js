// The benchmark page: loads each system on demand and runs one workload at a time when the
// runner (run.mjs, through playwright) asks; every number comes back to the runner.

import * as systems from './systems.js';

/** Where each system's code comes from, and how an instance is made from it. */
const SYSTEMS = {
  'raw fetch': { load: async () => null, make: (_module, openId) => systems.rawFetch(openId) },
  'token-fetch': {
    load: async () => {
      const module = await import('./pkg/token_fetch.js');
      wasm = await module.default();
      return module;
    },
    make: systems.tokenFetch,
  },
  'axios + axios-auth-refresh': {
    load: () => import('./peers/axios-with-auth-refresh.js'),
    make: systems.axiosAuthRefresh,
  },
  ky: { load: () => import('./peers/ky.js'), make: systems.kyRefresh },
  'refresh-fetch': { load: () => import('./peers/refresh-fetch.js'), make: systems.refreshFetch },
};

const modules = new Map();
const instances = new Map();
/** token-fetch's wasm exports, for its memory. */
let wasm = null;

async function module(name) {
  if (!modules.has(name)) modules.set(name, await SYSTEMS[name].load());
  return modules.get(name);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function control(path, body, origin = '') {
  // text/plain keeps the request simple, so a cross-origin control call needs no preflight.
  const response = await fetch(`${origin}/__control/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`control ${path}: HTTP ${response.status}`);
}

async function counters(openId) {
  const response = await fetch(`/__control/counters?openId=${encodeURIComponent(openId)}`);
  return response.json();
}

function apiUrl(openId, n) {
  return `/api/bench?openId=${encodeURIComponent(openId)}&n=${n}`;
}

/** Starts `count` GETs at once and waits for all; failures are rejections. */
async function burst(instance, openId, count, whileInFlight = async () => {}) {
  const started = performance.now();
  const calls = [];
  for (let i = 0; i < count; i++) calls.push(instance.get(apiUrl(openId, i)));
  await whileInFlight();
  const outcomes = await Promise.allSettled(calls);
  const ms = performance.now() - started;
  const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
  const firstError = failed.length ? String(failed[0].reason?.message ?? failed[0].reason) : null;
  return { ms, failures: failed.length, firstError };
}

function delta(before, after, count) {
  const tokenCalls = after.tokenCalls - before.tokenCalls;
  const unauthorized = after.unauthorized - before.unauthorized;
  const sent = after.apiRequests - before.apiRequests + unauthorized;
  return { tokenCalls, unauthorized, replays: sent - count };
}

window.bench = {
  systems: Object.keys(SYSTEMS),

  /** Workload 5: from import to an instance ready to send, in a fresh page. */
  async startup(name, openId) {
    const started = performance.now();
    const loaded = await module(name);
    await SYSTEMS[name].make(loaded, openId);
    return performance.now() - started;
  },

  /** Makes an instance and sends one request with it, so it holds a valid token. */
  async create(name, openId) {
    const instance = await SYSTEMS[name].make(await module(name), openId);
    await instance.get(apiUrl(openId, -1));
    instances.set(openId, instance);
  },

  /** Workload 1: `count` GETs one after another; the time of each, in milliseconds. */
  async sequential(openId, count) {
    const instance = instances.get(openId);
    const times = new Array(count);
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await instance.get(apiUrl(openId, i));
      times[i] = performance.now() - started;
    }
    return times;
  },

  /** Workload 2: `count` concurrent GETs started just after the token expired. */
  async expiry(name, openId, count) {
    // The first token lives one second; the one the refresh brings lives an hour.
    await control('lifetime', { openId, reportedSeconds: 1, validSeconds: 1 });
    const instance = await SYSTEMS[name].make(await module(name), openId);
    await instance.get(apiUrl(openId, -1));
    const granted = performance.now();
    await control('lifetime', { openId, reportedSeconds: 3600, validSeconds: 3600 });
    await sleep(1050 - (performance.now() - granted));
    const before = await counters(openId);
    const result = await burst(instance, openId, count);
    return { ...result, ...delta(before, await counters(openId), count) };
  },

  /** Workload 3: `count` GETs in flight when the server revokes every token. */
  async revocation(name, openId, count, otherOrigin) {
    const instance = await SYSTEMS[name].make(await module(name), openId);
    await instance.get(apiUrl(openId, -1));
    // The browser sends six requests to one origin at a time: holding the first six at the
    // server (before their token is checked) keeps every request of the burst unanswered until
    // the revocation has landed.
    await control('api-delay', { openId, count: 6, ms: 600 });
    const before = await counters(openId);
    const result = await burst(instance, openId, count, async () => {
      // A task later, every call has reached fetch; another origin has its own six
      // connections, so the revocation does not queue behind the burst.
      await sleep(0);
      await control('revoke', { openId }, otherOrigin);
    });
    return { ...result, ...delta(before, await counters(openId), count) };
  },

  /** token-fetch's wasm memory, in 64 KiB pages. */
  wasmPages() {
    return wasm ? wasm.memory.buffer.byteLength / 65536 : 0;
  },

  forget(openId) {
    instances.delete(openId);
  },
};
