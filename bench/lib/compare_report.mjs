// The side-by-side benchmark's results: medians with min–max spread over the rounds, the issue's
// targets as ratios from the same run (each met or not), written as compare.json (raw runs and the
// summary), compare.md (tables) and compare.png (gnuplot).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pct, median } from './common.mjs';

const PROXIES = ['nginx', 'switchyard', 'portkey'];
const UNARY_TARGETS = ['direct', 'nginx', 'switchyard', 'switchyard-2w', 'portkey'];
const STREAM_TARGETS = ['direct', 'nginx', 'switchyard', 'portkey'];
const PORTKEY_WAIT_NOTE = 'includes Portkey\'s fixed 25 ms wait before its first streamed chunk';

// {median, min, max, n} of the per-round values (nulls dropped).
function spread(values) {
  const xs = values.filter((x) => x !== null && x !== undefined && Number.isFinite(x));
  if (!xs.length) return null;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

// Per round: f(round) over the rounds where it is defined.
const perRound = (rounds, f) => rounds.map(f).filter((x) => x !== null && x !== undefined);

function summarize(data) {
  const rounds = [...new Set(data.runs.map((r) => r.round))];
  const run = (round, c, target) => data.runs.find((r) => r.round === round && r.c === c && r.target === target);
  const unary = {};
  for (const target of UNARY_TARGETS) {
    unary[target] = {};
    for (const c of data.config.concurrencies) {
      const mine = data.runs.filter((r) => r.c === c && r.target === target);
      if (!mine.length) continue;
      const field = (f) => spread(mine.map((r) => r[f]));
      const added = (f) => spread(mine.map((r) => r[f] - run(r.round, c, 'direct')[f]));
      unary[target][c] = {
        rps: field('rps'), p50_us: field('p50_us'), p99_us: field('p99_us'),
        added_p50_us: target === 'direct' ? null : added('p50_us'),
        added_p99_us: target === 'direct' ? null : added('p99_us'),
        proxy_cpu_us_per_req: field('proxy_cpu_us_per_req'), proxy_cores: field('proxy_cores'),
        upstream_cores: field('upstream_cores'), upstream_cpu_us_per_req: field('upstream_cpu_us_per_req'),
        socket_errors: mine.reduce((a, r) => a + r.socket_errors, 0), non2xx: mine.reduce((a, r) => a + r.non2xx, 0),
        requests: mine.reduce((a, r) => a + r.requests, 0),
      };
    }
  }

  const ttft = {};
  for (const target of STREAM_TARGETS) {
    const p = (q) => data.ttft.map((r) => pct(r.samples[target], q));
    const added = (q) => data.ttft.map((r) => pct(r.samples[target], q) - pct(r.samples.direct, q));
    ttft[target] = {
      p50_us: spread(p(0.5)), p99_us: spread(p(0.99)),
      added_p50_us: target === 'direct' ? null : spread(added(0.5)),
      added_p99_us: target === 'direct' ? null : spread(added(0.99)),
      streams: data.ttft.reduce((a, r) => a + r.samples[target].length, 0),
      done: data.ttft.reduce((a, r) => a + r.done[target], 0),
    };
  }

  // The issue's targets, each a per-round ratio or difference from the same run.
  const ratio = (c, a, b, f) => (round) => {
    const x = run(round, c, a); const y = run(round, c, b);
    return x && y ? x[f] / y[f] : null;
  };
  const goals = [];
  const goal = (name, values, op, limit, unit, how) => {
    const s = spread(values);
    const meets = (v) => (op === '≤' ? v <= limit : v >= limit);
    // Rounds that disagree, spread wider than an absolute (µs) goal itself: below this run's resolution.
    const roundsMet = values.filter(meets).length;
    const noisy = unit === ' µs' && s && s.max - s.min > limit && roundsMet > 0 && roundsMet < values.length;
    goals.push({ name, measured: s, goal: `${op} ${limit}${unit}`, unit, met: s ? meets(s.median) : false, noisy,
      roundsMet, rounds: values.length, how });
  };
  for (const c of data.config.concurrencies) {
    goal(`CPU per non-streaming request, Switchyard ÷ nginx plain proxy, c=${c}`,
      perRound(rounds, ratio(c, 'switchyard', 'nginx', 'proxy_cpu_us_per_req')), '≤', 1.5, '×',
      'proxy process CPU (utime+stime, all threads) ÷ requests; both with access log on');
  }
  const addedAt1 = (f) => perRound(rounds, (round) => run(round, 1, 'switchyard')[f] - run(round, 1, 'direct')[f]);
  goal('Added latency at c=1, p50 (Switchyard − direct)', addedAt1('p50_us'), '≤', 50, ' µs', 'wrk p50 through Switchyard minus direct, same round');
  goal('Added latency at c=1, p99 (Switchyard − direct)', addedAt1('p99_us'), '≤', 150, ' µs', 'wrk p99 through Switchyard minus direct, same round');
  goal('Throughput at c=64, one worker each, Switchyard ÷ nginx', perRound(rounds, ratio(64, 'switchyard', 'nginx', 'rps')), '≥', 0.8, '×',
    'requests/s, `--workers 1` vs `worker_processes 1`');
  goal('Throughput at c=64, Switchyard ÷ Portkey', perRound(rounds, ratio(64, 'switchyard', 'portkey', 'rps')), '≥', 30, '×',
    'requests/s; Portkey is one Node process');
  goal('Added time to first token, p99 (Switchyard − direct)', data.ttft.map((r) => pct(r.samples.switchyard, 0.99) - pct(r.samples.direct, 0.99)),
    '≤', 200, ' µs', 'p99 of each round\'s streams, minus direct\'s');
  goal('Resident memory per idle open stream (Switchyard)', [data.openStreams.switchyard.perStreamKiB], '≤', 64, ' KiB',
    `(VmRSS with ${data.openStreams.switchyard.k} streams held open − idle) ÷ streams; one measurement`);
  goal('2 workers ÷ 1 worker, CPU-normalised throughput at c=64',
    perRound(rounds, (round) => 2 * run(round, 64, 'switchyard').proxy_cpu_us_per_req / run(round, 64, 'switchyard-2w').proxy_cpu_us_per_req),
    '≥', 1.7, '×', '2 × (CPU/request with 1 worker) ÷ (CPU/request with 2 workers): see Method');
  const rawScaling = spread(perRound(rounds, ratio(64, 'switchyard-2w', 'switchyard', 'rps')));
  return { unary, ttft, goals, rawScaling };
}

const num = (x, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const cell = (s, f = num) => (s ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : '–');
const signed = (x) => (x > 0 ? '+' : '') + num(x);

function markdown(data, sum) {
  const { config: cfg, versions: v } = data;
  const L = [];
  L.push(`# Side by side: direct, nginx plain proxy, Switchyard, Portkey (one run, ${data.date})`, '');
  L.push(`Command: \`bench/compare.sh\` (REPEATS=${cfg.repeats} DURATION=${cfg.duration} N=${cfg.ttftStreamsPerRound} K=${cfg.openStreams}).`);
  L.push(`Every cell is the median over ${cfg.repeats} interleaved rounds, with the min–max over the rounds in brackets.`);
  L.push(`Machine before: ${data.machine.before}. After: ${data.machine.after}. ${v.cpus}, kernel ${v.kernel}.`);
  L.push(`Switchyard \`${v.git}\` (${v.switchyard}); ${v.nginx}; Portkey gateway ${v.portkey} on Node ${v.node}; ${v.wrk}.`);
  L.push('The 2 cores are shared by wrk, the upstream and the proxy (and, during this run, other engineers\' builds):',
    'read requests/s as ratios from the same round; CPU per request is the steadier figure.', '');

  L.push('## Targets (issue #6), as ratios from this run', '');
  L.push('| target | measured: median (min–max) | goal | rounds meeting it | met? |', '|---|---|---|---|---|');
  for (const g of sum.goals) {
    const f = g.unit === '×' ? (x) => num(x, 2) : g.unit === ' KiB' ? (x) => num(x, 1) : num;
    L.push(`| ${g.name} | ${cell(g.measured, f)}${g.unit.trim() ? ` ${g.unit.trim()}` : ''} | ${g.goal} | ${g.roundsMet}/${g.rounds} | **${g.met ? 'met' : 'not met'}**${g.noisy ? ' (rounds disagree and spread wider than the goal: noise-dominated)' : ''} |`);
  }
  L.push('', `Raw requests/s with 2 workers ÷ 1 worker at c=64 (same cores shared with wrk and the upstream): ${cell(sum.rawScaling, (x) => num(x, 2))}.`, '');

  L.push('## Non-streaming: wrk -t1, POST, one recorded answer', '');
  L.push('| c | target | requests/s | p50 µs | p99 µs | added p50 µs vs direct | added p99 µs vs direct | proxy CPU µs/request | proxy cores used | upstream cores used | socket errors / non-2xx |');
  L.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const c of cfg.concurrencies) {
    for (const target of UNARY_TARGETS) {
      const u = sum.unary[target][c];
      if (!u) continue;
      L.push(`| ${c} | ${target} | ${cell(u.rps)} | ${cell(u.p50_us)} | ${cell(u.p99_us)} | ${cell(u.added_p50_us, signed)} | ${cell(u.added_p99_us, signed)} | ` +
        `${cell(u.proxy_cpu_us_per_req, (x) => num(x, 1))} | ${cell(u.proxy_cores, (x) => num(x, 2))} | ${cell(u.upstream_cores, (x) => num(x, 2))} | ${u.socket_errors} / ${u.non2xx} |`);
    }
  }
  L.push('', `Access log lines written: Switchyard ${num(data.accessLogLines.switchyard)}, Switchyard 2 workers ${num(data.accessLogLines['switchyard-2w'])}, ` +
    `nginx ${num(data.accessLogLines.nginx)}; requests completed through each (sanity, warm-up, measured runs, streams): ` +
    `${num(data.requestsSent.switchyard)}, ${num(data.requestsSent['switchyard-2w'])}, ${num(data.requestsSent.nginx)}.`, '');

  L.push(`## Streams: time to first token (${cfg.ttftStreamsPerRound} sequential streams per target per round, interleaved stream by stream, keep-alive)`, '');
  L.push('| target | TTFT p50 µs | TTFT p99 µs | added p50 µs vs direct | added p99 µs vs direct | streams ending with `[DONE]` | note |', '|---|---|---|---|---|---|---|');
  for (const target of STREAM_TARGETS) {
    const t = sum.ttft[target];
    let note = { direct: 'first `data:` event', nginx: 'first `data:` event', switchyard: 'first chunk with delta content', portkey: `first chunk with delta content; ${PORTKEY_WAIT_NOTE}` }[target];
    if (target === 'portkey' && t.done === 0) note += '; its vertex-ai stream ends without `data: [DONE]`';
    const done = target === 'direct' || target === 'nginx' ? '– (Vertex stream)' : `${t.done}/${t.streams}`;
    L.push(`| ${target} | ${cell(t.p50_us)} | ${cell(t.p99_us)} | ${cell(t.added_p50_us, signed)} | ${cell(t.added_p99_us, signed)} | ${done} | ${note} |`);
  }
  L.push('');

  L.push(`## Memory per open stream (${data.openStreams.switchyard.k} streams held open by bench/hold-upstream.mjs after their first event)`, '');
  L.push('| proxy | VmRSS idle | VmRSS with all open | per open stream | completed after release |', '|---|---|---|---|---|');
  for (const [name, m] of Object.entries(data.openStreams)) {
    L.push(`| ${name} | ${num(m.idleKiB)} KiB | ${num(m.heldKiB)} KiB | **${num(m.perStreamKiB, 1)} KiB** | ${m.completed}/${m.k} |`);
  }
  L.push('');
  L.push('## Peak resident memory (VmHWM) after the non-streaming and TTFT phases', '');
  L.push('| process | VmHWM |', '|---|---|');
  for (const [name, kib] of Object.entries(data.peakRssKiB)) L.push(`| ${name} | ${num(kib / 1024, 1)} MiB |`);
  L.push('');

  L.push('## Method', '');
  L.push('- Upstream: Debian nginx (`bench/canned-upstream`, one worker, no access log) answering the recorded Vertex `generateContent` JSON and the 7-event CRLF-framed `streamGenerateContent` SSE body, all at once.');
  L.push('- Direct: wrk POSTs the Vertex body straight to the upstream. nginx: `bench/nginx-proxy` (one process, `worker_processes 1`, keep-alive upstream pool of 64, `proxy_http_version 1.1`, access log on with `buffer=64k flush=1s`, stub_status on, SSE unbuffered), same Vertex body. ' +
    'Switchyard: `switchyard run --workers 1` (and a second process with `--workers 2`) with bench/canned-upstream/manifest.yaml.template, OpenAI body, access log (stdout) to a file, metrics on (admin /metrics), tracing not configured (no OTEL endpoint). ' +
    'Portkey: `@portkey-ai/gateway` 1.15.2 (`start-server.js --headless`) with the vertex-ai provider and `x-portkey-custom-host` pointing at the same upstream, OpenAI body. ' +
    '`@hono/node-server` is pinned to 1.13.8 in bench/package.json: newer ones make every Portkey stream fail with `TypeError: immutable` (Portkey-AI/gateway#1389).');
  L.push(`- Non-streaming: \`wrk -t1 -c{1,16,64} -d${cfg.duration} --latency -s bench/post.lua\`; each round runs every concurrency with the targets in a rotated order; Switchyard with 2 workers runs at c=64 right after Switchyard with 1. ` +
    'Warm-up runs (not reported) first. CPU = utime + stime of the proxy process, all threads (/proc/PID/stat), read right before and after each wrk run, divided by the requests wrk completed; "cores used" = CPU seconds ÷ wall seconds. Added latency = the proxy\'s percentile minus direct\'s in the same round.');
  L.push('- 2 workers vs 1 on 2 shared cores: wrk and the upstream need CPU too, so giving Switchyard a second core cannot double its requests/s here. ' +
    'The target is read CPU-normalised: throughput per core used is requests ÷ CPU seconds, so 2 workers on 2 cores of their own would serve 2 × (CPU/request with 1 worker) ÷ (CPU/request with 2 workers) times what 1 worker serves on 1. ' +
    'This holds when the workers share nothing that makes them wait without burning CPU; the raw requests/s ratio, the cores each used and the upstream\'s cores (well below 1, so the upstream is not saturated) are in the tables for that check.');
  L.push(`- Streams: Node http client, one keep-alive connection per target, ${data.config.ttftWarmup} warm-up streams each, then ${cfg.ttftStreamsPerRound} per round, stream by stream in rotated order; TTFT = from sending the request to the first \`data:\` event (Vertex shape) or first chunk with \`delta.content\` (OpenAI shape). p99 of ${cfg.ttftStreamsPerRound} streams is close to their maximum.`);
  L.push('- Memory per open stream: bench/hold-upstream.mjs sends each stream\'s first event and holds it; the proxy\'s VmRSS after 20 warm-up streams (idle) vs with all streams open after their first event, ÷ streams; then all are released and must complete.');
  L.push('- Figures: bench/results/compare.png; raw runs and the summary: bench/results/compare.json.');
  return L.join('\n') + '\n';
}

// Four panels: requests/s by concurrency, proxy CPU per request, added latency at c=1, TTFT.
function gnuplotScript(data, sum, pngPath) {
  const cs = data.config.concurrencies;
  const m = (s) => (s ? s.median : 'NaN');
  const lo = (s) => (s ? s.min : 'NaN');
  const hi = (s) => (s ? s.max : 'NaN');
  const atLeast1 = (x) => (x === 'NaN' ? x : Math.max(1, x));
  const rpsRows = cs.map((c) => [c, ...['direct', 'nginx', 'switchyard', 'portkey'].flatMap((t) => {
    const s = sum.unary[t][c]?.rps; return [m(s), lo(s), hi(s)];
  })].join(' '));
  const sy2 = sum.unary['switchyard-2w'][64]?.rps;
  const cpuRows = cs.map((c) => [c, ...['nginx', 'switchyard', 'switchyard-2w', 'portkey'].map((t) => m(sum.unary[t][c]?.proxy_cpu_us_per_req))].join(' '));
  const latRows = PROXIES.map((t) => [t, atLeast1(m(sum.unary[t][1].added_p50_us)), atLeast1(m(sum.unary[t][1].added_p99_us))].join(' '));
  const ttftRows = STREAM_TARGETS.map((t) => [t, m(sum.ttft[t].p50_us), m(sum.ttft[t].p99_us)].join(' '));
  return `set terminal pngcairo size 1500,1050 font 'DejaVu Sans,10'
set output '${pngPath}'
$rps << EOD
${rpsRows.join('\n')}
EOD
$sy2 << EOD
64 ${m(sy2)} ${lo(sy2)} ${hi(sy2)}
EOD
$cpu << EOD
${cpuRows.join('\n')}
EOD
$lat << EOD
${latRows.join('\n')}
EOD
$ttft << EOD
${ttftRows.join('\n')}
EOD
set multiplot layout 2,2 title "Switchyard side by side (${data.date}, ${data.config.repeats} rounds, medians; bars = min-max)"
set grid ytics
set logscale y
set key outside right
set title 'Non-streaming requests/s by concurrency (wrk -t1)'
set logscale x 2
set xtics (1, 16, 64)
set xrange [0.8:80]
set xlabel 'concurrent connections'
set ylabel 'requests/s'
plot $rps using 1:2:3:4 with yerrorlines lw 2 title 'direct', \\
     '' using 1:5:6:7 with yerrorlines lw 2 title 'nginx proxy', \\
     '' using 1:8:9:10 with yerrorlines lw 2 title 'Switchyard', \\
     '' using 1:11:12:13 with yerrorlines lw 2 title 'Portkey', \\
     $sy2 using 1:2:3:4 with yerrorbars pt 7 ps 1.5 title 'Switchyard 2 workers'
unset logscale x
unset xrange
set xtics auto
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set title 'Proxy CPU per non-streaming request (µs, /proc utime+stime)'
set xlabel 'concurrent connections'
set ylabel 'µs CPU / request'
set yrange [1:*]
plot $cpu using 2:xtic(1) title 'nginx proxy', '' using 3 title 'Switchyard', '' using 4 title 'Switchyard 2 workers', '' using 5 title 'Portkey'
set title 'Added latency at c=1 vs direct (µs; values below 1 drawn at 1)'
set xlabel ''
set ylabel 'µs'
plot $lat using 2:xtic(1) title 'p50', '' using 3 title 'p99'
set title "Streams: time to first token (µs; Portkey's includes its fixed 25 ms wait)"
set ylabel 'µs'
plot $ttft using 2:xtic(1) title 'p50', '' using 3 title 'p99'
unset multiplot
`;
}

export function writeReports(resultsDir, data) {
  const sum = summarize(data);
  writeFileSync(path.join(resultsDir, 'compare.json'), JSON.stringify({ ...data, summary: sum }, null, 1) + '\n');
  const md = markdown(data, sum);
  writeFileSync(path.join(resultsDir, 'compare.md'), md);
  const script = gnuplotScript(data, sum, path.join(resultsDir, 'compare.png'));
  try {
    execFileSync('gnuplot', [], { input: script, stdio: ['pipe', 'inherit', 'inherit'] });
  } catch (e) {
    process.stderr.write(`compare: gnuplot failed (${e.message}); compare.md and compare.json are written\n`);
  }
  process.stdout.write(md);
}
