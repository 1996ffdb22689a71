// Demo only: turns the recorded timeline into chart shapes.
//
// Requests to a local server take milliseconds, and a person clicks seconds apart, so a linear
// time axis would show thin slivers in a wide empty chart. Time is drawn linearly inside each
// burst of activity, and every pause between bursts is drawn with one fixed width and labelled
// with its real length.

/** Activity closer together than this (ms) belongs to one burst. */
const JOIN_MS = 250;
/** The drawn width of a pause between bursts, in the chart's milliseconds. */
const PAUSE_MS = 50;
/** The narrowest burst, in the chart's milliseconds, so a lone request still reads. */
const MIN_BURST_MS = 40;
/** About how wide a character of the chart's 10 px labels is, to keep labels apart. */
const CHAR_PX = 5.6;
/** The most bursts drawn; older ones scroll off the left edge. */
const MAX_BURSTS = 8;
/** The widest a millisecond may be drawn, in pixels. */
const MAX_PX_PER_MS = 6;

export const GEOMETRY = {
  width: 960,
  left: 78,
  right: 12,
  markRow: 16,
  tokenRow: 14,
  laneHeight: 7,
  laneGap: 2,
  axis: 50,
};

/** The chart's shapes for `timeline` as of `nowMs`. */
export function layout(timeline, nowMs) {
  const g = GEOMETRY;
  const endOf = (end) => end ?? nowMs;

  const spans = [
    ...timeline.calls.map((call) => [call.start, endOf(call.end)]),
    ...timeline.tokenCalls.map((tokenCall) => [tokenCall.start, endOf(tokenCall.end)]),
    ...timeline.marks.map((mark) => [mark.t, mark.t]),
  ].sort((a, b) => a[0] - b[0]);

  const allBursts = [];
  for (const [start, end] of spans) {
    const last = allBursts[allBursts.length - 1];
    if (last && start <= last.end + JOIN_MS) {
      last.end = Math.max(last.end, end);
    } else {
      allBursts.push({ start, end });
    }
  }
  const bursts = allBursts.slice(-MAX_BURSTS);
  const hiddenBursts = allBursts.length - bursts.length;
  const from = bursts.length ? bursts[0].start : 0;

  // Each burst's place on the drawn axis, in the chart's milliseconds.
  let drawn = 0;
  for (const [i, burst] of bursts.entries()) {
    if (i > 0) {
      drawn += PAUSE_MS;
    }
    burst.at = drawn;
    burst.width = Math.max(burst.end - burst.start, MIN_BURST_MS);
    drawn += burst.width;
  }
  const plot = g.width - g.left - g.right;
  const scale = drawn > 0 ? Math.min(plot / drawn, MAX_PX_PER_MS) : MAX_PX_PER_MS;
  const x = (t) => {
    const burst = bursts.findLast((b) => b.start <= t) ?? bursts[0];
    const within = Math.min(Math.max(t - burst.start, 0), burst.width);
    return g.left + scale * (burst.at + within);
  };
  const visible = (start) => start >= from;

  // Calls take the lowest lane free when they start, so lanes are reused between bursts.
  const calls = timeline.calls
    .filter((call) => visible(call.start))
    .sort((a, b) => a.start - b.start);
  const laneEnds = [];
  const placed = calls.map((call) => {
    let lane = laneEnds.findIndex((end) => end < call.start);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(0);
    }
    laneEnds[lane] = endOf(call.end) + 1;
    return { call, lane };
  });
  const lanes = Math.max(laneEnds.length, 1);

  const tokenY = g.markRow;
  const lanesY = tokenY + g.tokenRow + 8;
  const laneY = (lane) => lanesY + lane * (g.laneHeight + g.laneGap);
  const plotBottom = laneY(lanes) + 2;
  const height = plotBottom + g.axis;
  const bar = (start, end) => {
    const x0 = x(start);
    return { x: x0, width: Math.max(x(endOf(end)) - x0, 2) };
  };

  const tokenBars = timeline.tokenCalls
    .filter((tokenCall) => visible(tokenCall.start))
    .map((tokenCall) => ({
      ...bar(tokenCall.start, tokenCall.end),
      y: tokenY + 2,
      height: g.tokenRow - 4,
      kind: tokenCall.ok == null ? 'pending' : tokenCall.ok ? 'token' : 'token-failed',
      title: `token call: ${tokenCall.ok == null ? 'pending' : tokenCall.ok ? 'ok' : 'failed'}`,
    }));

  const waits = [];
  const attempts = [];
  const failures = [];
  for (const { call, lane } of placed) {
    const y = laneY(lane);
    const firstSend = call.attempts[0]?.start ?? endOf(call.end);
    if (firstSend - call.start >= 0.5) {
      waits.push({ x1: x(call.start), x2: x(firstSend), y: y + g.laneHeight / 2 });
    }
    for (const attempt of call.attempts) {
      const kind =
        attempt.status == null
          ? 'pending'
          : attempt.status === 401
            ? 'unauthorized'
            : attempt.replay && attempt.status < 400
              ? 'replay'
              : attempt.status < 400
                ? 'ok'
                : 'error';
      const token = attempt.tokenId ? ` with ${attempt.tokenId}` : '';
      attempts.push({
        ...bar(attempt.start, attempt.end),
        y,
        height: g.laneHeight,
        kind,
        title: `#${call.id} ${call.label}${attempt.replay ? ' (replay)' : ''}: ${attempt.status ?? 'pending'}${token}`,
      });
    }
    if (call.outcome === 'failed') {
      failures.push({
        x: x(call.end),
        y: y + g.laneHeight / 2,
        title: `#${call.id} ${call.label}: ${call.error}`,
      });
    }
  }

  const marks = timeline.marks
    .filter((mark) => visible(mark.t))
    .map((mark) => ({ x: x(mark.t), label: mark.label }));

  const axisY = plotBottom + 17;
  const plural = (n, one, many) => `${n === 0 ? 'no' : n} ${n === 1 ? one : many}`;
  const notes = [];
  let notesEnd = -Infinity;
  for (const burst of bursts) {
    const inBurst = (t) => t >= burst.start && t <= burst.end;
    const callCount = calls.filter((call) => inBurst(call.start)).length;
    if (!callCount) continue;
    const tokenCount = timeline.tokenCalls.filter((tokenCall) => inBurst(tokenCall.start)).length;
    const lines = [
      plural(callCount, 'call', 'calls'),
      plural(tokenCount, 'token call', 'token calls'),
    ];
    // Labels of narrow bursts would overlap; each starts where the one before ended.
    const at = Math.max(x(burst.start), notesEnd + 6);
    notesEnd = at + Math.max(...lines.map((line) => line.length)) * CHAR_PX;
    notes.push({ x: at, lines });
  }
  const pauses = [];
  let pausesEnd = -Infinity;
  for (const [i, burst] of bursts.slice(1).entries()) {
    const before = bursts[i];
    const center = g.left + scale * (before.at + before.width + PAUSE_MS / 2);
    const label = `+${((burst.start - before.end) / 1000).toFixed(1)} s`;
    const halfWidth = (label.length * CHAR_PX) / 2;
    // Where pauses crowd together, a label is left out rather than drawn over another.
    if (center - halfWidth > pausesEnd + 4) {
      pauses.push({ x: center, label });
      pausesEnd = center + halfWidth;
    }
  }

  return {
    width: g.width,
    height,
    tokenY,
    lanesY,
    plotBottom,
    axisY,
    lanes,
    tokenBars,
    waits,
    attempts,
    failures,
    marks,
    notes,
    pauses,
    hiddenBursts,
  };
}
