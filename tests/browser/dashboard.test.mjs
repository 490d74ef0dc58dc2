// The dashboard in a real browser: `infermark report --html` pages opened from disk in Debian's
// headless Chromium (driven by playwright-core, pinned in dashboards/package.json).
//
//   node dashboard.test.mjs --infermark BIN --source SRC_DIR --out BUILD_DIR/browser
//
// Result files come from the real binary: tests/browser/dashboard_suite.json on the reference
// backend (8 benchmarks, about a second). Run A is that file with roofline ceilings (fixture
// values, one of them unavailable), two energy summaries and hostile strings in the system and
// suite fields added; run B is the generated file with every latency 1.25× longer, one benchmark
// mistrusted, one failed, hostile strings in a workload id, a device, a reason and the system,
// and no ceilings array (as older files). Every expected count below is worked out by hand from that
// design. Exit 0: all checks passed; 1: a check failed; 77: skipped (no Chromium or no
// node_modules), with the reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

function arg(name) {
  const i = process.argv.indexOf('--' + name);
  if (i < 0 || i + 1 >= process.argv.length) {
    console.error(`usage: node dashboard.test.mjs --infermark BIN --source SRC --out DIR (missing --${name})`);
    process.exit(2);
  }
  return process.argv[i + 1];
}
const BIN = arg('infermark');
const SRC = arg('source');
const OUT = arg('out');

const CHROMIUM = process.env.INFERMARK_CHROMIUM || '/usr/bin/chromium';
const PLAYWRIGHT = join(SRC, 'dashboards/node_modules/playwright-core/index.mjs');
if (!existsSync(CHROMIUM)) {
  console.log(`skipped: no Chromium at ${CHROMIUM} (scripts/install-deps.sh installs Debian's chromium)`);
  process.exit(77);
}
if (!existsSync(PLAYWRIGHT)) {
  console.log(`skipped: ${PLAYWRIGHT} is missing (run scripts/install-deps.sh, or npm ci in dashboards/)`);
  process.exit(77);
}
const { chromium } = await import(pathToFileURL(PLAYWRIGHT).href);

let failures = 0;
function check(cond, what, detail) {
  if (cond) return;
  failures++;
  console.log(`FAIL: ${what}` + (detail === undefined ? '' : `\n      got: ${JSON.stringify(detail)}`));
}
function equal(got, want, what) {
  check(JSON.stringify(got) === JSON.stringify(want), `${what}: expected ${JSON.stringify(want)}`, got);
}

const work = mkdtempSync(join(tmpdir(), 'infermark-dashboard-'));
mkdirSync(OUT, { recursive: true });

