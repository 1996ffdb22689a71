// Demo only: watches the page's requests so the timeline can draw them. An app using
// token-fetch needs none of this.
//
// Two vantage points, both open to any app: axios interceptors see each call the app makes,
// and a wrapper around the global `fetch` sees what goes on the wire, including the token
// requests and replays token-fetch makes itself. A request id header ties the two together.
import { reactive } from 'vue';

/** The header that tags each axios call; a replay carries it again. */
const CALL_HEADER = 'X-Request-Id';

const startedAt = performance.now();

/** Milliseconds since the page loaded, the timeline's clock. */
export function now() {
  return performance.now() - startedAt;
}

/**
 * Everything drawn so far.
 *
 * - `calls`: one per axios call: `{ id, label, start, end, outcome, error, attempts }`, each
 *   attempt `{ start, end, status, replay, tokenId }`.
 * - `tokenCalls`: one per token request: `{ start, end, status, ok }`.
 * - `marks`: moments worth a line across the chart: `{ t, label }`.
 */
export const timeline = reactive({ calls: [], tokenCalls: [], marks: [] });

const callsById = new Map();
let lastId = 0;

/** Draws a line across the chart at this moment. */
export function mark(label) {
  timeline.marks.push({ t: now(), label });
}

/** Tags every call `instance` makes and records how it ends. */
export function watchAxios(instance, { sessionError }) {
  instance.interceptors.request.use((config) => {
    lastId += 1;
    const id = String(lastId);
    const method = (config.method ?? 'get').toUpperCase();
    const call = reactive({
      id,
      label: `${method} ${config.url}`,
      start: now(),
      end: null,
      outcome: null,
      error: null,
      attempts: [],
    });
    timeline.calls.push(call);
    callsById.set(id, call);
    config.headers.set(CALL_HEADER, id);
    return config;
  });
  instance.interceptors.response.use(
    (response) => {
      settle(response.config, 'ok', null);
      return response;
    },
    (error) => {
      settle(error.config, 'failed', describeError(error, sessionError));
      return Promise.reject(error);
    },
  );
}

function settle(config, outcome, error) {
  const call = callsById.get(config?.headers?.get(CALL_HEADER));
  if (call) {
    call.end = now();
    call.outcome = outcome;
    call.error = error;
  }
}

/** A short name for why a call failed, as the timeline's text shows it; `sessionError` finds
 *  the library's error behind an axios error (the app's own helper, passed in so that this
 *  module does not import api.js, which must only run after `watchFetch`). */
export function describeError(error, sessionError) {
  const lost = sessionError(error);
  if (lost) {
    return `TokenRefreshError (${lost.reason})`;
  }
  if (error?.response) {
    return `HTTP ${error.response.status}`;
  }
  return error?.cause?.name ?? error?.name ?? 'Error';
}

/** Wraps the global `fetch` so that every request to this page's origin is recorded. */
export function watchFetch({ tokenPath, apiPath }) {
  const pageFetch = globalThis.fetch;
  globalThis.fetch = function watchedFetch(input, init) {
    const promise = pageFetch.call(globalThis, input, init);
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.origin !== location.origin) {
      return promise;
    }
    if (url.pathname === tokenPath) {
      recordTokenCall(promise);
    } else if (url.pathname === apiPath || url.pathname.startsWith(`${apiPath}/`)) {
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : {}));
      recordAttempt(headers.get(CALL_HEADER), url.pathname, promise);
    }
    return promise;
  };
}

function recordTokenCall(promise) {
  const tokenCall = reactive({ start: now(), end: null, status: null, ok: null });
  timeline.tokenCalls.push(tokenCall);
  promise.then(
    async (response) => {
      tokenCall.end = now();
      tokenCall.status = response.status;
      // The answer's `code` says whether it worked; the token itself is never looked at.
      const body = await response
        .clone()
        .json()
        .catch(() => null);
      tokenCall.ok = response.ok && body?.code === 0;
    },
    () => {
      tokenCall.end = now();
      tokenCall.ok = false;
    },
  );
}

function recordAttempt(id, path, promise) {
  let call = callsById.get(id);
  if (!call) {
    // Sent past axios (through `client.fetch` directly): drawn as a call of its own.
    call = reactive({
      id: '',
      label: path,
      start: now(),
      end: null,
      outcome: null,
      error: null,
      attempts: [],
    });
    timeline.calls.push(call);
  }
  const attempt = reactive({
    start: now(),
    end: null,
    status: null,
    replay: call.attempts.length > 0,
    tokenId: null,
  });
  call.attempts.push(attempt);
  promise.then(
    async (response) => {
      attempt.end = now();
      attempt.status = response.status;
      if (response.ok) {
        // token-server names the token it accepted; the label shows which one was used.
        const body = await response
          .clone()
          .json()
          .catch(() => null);
        attempt.tokenId = body?.tokenId ?? null;
      }
      if (!id) {
        call.end = attempt.end;
        call.outcome = response.ok ? 'ok' : 'failed';
      }
    },
    () => {
      attempt.end = now();
      attempt.status = 'error';
    },
  );
}

/** The counts the page and the headless run report. */
export function summarize() {
  const attempts = timeline.calls.flatMap((call) => call.attempts);
  return {
    tokenCalls: timeline.tokenCalls.length,
    unauthorized: attempts.filter((attempt) => attempt.status === 401).length,
    replays: attempts.filter((attempt) => attempt.replay).length,
    failed: timeline.calls.filter((call) => call.outcome === 'failed').length,
  };
}

/** `token calls: N, 401s: N, replays: N, failed: N`. */
export function summaryLine() {
  const { tokenCalls, unauthorized, replays, failed } = summarize();
  return `token calls: ${tokenCalls}, 401s: ${unauthorized}, replays: ${replays}, failed: ${failed}`;
}

/** The timeline as lines of text, oldest first. */
export function timelineText() {
  const rows = [];
  const duration = (from, to) => (to == null ? 'pending' : `${Math.round(to - from)} ms`);
  for (const mark of timeline.marks) {
    rows.push({ t: mark.t, what: `-- ${mark.label} --`, result: '', took: '' });
  }
  for (const tokenCall of timeline.tokenCalls) {
    const result =
      tokenCall.ok == null
        ? ''
        : tokenCall.ok
          ? `${tokenCall.status}, ok`
          : `failed (${tokenCall.status ?? 'network'})`;
    rows.push({
      t: tokenCall.start,
      what: 'token call',
      result,
      took: duration(tokenCall.start, tokenCall.end),
    });
  }
  for (const call of timeline.calls) {
    const name = `#${call.id || '-'} ${call.label}`;
    for (const attempt of call.attempts) {
      const status = attempt.status ?? '';
      const token = attempt.tokenId ? `, token ${attempt.tokenId}` : '';
      rows.push({
        t: attempt.start,
        what: attempt.replay ? `${name} (replay)` : name,
        result: `${status}${token}`,
        took: duration(attempt.start, attempt.end),
      });
    }
    if (call.outcome === 'failed') {
      rows.push({
        t: call.end,
        what: name,
        result: `failed: ${call.error}`,
        took: duration(call.start, call.end),
      });
    }
  }
  rows.sort((a, b) => a.t - b.t);
  const header = `${'time s'.padStart(8)}  ${'what'.padEnd(30)}  ${'result'.padEnd(28)}  took`;
  const lines = rows.map((row) =>
    `${(row.t / 1000).toFixed(3).padStart(8)}  ${row.what.padEnd(30)}  ${row.result.padEnd(28)}  ${row.took}`.trimEnd(),
  );
  return [header, ...lines].join('\n');
}
