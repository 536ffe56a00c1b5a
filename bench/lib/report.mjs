/**
 * Renders the runner's results as markdown tables: figures, ratios (reeltape ÷ peer) and issue 7's targets.
 */

const SCENARIOS = ['sequential fetch', '200-concurrent fetch', 'sequential http.get', '200-concurrent http.get'];
const LABEL = { plain: 'plain (no tool)', msw: 'bare MSW', 'msw-passthrough': 'MSW passthrough', polly: 'Polly', nock: 'nock', reeltape: 'reeltape' };

/** @param {{ machine: object, config: object, results: object[], reeltape: { ready: boolean, why?: string } }} data */
export function renderReport({ machine, config, results, reeltape }) {
  const find = (section, key) => results.find((r) => r.section === section && r.key === key);
  const ok = (r) => r && !r.error;
  const cell = (r, field, digits = 0) => {
    if (!r) return '–';
    if (r.notBuilt) return 'not built yet';
    if (r.error) return `error: ${shorten(r.error)}`;
    const v = r[field];
    if (v === undefined) return '–';
    return fmt(v, digits) + (r.liveRequests ? ` (${r.liveRequests} live!)` : '');
  };
  const ratio = (a, b, field) => (ok(a) && ok(b) && b[field] ? `${fmt(a[field] / b[field], 2)}×` : '–');
  /**
   * The paired ratio of two throughput cases: the median over rounds of a's req/s ÷ b's in the same round. Rounds
   * are interleaved, so the two figures of a pair were measured seconds apart and a drift of the machine's speed
   * (up to 2× within a day here) cancels out; the ratio of two medians can pair a fast moment with a slow one.
   */
  const pairedRatio = (a, b) => {
    if (!ok(a) || !ok(b) || !a.roundsReqPerSec || !b.roundsReqPerSec) return undefined;
    const ratios = a.roundsReqPerSec.map((x, i) => (x && b.roundsReqPerSec[i] ? x / b.roundsReqPerSec[i] : undefined)).filter((x) => x !== undefined);
    return ratios.length ? [...ratios].sort((x, y) => x - y)[Math.floor((ratios.length - 1) / 2)] : undefined;
  };
  const pairedCell = (a, b) => {
    const p = pairedRatio(a, b);
    return p === undefined ? '–' : `${fmt(p, 2)}×`;
  };
  /** A ratio target: judged by the paired ratio when the rounds are known, else by the ratio of the medians; both shown. */
  const ratioTarget = (name, a, b, min) => {
    const p = pairedRatio(a, b);
    const plain = ok(a) && ok(b) ? a.reqPerSec / b.reqPerSec : undefined;
    const judged = p ?? plain;
    target(name, judged === undefined ? undefined : judged >= min, p === undefined ? ratio(a, b, 'reqPerSec') : `${fmt(p, 2)}× paired (ratio of medians ${ratio(a, b, 'reqPerSec')})`);
  };
  const out = [];
  const targets = [];
  const target = (name, met, figure) => targets.push(`| ${name} | ${figure} | ${met === undefined ? 'n/a' : met ? '**met**' : '**missed**'} |`);

  out.push(`# reeltape benchmarks${config.quick ? ' (QUICK mode)' : ''}`);
  out.push('');
  out.push(`Machine: ${machine.nproc} CPUs, ${machine.cpu}, Node ${machine.node}, ${machine.platform}; ${machine.date}; run took ${machine.durationS}s.`);
  if (!reeltape.ready) out.push(`\n**reeltape: not built yet** (${reeltape.why}); reeltape cells are placeholders.`);

  // Replay throughput
  if (results.some((r) => r.section === 'replay')) {
    out.push('', `## Replay throughput: ${config.replayRequests} distinct ~1 KiB JSON GETs (req/s, higher is better; ${config.warmup} untimed warm-up requests first; median of ${config.repeats} interleaved runs)`, '');
    out.push('| scenario | bare MSW | Polly | nock | reeltape | reeltape ÷ MSW | ÷ MSW, paired | reeltape ÷ Polly | reeltape ÷ nock |');
    out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const s of SCENARIOS) {
      const [m, p, n, r] = ['msw', 'polly', 'nock', 'reeltape'].map((t) => find('replay', `${s}|${t}`));
      out.push(
        `| ${s} | ${cell(m, 'reqPerSec')} | ${cell(p, 'reqPerSec')} | ${cell(n, 'reqPerSec')} | ${cell(r, 'reqPerSec')} | ${ratio(r, m, 'reqPerSec')} | ${pairedCell(r, m)} | ${ratio(r, p, 'reqPerSec')} | ${ratio(r, n, 'reqPerSec')} |`,
      );
      ratioTarget(`replay ${s} ≥ 0.9× bare MSW`, r, m, 0.9);
    }
    out.push('', '"Paired" = the median over rounds of reeltape\'s req/s ÷ bare MSW\'s in the same round (rounds are interleaved, so each pair ran seconds apart).');
    out.push('', 'Peak RSS during replay (MiB):', '');
    out.push('| scenario | bare MSW | Polly | nock | reeltape |');
    out.push('|---|--:|--:|--:|--:|');
    for (const s of SCENARIOS) {
      const cells = ['msw', 'polly', 'nock', 'reeltape'].map((t) => cell(find('replay', `${s}|${t}`), 'peakRssMiB'));
      out.push(`| ${s} | ${cells.join(' | ')} |`);
    }
  }

  // Recording throughput
  if (results.some((r) => r.section === 'record')) {
    const r = find('record', 'reeltape');
    out.push('', `## Recording throughput: ${config.recordRequests} sequential fetch GETs, including saving the recording (median of ${config.repeats} interleaved runs)`, '');
    out.push('| tool | req/s | peak RSS (MiB) | reeltape ÷ tool | paired |');
    out.push('|---|--:|--:|--:|--:|');
    for (const t of ['plain', 'msw-passthrough', 'nock', 'polly', 'reeltape']) {
      const x = find('record', t);
      if (!x) continue;
      out.push(`| ${LABEL[t]} | ${cell(x, 'reqPerSec')} | ${cell(x, 'peakRssMiB')} | ${t === 'reeltape' ? '' : ratio(r, x, 'reqPerSec')} | ${t === 'reeltape' ? '' : pairedCell(r, x)} |`);
    }
    const n = find('record', 'nock');
    ratioTarget('recording ≥ 1.5× nock (sequential fetch)', r, n, 1.5);
  }

  // Memory
  for (const [section, title, tools] of [
    ['memory-record', `Recording one ${config.bigMiB} MiB response (fetch, body read with arrayBuffer())`, ['plain', 'msw-passthrough', 'nock', 'polly', 'reeltape']],
    ['memory-replay', `Replaying that ${config.bigMiB} MiB recording (fetch, arrayBuffer()); "plain" = live server`, ['plain', 'msw', 'nock', 'polly', 'reeltape']],
  ]) {
    if (!results.some((r) => r.section === section)) continue;
    const plain = find(section, 'plain');
    out.push('', `## ${title}`, '');
    out.push('| tool | baseline RSS (MiB) | peak RSS (MiB) | peak − plain peak (MiB) |');
    out.push('|---|--:|--:|--:|');
    for (const t of tools) {
      const x = find(section, t);
      if (!x) continue;
      const over = ok(x) && ok(plain) ? fmt(x.peakRssMiB - plain.peakRssMiB, 0) : '–';
      out.push(`| ${LABEL[t]} | ${cell(x, 'baselineRssMiB')} | ${cell(x, 'peakRssMiB')} | ${t === 'plain' ? '' : over} |`);
    }
    const r = find(section, 'reeltape');
    target(
      `${section === 'memory-record' ? 'recording' : 'replaying'} ${config.bigMiB} MiB: peak ≤ plain + 70 MiB`,
      ok(r) && ok(plain) ? r.peakRssMiB <= plain.peakRssMiB + 70 : undefined,
      ok(r) && ok(plain) ? `plain ${r.peakRssMiB >= plain.peakRssMiB ? '+' : '−'} ${fmt(Math.abs(r.peakRssMiB - plain.peakRssMiB), 0)} MiB` : '–',
    );
  }

  // First response / load growth
  if (results.some((r) => r.section === 'first-response')) {
    const size = config.firstResponseSize;
    out.push('', `## First response from a ${size}-interaction recording, fresh process (ms since process start, median of ${config.firstResponseRepeats} interleaved runs)`, '');
    out.push('| tool | Node boot | tool imported | tool set up, fn running | first response | tool cost (first response − boot) | after import (first response − imported) | closing (first response → tool done) | peak RSS (MiB) |');
    out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const t of ['plain', 'polly', 'nock', 'reeltape']) {
      const x = find('first-response', `${t}|${size}`);
      if (!x) continue;
      out.push(`| ${LABEL[t]} | ${cell(x, 'bootMs')} | ${cell(x, 'importedMs')} | ${cell(x, 'loadedMs')} | ${cell(x, 'firstResponseMs')} | ${cell(x, 'loadMs')} | ${cell(x, 'afterImportMs')} | ${cell(x, 'closeMs')} | ${cell(x, 'peakRssMiB')} |`);
    }
    const r = find('first-response', `reeltape|${size}`);
    const plainFirst = find('first-response', `plain|${size}`);
    target(
      `first response from ${size} interactions < 100 ms (fresh process, from process start)`,
      ok(r) ? r.firstResponseMs < 100 : undefined,
      ok(r) ? `${fmt(r.firstResponseMs, 0)} ms (plain fetch, no tool: ${ok(plainFirst) ? fmt(plainFirst.firstResponseMs, 0) : '–'} ms)` : '–',
    );
    target(
      `first response from ${size} interactions < 100 ms after the tool's import (load + index + first lookup)`,
      ok(r) ? r.afterImportMs < 100 : undefined,
      ok(r) ? `${fmt(r.afterImportMs, 0)} ms` : '–',
    );
    // issue 7 set "< 100 ms" where Polly's first response from 10,000 interactions took ~130 ms; this machine's
    // speed drifts, so the same bound is also given relative to Polly in the same run
    const polly = find('first-response', `polly|${size}`);
    target(
      `… the same, calibrated: ≤ 100/130 of Polly's first response in the same run (issue 7 measured Polly at ~130 ms)`,
      ok(r) && ok(polly) ? r.afterImportMs <= (100 / 130) * polly.afterImportMs : undefined,
      ok(r) && ok(polly) ? `${fmt(r.afterImportMs / polly.afterImportMs, 2)}× Polly (${fmt(r.afterImportMs, 0)} vs ${fmt(polly.afterImportMs, 0)} ms)` : '–',
    );

    const sizes = config.loadSizes;
    out.push('', `Load time growth: tool cost (first response − boot, ms) by recording size; "per 1k (small)" = slope between the two smallest sizes, "(large)" between the two largest`, '');
    out.push(`| tool | ${sizes.join(' | ')} | per 1k (small) | per 1k (large) |`);
    out.push(`|---|${sizes.map(() => '--:').join('|')}|--:|--:|`);
    for (const t of ['polly', 'nock', 'reeltape']) {
      const xs = sizes.map((s) => find('first-response', `${t}|${s}`));
      if (xs.every((x) => !x)) continue;
      const slope = (i, j) => (ok(xs[i]) && ok(xs[j]) ? ((xs[j].loadMs - xs[i].loadMs) / (sizes[j] - sizes[i])) * 1000 : undefined);
      const small = slope(0, 1);
      const large = slope(sizes.length - 2, sizes.length - 1);
      out.push(`| ${LABEL[t]} | ${xs.map((x) => cell(x, 'loadMs')).join(' | ')} | ${small === undefined ? '–' : fmt(small, 1)} | ${large === undefined ? '–' : fmt(large, 1)} |`);
      if (t === 'reeltape')
        target(
          'load time grows linearly (large-size slope ≤ 2× small-size slope + 1 ms/1k)',
          small === undefined || large === undefined ? undefined : large <= 2 * Math.max(small, 0) + 1,
          small === undefined || large === undefined ? '–' : `${fmt(small, 1)} → ${fmt(large, 1)} ms per 1k`,
        );
    }
  }

  // CSV hashing
  // Whole cassette lifetime
  if (results.some((r) => r.section === 'lifetime')) {
    const size = config.firstResponseSize;
    out.push('', `## Whole cassette lifetime from a ${size}-interaction recording: import → open → requests → close (ms, fresh process, median of ${config.firstResponseRepeats} interleaved runs)`, '');
    out.push('| tool | one request: lifetime | closing | peak RSS (MiB) | every request: lifetime | closing | peak RSS (MiB) |');
    out.push('|---|--:|--:|--:|--:|--:|--:|');
    for (const t of ['polly', 'nock', 'reeltape']) {
      const one = find('lifetime', `${t}|one`);
      const every = find('lifetime', `${t}|all`);
      if (!one && !every) continue;
      out.push(`| ${LABEL[t]} | ${cell(one, 'lifetimeMs')} | ${cell(one, 'closeMs')} | ${cell(one, 'peakRssMiB')} | ${cell(every, 'lifetimeMs')} | ${cell(every, 'closeMs')} | ${cell(every, 'peakRssMiB')} |`);
    }
  }

  const csv = find('csv-hash', 'csv-hash');
  if (csv) {
    out.push('', `## Output-snapshot hashing of a generated ${config.csvMiB} MiB CSV (bench/csv-hash.mjs)`, '');
    if (csv.error && csv.mbPerSec === undefined) out.push(`error: ${shorten(csv.error, 200)}`);
    else {
      const mbps = csv.mbPerSec ?? csv.script?.mbPerSec;
      out.push('| throughput | peak RSS of the process (MiB) | baseline RSS (MiB) | wall time incl. generating the file (ms) |');
      out.push('|--:|--:|--:|--:|');
      out.push(`| ${mbps === undefined ? '–' : `${fmt(csv.mibPerSec ?? mbps, 0)} MiB/s = ${fmt(mbps, 0)} MB/s`} | ${fmt(csv.peakRssMiB, 0)} | ${fmt(csv.baselineRssMiB, 0)} | ${fmt(csv.ms, 0)} |`);
      if (csv.scriptOutput?.length) out.push('', 'Script output:', '', '```', ...csv.scriptOutput, '```');
      target('CSV hashing ≥ 200 MB/s', typeof mbps === 'number' ? mbps >= 200 : undefined, typeof mbps === 'number' ? `${fmt(mbps, 0)} MB/s` : 'script gave no MiB/s');
      target('CSV hashing: flat RSS (peak < 256 MiB for a file of any size)', csv.peakRssMiB < 256, `${fmt(csv.peakRssMiB, 0)} MiB peak, ${config.csvMiB} MiB file`);
    }
  }

  const kd = find('keyed-diff', 'keyed-diff');
  if (kd) {
    out.push('', `## Keyed diff of two generated ${config.diffMiB} MiB CSVs (bench/cases/keyed-diff.mjs)`, '');
    if (kd.error) out.push(`error: ${shorten(kd.error, 200)}`);
    else {
      out.push('| time (ms) | throughput (both files) | peak RSS (MiB) | baseline RSS (MiB) | changed / added / removed |');
      out.push('|--:|--:|--:|--:|--:|');
      out.push(`| ${fmt(kd.ms, 0)} | ${fmt(kd.mbPerSec, 1)} MB/s | ${fmt(kd.peakRssMiB, 0)} | ${fmt(kd.baselineRssMiB, 0)} | ${kd.counts.changed} / ${kd.counts.added} / ${kd.counts.removed} |`);
    }
  }

  if (targets.length) {
    out.push('', '## Issue 7 targets (reeltape)', '', '| target | figure | status |', '|---|---|---|', ...targets);
  }
  const live = results.filter((r) => r.liveRequests);
  if (live.length) out.push('', `**Warning:** replay cases reached the live server: ${live.map((r) => `${r.section} ${r.key} (${r.liveRequests})`).join(', ')}.`);
  const setupFailures = results.filter((r) => r.section === 'setup' && r.error && !r.notBuilt);
  if (setupFailures.length) out.push('', `Setup failures: ${setupFailures.map((r) => `${r.key}: ${shorten(r.error, 120)}`).join('; ')}`);
  return out.join('\n');
}

function fmt(v, digits) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return String(v);
  if (Number(v.toFixed(digits)) === 0) v = 0; // never print -0
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function shorten(s, n = 60) {
  const t = String(s).replace(/\s+/g, ' ').replace(/\|/g, '/');
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}