function infermark(args) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) {
    console.log(`FAIL: infermark ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    process.exit(1);
  }
  return r.stdout;
}

// ------------------------------------------------------------------ fixtures

const H = {
  hostname: "</script><script>window.__pwned='hostname'</script>",
  cpu: "\"><img src=x onerror=\"window.__pwned='cpu'\">",
  suite: "dashboard-test <b>&amp;</b> \u2028 </title><script>alert('suite')</script>",
  workload: "<script>window.__pwned='workload'</script>",
  device: "\"><svg onload=\"window.__pwned='device'\">",
  reason: "crashed: <img src=x onerror=alert('reason')> signal 11",
};

infermark(['run', '--suite', join(SRC, 'tests/browser/dashboard_suite.json'), '--backend', 'reference',
  '--out', join(work, 'generated.json'), '--cache-dir', join(work, 'cache'), '--quiet']);
const generated = JSON.parse(readFileSync(join(work, 'generated.json'), 'utf8'));
const ids = generated.benchmarks.map((b) => b.workload.id);
equal(ids, ['enc/encode/b1/s8/f32/l1', 'enc/encode/b2/s8/f32/l1', 'enc/encode/b4/s8/f32/l1',
  'enc/encode/b1/s16/f32/l1', 'enc/encode/b1/s32/f32/l1', 'enc/encode/b1/s8/bf16/l1',
  'dec/prefill/b1/s8/f32/l1', 'dec/decode/b1/s1/c16/f32/l1'], 'the suite\'s workloads, in order');
const unmeasured = generated.benchmarks.filter((b) => b.state !== 'passed' && b.state !== 'mistrusted');
if (unmeasured.length) {
  console.log('FAIL: the fixture run did not measure every benchmark: ' +
    JSON.stringify(unmeasured.map((b) => [b.id, b.state, b.reason])));
  process.exit(1);
}
const at = (run, wid) => run.benchmarks.find((b) => b.workload.id === wid);

// Run A: measured ceilings (fixture values), energy for the prefill and the decode, hostile
// system fields.
const A = structuredClone(generated);
A.run.suite.name = H.suite;
A.system.hostname = H.hostname;
A.system.cpu.model = H.cpu;
A.system.ceilings = [{ backend: 'reference', device: 'cpu0', precision: 'f32', flops_per_s: 77e9,
  bytes_per_s: 20e9, method: 'fixture values: OpenBLAS dgemm peak and a STREAM-like copy' },
{ backend: 'reference', device: 'cpu0', precision: 'bf16', unavailable: 'fixture: no bf16 matmul' }];
at(A, 'dec/prefill/b1/s8/f32/l1').summaries.push({ tag: 'energy/package-0/joules_per_token', unit: 'J',
  value: 0.0021, per: 'token', description: 'fixture value', source: 'counter' });
at(A, 'dec/decode/b1/s1/c16/f32/l1').summaries.push({ tag: 'energy/package-0/joules_per_token', unit: 'J',
  value: 0.0093, per: 'token', description: 'fixture value', source: 'counter' });
writeFileSync(join(work, 'A.json'), JSON.stringify(A));

// Run Q: one decoder shape at f32, int8 and int4w (tests/browser/dashboard_quant_suite.json),
// medians set by hand so the Pareto front is known: f32 2 ms (exact), int8 1 ms, int4w 1.5 ms
// (its quantization error, measured, is larger than int8's: 4 bits against 8). Front: f32, int8.
infermark(['run', '--suite', join(SRC, 'tests/browser/dashboard_quant_suite.json'), '--backend',
  'reference', '--out', join(work, 'Q.json'), '--cache-dir', join(work, 'cache'), '--quiet']);
const Q = JSON.parse(readFileSync(join(work, 'Q.json'), 'utf8'));
const quantMedian = { 'f32': 2e-3, 'int8-f32': 1e-3, 'int4w-g32-f32': 1.5e-3 };
for (const b of Q.benchmarks) {
  const precision = b.workload.id.split('/')[5];
  const s = b.summaries.find((x) => x.tag === 'latency/host/median');
  check(s && precision in quantMedian, `Q: ${b.workload.id} has a median and a known precision`);
  if (s) { s.value = quantMedian[precision]; s.ci95 = null; }
}
const qnmse = (p) => (at(Q, 'dec/decode/b1/s1/c16/' + p + '/l1').summaries
  .find((x) => x.tag === 'quantization/nmse') || {}).value;
check(qnmse('int8-f32') > 0 && qnmse('int4w-g32-f32') > qnmse('int8-f32'),
  'Q: int4w\'s quantization error is above int8\'s', [qnmse('int8-f32'), qnmse('int4w-g32-f32')]);
writeFileSync(join(work, 'Q.json'), JSON.stringify(Q));

// Run B: everything 1.25× slower; b2 mistrusted, the decode failed, the prefill's workload id and
// the bf16 benchmark's device hostile; no ceilings array at all, no energy.
const B = structuredClone(generated);
B.run.id = 'run-b';
delete B.system.ceilings;  // as in files written before runs measured ceilings
B.system.hostname = H.hostname;
B.system.cpu.model = H.cpu;
const F = 1.25;
for (const b of B.benchmarks) {
  b.samples.host = b.samples.host.map((v) => v * F);
  for (const s of b.summaries) {
    const k = s.unit === 's' ? F : (s.unit.endsWith('/s') ? 1 / F : 1);
    s.value *= k;
    if (s.ci95) s.ci95 = s.ci95.map((v) => v * k).sort((x, y) => x - y);
  }
}
const mis = at(B, 'enc/encode/b2/s8/f32/l1');
mis.state = 'mistrusted';
mis.reason = 'CI target not met: ±7.1% > ±5% <b>bold</b>';
mis.validity.valid = false;
mis.validity.reasons.push('95% CI half-width 7.1% above the 5% target');
const failed = at(B, 'dec/decode/b1/s1/c16/f32/l1');
failed.state = 'failed';
failed.reason = H.reason;
failed.samples.host = [];
failed.summaries = [];
failed.validity = null;
at(B, 'dec/prefill/b1/s8/f32/l1').workload.id = H.workload;
const moved = at(B, 'enc/encode/b1/s8/bf16/l1');
moved.device = H.device;
moved.id = moved.workload.id + '@reference:' + H.device;
writeFileSync(join(work, 'B.json'), JSON.stringify(B));

const medians = (run) => run.benchmarks.map((b) => {
  const s = b.summaries.find((x) => x.tag === 'latency/host/median');
  return s ? s.value : null;
});

// ------------------------------------------------------------------ the pages

const pages = {
  one: { files: ['A.json'], benchmarks: 8 },
  two: { files: ['A.json', 'B.json'], benchmarks: 16 },
  b: { files: ['B.json'], benchmarks: 8 },
  q: { files: ['Q.json'], benchmarks: 3 },
};
for (const [name, p] of Object.entries(pages)) {
  p.html = join(OUT, 'dashboard-' + name + '.html');  // kept beside the screenshots, for people
  const printed = infermark(['report', ...p.files.map((f) => join(work, f)), '--html', p.html]);
  equal(printed.trim(), p.html, `report --html prints the page's path (${name})`);
}

const userData = mkdtempSync(join(tmpdir(), 'infermark-chromium-'));
const context = await chromium.launchPersistentContext(userData, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1360, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function open(name) {
  const page = await context.newPage();
  const log = { errors: [], dialogs: [], requests: [] };
  page.on('console', (m) => { if (m.type() === 'error') log.errors.push(m.text()); });
  page.on('pageerror', (e) => log.errors.push('uncaught: ' + e.message));
  page.on('dialog', (d) => { log.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('request', (r) => { if (!r.url().startsWith('file:')) log.requests.push(r.url()); });
  await page.goto(pathToFileURL(pages[name].html).href);
  await page.waitForFunction(() => window.infermarkDashboard && window.infermarkDashboard.ready,
    null, { timeout: 20000 });
  return { page, log };
}

// Each chart's series as [name, type, number of points], read from the chart instances.
const seriesOf = (page) => page.evaluate(() => {
  const out = {};
  for (const [id, chart] of Object.entries(window.infermarkDashboard.charts)) {
    const canvas = chart.getDom().querySelector('canvas');
    out[id] = { drawn: !!canvas && canvas.width > 0 && canvas.height > 0,
      series: chart.getOption().series.map((s) => [s.name, s.type, s.data.length]) };
  }
  return out;
});

async function commonChecks(name, page, log) {
  equal(log.errors, [], `${name}: console errors`);
  equal(log.dialogs, [], `${name}: dialogs opened (a hostile string ran)`);
  equal(log.requests, [], `${name}: network requests`);
  const state = await page.evaluate(() => ({
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    ready: document.documentElement.getAttribute('data-ready'),
    failed: window.infermarkDashboard.failedSections,
    scripts: document.scripts.length,
    injected: document.querySelectorAll('img, svg, iframe, object, embed').length,
    rows: document.querySelectorAll('#overview-table tbody tr').length,
  }));
  equal(state.pwned, null, `${name}: window.__pwned (set only by a hostile string)`);
  equal(state.ready, 'yes', `${name}: every section drawn`);
  equal(state.failed, [], `${name}: sections that failed`);
  equal(state.scripts, 3, `${name}: script elements (data, chart library, page script)`);
  equal(state.injected, 0, `${name}: elements created from hostile strings`);
  equal(state.rows, pages[name].benchmarks, `${name}: one overview row per benchmark`);
  const charts = await seriesOf(page);
  for (const [id, c] of Object.entries(charts)) check(c.drawn, `${name}: chart ${id} has a canvas`);
  return charts;
}

const text = (page) => page.evaluate(() => document.body.textContent);

try {
  // --- one run
  {
    const { page, log } = await open('one');
    const charts = await commonChecks('one', page, log);
    equal(Object.keys(charts).sort(), ['energy', 'latency', 'memory', 'roofline-0',
      'throughput-batch', 'throughput-seq'], 'one: charts');
    // Every benchmark here is measured, on one device, and the reference records its buffers.
    equal(charts.memory.series, [['reference:cpu0', 'scatter', 8]], 'one: memory against tokens/s');
    equal(charts.latency.series[0], ['latency', 'boxplot', 8], 'one: a box per benchmark');
    equal(charts['throughput-batch'].series,
      [['enc/encode/b*/s8/f32/l1 @ reference:cpu0', 'line', 3]], 'one: tokens/s against batch');
    equal(charts['throughput-seq'].series,
      [['enc/encode/b1/s*/f32/l1 @ reference:cpu0', 'line', 3]], 'one: tokens/s against seq');
    equal(charts['roofline-0'].series, [['f32', 'scatter', 7], ['bf16', 'scatter', 1],
      ['f32 ceiling', 'line', 3]], 'one: roofline points and the measured ceiling');
    equal(charts.energy.series, [['prefill', 'bar', 1], ['decode', 'bar', 1]], 'one: energy');
    // The ceiling: 77 GFLOP/s flat from the ridge at 77e9 / 20e9 = 3.85 FLOP/B.
    const ceiling = await page.evaluate(() => window.infermarkDashboard.charts['roofline-0']
      .getOption().series[2].data.map((d) => (Array.isArray(d) ? d : d.value)));
    check(Math.abs(ceiling[1][0] - 3.85) < 1e-12 && ceiling[1][1] === 77e9 && ceiling[2][1] === 77e9,
      'one: the ceiling bends at the ridge (3.85 FLOP/B, 77 GFLOP/s)', ceiling);
    equal(await page.evaluate(() =>
      [...document.querySelectorAll('[data-notice="ceilings"]')].map((n) => n.textContent)),
    ['bf16 ceiling unavailable: fixture: no bf16 matmul'], 'one: the unmeasured ceiling says why');
    const t = await text(page);
    for (const k of ['hostname', 'cpu', 'suite'])
      check(t.includes(H[k]), `one: the hostile ${k} string is shown literally`);
    equal(await page.title(), `infermark report · ${H.suite} · ${H.hostname}`, 'one: title, literally');
    await page.screenshot({ path: join(OUT, 'dashboard-one-run.png'), fullPage: true });
    await page.close();
  }

  // --- two runs: the comparison, the marks of mistrusted and failed results
  {
    const { page, log } = await open('two');
    const charts = await commonChecks('two', page, log);
    equal(Object.keys(charts).sort(), ['compare-0', 'energy', 'latency', 'memory', 'roofline-0',
      'roofline-1', 'throughput-batch', 'throughput-seq'], 'two: charts');
    equal(charts.latency.series[0], ['latency', 'boxplot', 15], 'two: a box per benchmark with samples');
    equal(await page.evaluate(() => document.querySelector('[data-not-drawn]').textContent),
      'No samples, so no box: [B] dec/decode/b1/s1/c16/f32/l1 @ reference:cpu0 (failed).',
      'two: the failed benchmark is named under the latency chart');
    equal(charts['throughput-batch'].series,
      [['[A] enc/encode/b*/s8/f32/l1 @ reference:cpu0', 'line', 3],
        ['[B] enc/encode/b*/s8/f32/l1 @ reference:cpu0', 'line', 3]], 'two: tokens/s against batch');
    equal(charts['throughput-seq'].series,
      [['[A] enc/encode/b1/s*/f32/l1 @ reference:cpu0', 'line', 3],
        ['[B] enc/encode/b1/s*/f32/l1 @ reference:cpu0', 'line', 3]], 'two: tokens/s against seq');
    equal(charts['roofline-0'].series, [['[A] f32', 'scatter', 7], ['[A] bf16', 'scatter', 1],
      ['[B] f32', 'scatter', 6], ['[A] f32 ceiling', 'line', 3]], 'two: roofline of reference:cpu0');
    equal(charts['roofline-1'].series, [['[B] bf16', 'scatter', 1]], 'two: roofline of the moved device');
    equal(charts.energy.series, [['prefill', 'bar', 1], ['decode', 'bar', 1]], 'two: energy (run A only)');
    equal(charts['compare-0'].series, [['ratio', 'scatter', 5], ['95% interval', 'custom', 5]],
      'two: the five benchmarks measured and passed in both runs are compared');
    const ratios = await page.evaluate(() =>
      window.infermarkDashboard.charts['compare-0'].getOption().series[0].data.map((d) => d.value[0]));
    check(ratios.length === 5 && ratios.every((r) => Math.abs(r - 1.25) < 1e-9),
      'two: every ratio is 1.25 (B = A × 1.25)', ratios);
    const unpaired = await page.evaluate(() => Object.fromEntries(
      [...document.querySelectorAll('table[data-unpaired]')].map((t) =>
        [t.dataset.unpaired, t.querySelectorAll('tbody tr').length])));
    equal(unpaired, { state_changes: 2, only_baseline: 1, only_contender: 1 }, 'two: unpaired lists');

    // Mistrusted and failed are marked where they are listed.
    const marks = await page.evaluate(() => ({
      mistrusted: document.querySelectorAll('#overview-table tr.row-mistrusted').length,
      failed: document.querySelectorAll('#overview-table tr.row-failed').length,
      invalid: document.querySelectorAll('#overview-table tr.row-invalid').length,
      banner: !!document.querySelector('[data-notice="not-valid"]'),
    }));
    equal(marks, { mistrusted: 1, failed: 1, invalid: 2, banner: true }, 'two: marked rows');
    const roofNote = await page.evaluate(() =>
      [...document.querySelectorAll('[data-chart="roofline-1"] ~ [data-notice="ceilings"]')].map((n) => n.textContent));
    equal(roofNote, ['ceilings not measured in this run (run B)'], 'two: the note under a chart without ceilings');

    const t = await text(page);
    for (const k of ['hostname', 'cpu', 'workload', 'device', 'reason'])
      check(t.includes(H[k]), `two: the hostile ${k} string is shown literally`);

    // Sorting by median: ascending, benchmarks without one last.
    const all = [...medians(A), ...medians(B)];
    await page.click('#overview-table th:nth-child(7)');  // run, workload, backend, device, state, correctness, median
    const order = await page.evaluate(() =>
      [...document.querySelectorAll('#overview-table tbody tr')].map((r) => +r.dataset.benchmark));
    const shown = order.map((i) => all[i]);
    const want = all.filter((v) => v !== null).sort((x, y) => x - y).concat([null]);
    equal(shown, want, 'two: rows sorted by median');
    // Filtering.
    await page.selectOption('#overview-state', 'failed');
    const failedRows = await page.evaluate(() =>
      [...document.querySelectorAll('#overview-table tbody tr')].map((r) => r.textContent));
    check(failedRows.length === 1 && failedRows[0].includes(H.reason), 'two: state filter', failedRows);
    await page.selectOption('#overview-state', '');
    await page.fill('#overview-filter', 'svg onload');
    const deviceRows = await page.evaluate(() => document.querySelectorAll('#overview-table tbody tr').length);
    equal(deviceRows, 1, 'two: text filter');
    await page.fill('#overview-filter', '');
    await page.click('#overview-table th:nth-child(7)');  // back to a readable order for the picture
    await page.click('#overview-table th:nth-child(1)');
    equal(await page.evaluate(() => window.__pwned === undefined), true, 'two: nothing ran after interaction');
    await page.screenshot({ path: join(OUT, 'dashboard-two-runs.png'), fullPage: true });
    await page.close();
  }

  // --- run B alone: nothing measured for energy or ceilings, and the page says so
  {
    const { page, log } = await open('b');
    const charts = await commonChecks('b', page, log);
    equal(Object.keys(charts).sort(), ['latency', 'memory', 'roofline-0', 'roofline-1',
      'throughput-batch', 'throughput-seq'], 'b: charts (no energy chart)');
    const notes = await page.evaluate(() => ({
      energy: (document.querySelector('[data-notice="energy"]') || {}).textContent || null,
      ceilings: [...document.querySelectorAll('[data-notice="ceilings"]')].map((n) => n.textContent),
    }));
    check(notes.energy && notes.energy.startsWith('Energy: not measured'), 'b: energy says not measured', notes.energy);
    equal(notes.ceilings, ['ceilings not measured in this run', 'ceilings not measured in this run'],
      'b: each roofline says its ceilings were not measured');
    await page.screenshot({ path: join(OUT, 'dashboard-run-b.png'), fullPage: true });
    await page.close();
  }

  // --- run Q: the precision trade-off chart and table
  {
    const { page, log } = await open('q');
    const charts = await commonChecks('q', page, log);
    check('tradeoff-0' in charts && !('tradeoff-1' in charts), 'q: one trade-off chart', Object.keys(charts));
    equal(charts['tradeoff-0'].series, [['precisions', 'scatter', 3], ['Pareto front', 'line', 2]],
      'q: three precisions, two on the front');
    const rows = await page.evaluate(() => [...document.querySelectorAll('.tradeoff-table tbody tr')]
      .map((r) => [r.cells[0].textContent, r.dataset.pareto, r.cells[4].textContent]));
    equal(rows, [['f32 ★', 'yes', '1.00×'], ['int8-f32 ★', 'yes', '2.00×'], ['int4w-g32-f32', 'no', '1.33×']],
      'q: the table: front marked, speed-ups against f32 (2 ms / 1 ms, 2 ms / 1.5 ms)');
    // The front, in latency order: int8 (1 ms, its NMSE), then f32 (2 ms, on the axis floor).
    const front = await page.evaluate(() => window.infermarkDashboard.charts['tradeoff-0']
      .getOption().series[1].data);
    check(front.length === 2 && front[0][0] === 1e-3 && front[0][1] === qnmse('int8-f32') &&
      front[1][0] === 2e-3 && front[1][1] < qnmse('int8-f32'), 'q: the front line', front);
    await page.screenshot({ path: join(OUT, 'dashboard-tradeoff.png'), fullPage: true });
    await page.close();
  }
  // The runs without quantized precisions draw no trade-off section.
  {
    const { page } = await open('one');
    equal(await page.evaluate(() => !!document.getElementById('tradeoff')), false,
      'one: no trade-off section without a quantized precision');
    await page.close();
  }
} finally {
  await context.close();
  rmSync(userData, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

console.log(`pages and screenshots: ${OUT}/dashboard-{one,two,b,q}.html, dashboard-{one-run,two-runs,run-b,tradeoff}.png`);
if (failures) {
  console.log(`${failures} check(s) failed`);
  process.exit(1);
}
console.log('dashboard browser test: all checks passed');
