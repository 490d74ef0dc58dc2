// infermark dashboard: draws the result data embedded in this page (tables with the DOM, charts
// with ECharts). Every string that comes from a result file reaches the page as text: through
// textContent, attribute values set one at a time, or text that ECharts paints on a canvas;
// never as HTML. Tooltips are DOM nodes built the same way.
(function () {
  'use strict';

  const DATA = JSON.parse(document.getElementById('infermark-data').textContent);
  const app = document.getElementById('app');
  const charts = {};
  // For the browser test and for people poking at the page: the data, the chart instances by id,
  // and whether every section has been drawn.
  const api = { data: DATA, charts: charts, ready: false, failedSections: [] };
  window.infermarkDashboard = api;

  const RUNS = DATA.runs || [];
  const BENCH = DATA.benchmarks || [];
  const MULTI = RUNS.length > 1;
  const STATES = ['passed', 'mistrusted', 'failed', 'unimplemented', 'skipped'];
  const STATE_COLOR = {
    passed: '#15803d', mistrusted: '#c2410c', failed: '#b91c1c',
    unimplemented: '#64748b', skipped: '#94a3b8'
  };
  const PALETTE = ['#2563eb', '#db2777', '#0d9488', '#ea580c', '#7c3aed', '#0891b2',
    '#65a30d', '#be123c', '#4f46e5', '#a16207'];
  const PHASE_COLOR = { prefill: '#2563eb', decode: '#db2777', encode: '#0d9488' };
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

  // ---------------------------------------------------------------- DOM and formatting helpers

  // el('td', {class: 'num', title: x}, child, 'text', …): children that are strings or numbers
  // become text nodes; attribute values are set with setAttribute (never parsed as HTML).
  function el(tag, attrs) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const k of Object.keys(attrs)) {
        const v = attrs[k];
        if (v == null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = String(v);
        else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (let i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }
  function append(parent, c) {
    if (c == null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(parent, x); }); return; }
    parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }

  const isNum = function (v) { return typeof v === 'number' && isFinite(v); };
  const DASH = '–';

  // Three significant digits at least, never scientific ("20949", "305", "1.23", "0.0123").
  function three(v) {
    if (!isNum(v)) return DASH;
    const mag = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
    return v.toFixed(Math.min(9, Math.max(0, 2 - mag)));
  }
  // "6.11 ms", "850 µs", "1.25 s", as the console table writes them.
  function fmtSeconds(s) {
    if (!isNum(s)) return DASH;
    const a = Math.abs(s);
    if (a >= 1) return three(s) + ' s';
    if (a >= 1e-3) return three(s * 1e3) + ' ms';
    if (a >= 1e-6 || a === 0) return three(s * 1e6) + ' µs';
    return three(s * 1e9) + ' ns';
  }
  // An SI-prefixed rate or quantity: 2.10 T, 305 G, 20.9 k, 1.23 m, 850 µ.
  function si(v, unit) {
    if (!isNum(v)) return DASH;
    if (v === 0) return '0 ' + (unit || '');
    const a = Math.abs(v);
    const steps = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'],
      [1e-6, 'µ'], [1e-9, 'n']];
    for (const [f, p] of steps) if (a >= f || f === 1e-9) return three(v / f) + ' ' + p + (unit || '');
    return three(v) + ' ' + (unit || '');
  }
  // Axis ticks: the fewest digits that tell ticks apart ("10 µs", "2 GFLOP/s", "0.5").
  function compact(v) { return String(Number(v.toPrecision(3))); }
  function axisSeconds(v) {
    const a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 1) return compact(v) + ' s';
    if (a >= 1e-3) return compact(v * 1e3) + ' ms';
    if (a >= 1e-6) return compact(v * 1e6) + ' µs';
    return compact(v * 1e9) + ' ns';
  }
  function axisSi(unit) {
    return function (v) {
      if (v === 0) return '0';
      const a = Math.abs(v);
      const steps = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'µ']];
      for (const [f, p] of steps) if (a >= f) return compact(v / f) + (p || unit ? ' ' + p + (unit || '') : '');
      return compact(v) + (unit ? ' ' + unit : '');
    };
  }
  function fmtTokens(v) {
    if (!isNum(v)) return DASH;
    return v >= 1000 ? Math.round(v).toLocaleString('en-US') : three(v);
  }
  // Percentages of spread: two decimals below 1%, one below 10%, none above.
  function pct(v) {
    if (!isNum(v)) return DASH;
    const h = 100 * v;
    return h.toFixed(h >= 10 ? 0 : h >= 1 ? 1 : 2) + '%';
  }
  function medianCell(b) {
    if (!isNum(b.median)) return DASH;
    let t = fmtSeconds(b.median);
    if (b.median_ci95 && b.median > 0) {
      const h = 100 * (b.median_ci95[1] - b.median_ci95[0]) / 2 / b.median;
      return [t, el('span', { class: 'ci', text: ' ±' + pct(h / 100) })];
    }
    return t;
  }

  // A workload id that wraps only after a '/', never at the '-' of "tiny-gpt2": nowrap segments
  // with a <wbr> after each slash (the text itself is unchanged).
  function idNode(text, cls) {
    const span = el('span', { class: 'wid ' + (cls || '') });
    String(text).split('/').forEach(function (part, i, all) {
      span.appendChild(el('span', { class: 'nowrap', text: part + (i < all.length - 1 ? '/' : '') }));
      if (i < all.length - 1) span.appendChild(el('wbr'));
    });
    return span;
  }

  function runOf(b) { return RUNS[b.run] || { label: '?' }; }
  function where(b) { return b.backend + ':' + b.device; }
  function benchLabel(b) {
    return (MULTI ? '[' + runOf(b).label + '] ' : '') + b.workload + ' @ ' + where(b);
  }
  function measured(b) { return b.state === 'passed' || b.state === 'mistrusted'; }
  // Measured but not to be trusted, or wrong; unimplemented and skipped results were not run.
  function notValid(b) {
    return b.state === 'mistrusted' || b.state === 'failed' ||
      (measured(b) && !!b.validity && b.validity.valid === false);
  }
  function notRun(b) { return b.state === 'unimplemented' || b.state === 'skipped'; }

  function stateBadge(state) {
    return el('span', { class: 'badge state-' + (STATES.indexOf(state) >= 0 ? state : 'other'),
      text: state });
  }
  // Points of measured-but-mistrusted results: hollow triangles in the mistrusted colour.
  function pointStyle(b, color) {
    if (b.state === 'mistrusted')
      return { symbol: 'triangle', symbolSize: 11,
        itemStyle: { color: '#fff', borderColor: STATE_COLOR.mistrusted, borderWidth: 2 } };
    return { symbol: 'circle', symbolSize: 8, itemStyle: { color: color } };
  }

  // A tooltip is a DOM node: a title line and key/value rows, all text.
  function tip(title, rows) {
    const t = el('div', { class: 'tip' }, el('div', { class: 'tip-title', text: title }));
    const table = el('table');
    rows.forEach(function (r) {
      if (r) table.appendChild(el('tr', null, el('th', { text: r[0] }), el('td', { text: r[1] })));
    });
    t.appendChild(table);
    return t;
  }
  function benchTip(b, extra) {
    return tip(benchLabel(b), [['state', b.state + (b.reason ? ' — ' + b.reason : '')]]
      .concat(extra || []));
  }

  // ------------------------------------------------------------------------------- charts

  function baseOption() {
    return {
      animation: false,
      color: PALETTE,
      textStyle: { fontFamily: FONT, color: '#334155' },
      tooltip: { trigger: 'item', confine: true, backgroundColor: '#fff', borderColor: '#cbd5e1',
        padding: 0, extraCssText: 'box-shadow: 0 4px 16px rgba(15,23,42,.15);',
        // Every chart sets its own; this one only guarantees no tooltip is ever an HTML string.
        formatter: function (p) { return tip(String(p.seriesName), [['value', String(p.value)]]); } }
    };
  }
  function axisName(name, gap) {
    return { name: name, nameLocation: 'middle', nameGap: gap || 30,
      nameTextStyle: { color: '#475569', fontWeight: 600 } };
  }
  // A y-axis title above the axis, where it never collides with the tick labels.
  function yName(name) {
    return { name: name, nameLocation: 'end', nameGap: 14,
      nameTextStyle: { color: '#475569', fontWeight: 600, align: 'left' } };
  }
  // Whole decades around positive values: [10^floor(log10(min/2)), 10^ceil(log10(max·2))].
  function decades(values) {
    return [Math.pow(10, Math.floor(Math.log10(Math.min.apply(null, values) / 2))),
      Math.pow(10, Math.ceil(Math.log10(Math.max.apply(null, values) * 2)))];
  }
  // Creates the chart in `host`, registers it under `id`, and returns the instance.
  function makeChart(id, host, height, option) {
    const box = el('div', { class: 'chart', 'data-chart': id });
    box.style.height = height + 'px';
    host.appendChild(box);
    const chart = echarts.init(box, null, { renderer: 'canvas' });
    chart.setOption(option);
    charts[id] = chart;
    return chart;
  }
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });

  function notice(text, kind, key) {
    return el('p', { class: 'notice ' + (kind || 'info'), 'data-notice': key || null, text: text });
  }
  function section(id, title, intro) {
    const s = el('section', { id: id, class: 'card' }, el('h2', { text: title }));
    if (intro) s.appendChild(el('p', { class: 'intro', text: intro }));
    return s;
  }

  // ------------------------------------------------------------------------------- masthead

  function firstString(obj, path) {
    let v = obj;
    for (const k of path) { if (!v || typeof v !== 'object') return ''; v = v[k]; }
    return typeof v === 'string' ? v : (typeof v === 'number' ? String(v) : '');
  }
  function runLine(r) {
    const parts = [];
    const suite = firstString(r.run, ['suite', 'name']);
    if (suite) parts.push('suite ' + suite + (firstString(r.run, ['suite', 'version'])
      ? ' v' + firstString(r.run, ['suite', 'version']) : ''));
    const host = firstString(r.system, ['hostname']);
    if (host) parts.push(host);
    const cpu = firstString(r.system, ['cpu', 'model']);
    if (cpu) parts.push(cpu);
    const when = firstString(r.run, ['started_at']);
    if (when) parts.push(when);
    const id = firstString(r.run, ['id']);
    if (id) parts.push('run ' + id);
    return parts.join(' · ');
  }

  function masthead() {
    const counts = {};
    STATES.forEach(function (s) { counts[s] = 0; });
    BENCH.forEach(function (b) { counts[b.state] = (counts[b.state] || 0) + 1; });
    const head = el('header', { class: 'masthead' },
      el('div', { class: 'brand' }, el('span', { class: 'logo', text: 'infermark' }),
        el('span', { class: 'kind', text: MULTI ? 'comparison report' : 'benchmark report' })),
      el('h1', { text: MULTI ? RUNS.length + ' runs compared' :
        (firstString(RUNS[0] || {}, ['run', 'suite', 'name']) ?
          'Suite ' + firstString(RUNS[0], ['run', 'suite', 'name']) : 'Benchmark run') }));
    const lines = el('div', { class: 'runs' });
    RUNS.forEach(function (r, i) {
      lines.appendChild(el('div', { class: 'run-line' },
        MULTI ? el('span', { class: 'run-tag', text: r.label }) : null,
        el('span', { text: runLine(r) || r.file }),
        el('span', { class: 'file', text: r.file }),
        MULTI && i === 0 ? el('span', { class: 'baseline-tag', text: 'baseline' }) : null));
    });
    head.appendChild(lines);

    const kpis = el('div', { class: 'kpis' });
    const sides = new Set(BENCH.map(where));
    const valid = BENCH.filter(function (b) { return !notValid(b) && !notRun(b); }).length;
    const ran = BENCH.filter(function (b) { return !notRun(b); }).length;
    [[BENCH.length, 'benchmarks'], [sides.size, 'backend:device'],
      [valid + ' / ' + ran, 'valid of those run']].forEach(function (k) {
      kpis.appendChild(el('div', { class: 'kpi' }, el('div', { class: 'kpi-value', text: k[0] }),
        el('div', { class: 'kpi-label', text: k[1] })));
    });
    const chips = el('div', { class: 'chips' });
    STATES.forEach(function (s) {
      if (counts[s]) chips.appendChild(el('span', { class: 'chip state-' + s },
        el('b', { text: counts[s] }), ' ' + s));
    });
    kpis.appendChild(chips);
    head.appendChild(kpis);
    app.appendChild(head);

    const bad = BENCH.filter(notValid).length, idle = BENCH.filter(notRun).length;
    const list = function (states) {
      return states.filter(function (s) { return counts[s]; })
        .map(function (s) { return counts[s] + ' ' + s; }).join(', ');
    };
    if (bad) {
      const other = bad - counts.mistrusted - counts.failed;
      app.appendChild(notice(bad + ' of ' + BENCH.length + ' results are not valid (' +
        [list(['mistrusted', 'failed']), other ? other + ' passed but flagged' : '']
          .filter(Boolean).join(', ') + '). They are marked in every table and chart, never ' +
        'hidden; the "Validity" section gives each reason.' + (idle ? ' ' + idle + ' were not run (' +
          list(['unimplemented', 'skipped']) + '), each with its reason.' : ''), 'warn', 'not-valid'));
    } else if (idle) {
      app.appendChild(notice(idle + ' of ' + BENCH.length + ' benchmarks were not run (' +
        list(['unimplemented', 'skipped']) + '); the overview gives each reason.', 'info', 'not-run'));
    }

    const nav = el('nav', { class: 'toc' });
    [['overview', 'Overview'], ['latency', 'Latency'], ['throughput', 'Throughput'],
      ['roofline', 'Roofline'], ['energy', 'Energy'], ['memory', 'Memory'], MULTI ? ['comparison', 'Comparison'] : null,
      ['validity', 'Validity'], ['system', 'System']].forEach(function (n) {
      if (n) nav.appendChild(el('a', { href: '#' + n[0], text: n[1] }));
    });
    app.appendChild(nav);
  }

  // ------------------------------------------------------------------------------- overview

  function energyCell(b) {
    const e = (b.energy || []).filter(function (x) { return isNum(x.value); });
    if (!e.length)
      return el('span', { class: 'muted', title: b.energy_status && b.energy_status.reason || null,
        text: measured(b) ? 'not measured' : DASH });
    return e.map(function (x) { return (e.length > 1 ? x.domain + ' ' : '') + si(x.value, 'J'); })
      .join(' · ');
  }
  function firstEnergy(b) {
    const e = (b.energy || []).filter(function (x) { return isNum(x.value); });
    return e.length ? e[0].value : null;
  }

  // What the backend allocated for the benchmark (weights, KV cache, activations), by its records.
  function memoryOf(b) { return b.memory && isNum(b.memory.device_total) ? b.memory.device_total : null; }

  function overview() {
    const s = section('overview', 'Overview',
      'One row per benchmark. Click a column heading to sort; type to filter. Median: host wall ' +
      'time with the half-width of its 95% interval. Results that are not valid stay in the ' +
      'table, marked.');
    const cols = [
      MULTI ? { t: 'run', v: function (b) { return runOf(b).label; } } : null,
      { t: 'workload', v: function (b) { return b.workload; }, cls: 'mono',
        cell: function (b) { return idNode(b.workload); } },
      { t: 'backend', v: function (b) { return b.backend; } },
      { t: 'device', v: function (b) { return b.device; }, cls: 'wrap' },
      { t: 'state', v: function (b) { return STATES.indexOf(b.state); },
        cell: function (b) {
          return [stateBadge(b.state),
            notValid(b) && b.state === 'passed' ? el('div', { class: 'invalid small', text: '✗ not valid' }) : null,
            b.reason ? el('div', { class: 'reason', text: b.reason }) : null];
        } },
      { t: 'correctness', v: function (b) { return b.correctness ? b.correctness.text : ''; },
        cls: 'nowrap' },
      { t: 'median', n: true, v: function (b) { return b.median; }, cell: medianCell },
      { t: 'p99', n: true, v: function (b) { return b.p99; },
        cell: function (b) { return fmtSeconds(b.p99); } },
      { t: 'tokens/s', n: true, v: function (b) { return b.tokens_per_s; },
        cell: function (b) { return fmtTokens(b.tokens_per_s); } },
      { t: 'GFLOP/s', n: true, v: function (b) { return b.flops_per_s; },
        cell: function (b) { return isNum(b.flops_per_s) ? three(b.flops_per_s / 1e9) : DASH; } },
      { t: 'J/token', n: true, v: firstEnergy, cell: energyCell },
      { t: 'memory', n: true, v: memoryOf,
        cell: function (b) { return isNum(memoryOf(b)) ? si(memoryOf(b), 'B') : DASH; } }
    ].filter(Boolean);

    const controls = el('div', { class: 'controls' });
    const search = el('input', { type: 'search', placeholder: 'Filter: workload, backend, device, state, reason…',
      'aria-label': 'filter rows', id: 'overview-filter' });
    const stateSel = el('select', { 'aria-label': 'state', id: 'overview-state' },
      el('option', { value: '', text: 'all states' }),
      STATES.map(function (st) { return el('option', { value: st, text: st }); }));
    const invalidOnly = el('input', { type: 'checkbox', id: 'overview-invalid' });
    const count = el('span', { class: 'count' });
    controls.appendChild(search);
    controls.appendChild(stateSel);
    controls.appendChild(el('label', null, invalidOnly, ' only results that are not valid'));
    controls.appendChild(count);
    s.appendChild(controls);

    const table = el('table', { class: 'data', id: 'overview-table' });
    const headRow = el('tr');
    const tbody = el('tbody');
    let sortCol = -1, sortDir = 1;
    cols.forEach(function (c, i) {
      const th = el('th', { scope: 'col', class: c.n ? 'num sortable' : 'sortable', tabindex: 0,
        'aria-sort': 'none' }, c.t);
      const sortHere = function () {
        sortDir = sortCol === i ? -sortDir : 1;
        sortCol = i;
        Array.prototype.forEach.call(headRow.children, function (h, k) {
          h.setAttribute('aria-sort', k === i ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
        });
        render();
      };
      th.addEventListener('click', sortHere);
      th.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') sortHere(); });
      headRow.appendChild(th);
    });
    table.appendChild(el('thead', null, headRow));
    table.appendChild(tbody);

    const rows = BENCH.map(function (b, idx) {
      const tr = el('tr', { class: 'row-' + b.state + (notValid(b) ? ' row-invalid' : ''),
        'data-state': b.state, 'data-benchmark': idx });
      const text = [];
      cols.forEach(function (c) {
        const td = el('td', { class: (c.n ? 'num ' : '') + (c.cls || '') });
        append(td, c.cell ? c.cell(b) : (c.v(b) == null || c.v(b) === '' ? DASH : c.v(b)));
        tr.appendChild(td);
        text.push(td.textContent);
      });
      return { b: b, tr: tr, text: (text.join(' ') + ' ' + b.id).toLowerCase() };
    });

    function render() {
      const q = search.value.trim().toLowerCase();
      const st = stateSel.value;
      let list = rows.filter(function (r) {
        return (!q || r.text.indexOf(q) >= 0) && (!st || r.b.state === st) &&
          (!invalidOnly.checked || notValid(r.b));
      });
      if (sortCol >= 0) {
        const c = cols[sortCol];
        list = list.slice().sort(function (x, y) {
          const a = c.v(x.b), b = c.v(y.b);
          const an = a == null || a === '' || (typeof a === 'number' && !isFinite(a));
          const bn = b == null || b === '' || (typeof b === 'number' && !isFinite(b));
          if (an || bn) return an === bn ? 0 : (an ? 1 : -1);  // empty cells last either way
          if (typeof a === 'number' && typeof b === 'number') return sortDir * (a - b);
          return sortDir * String(a).localeCompare(String(b), 'en', { numeric: true });
        });
      }
      tbody.textContent = '';
      list.forEach(function (r) { tbody.appendChild(r.tr); });
      count.textContent = list.length + ' of ' + rows.length + ' benchmarks';
    }
    search.addEventListener('input', render);
    stateSel.addEventListener('change', render);
    invalidOnly.addEventListener('change', render);
    render();
    s.appendChild(el('div', { class: 'table-wrap' }, table));
    app.appendChild(s);
  }

  // ------------------------------------------------------------------------------- latency

  function latency() {
    const s = section('latency', 'Latency distribution',
      'Every kept sample of host wall time per inference, per benchmark: the box spans the ' +
      'quartiles with the median inside, whiskers reach the furthest samples within 1.5 × IQR, ' +
      'points beyond them are drawn one by one. Logarithmic axis.');
    app.appendChild(s);
    const list = BENCH.filter(function (b) { return b.box; });
    if (!list.length) {
      s.appendChild(notice('No benchmark kept latency samples (none was measured).', 'info', 'latency'));
      return;
    }
    const labels = list.map(function (b) {
      return benchLabel(b) + (b.state !== 'passed' ? '  ⚠ ' + b.state : '');
    });
    const boxes = list.map(function (b) {
      const c = STATE_COLOR[b.state] || '#475569';
      return { value: [b.box.whisker_lo, b.box.q1, b.box.median, b.box.q3, b.box.whisker_hi],
        itemStyle: { color: b.state === 'passed' ? '#dbeafe' : '#ffedd5',
          borderColor: b.state === 'passed' ? '#2563eb' : c, borderWidth: 1.5 } };
    });
    const outliers = [];
    list.forEach(function (b, i) {
      b.box.outliers.forEach(function (v) { outliers.push([v, i]); });
    });
    const opt = baseOption();
    opt.grid = { left: 16, right: 28, top: 16, bottom: 48, containLabel: true };
    opt.xAxis = Object.assign({ type: 'log', logBase: 10, axisLabel: { formatter: axisSeconds },
      splitLine: { lineStyle: { color: '#e2e8f0' } } }, axisName('host wall time per inference', 30));
    opt.yAxis = { type: 'category', data: labels, inverse: true,
      axisLabel: { width: 380, overflow: 'truncate', fontSize: 11 }, axisTick: { show: false } };
    opt.series = [
      { name: 'latency', type: 'boxplot', data: boxes, boxWidth: [6, 16] },
      { name: 'outliers', type: 'scatter', data: outliers, symbolSize: 4,
        itemStyle: { color: '#64748b', opacity: 0.6 } }
    ];
    opt.tooltip.formatter = function (p) {
      if (p.seriesName === 'outliers') {
        const b = list[p.value[1]];
        return benchTip(b, [['outlier', fmtSeconds(p.value[0])]]);
      }
      const b = list[p.dataIndex];
      return benchTip(b, [['samples', String(b.box.n)], ['min', fmtSeconds(b.box.min)],
        ['q1', fmtSeconds(b.box.q1)], ['median', fmtSeconds(b.box.median)],
        ['q3', fmtSeconds(b.box.q3)], ['max', fmtSeconds(b.box.max)],
        ['outliers', String(b.box.outliers.length)]]);
    };
    makeChart('latency', s, 90 + 30 * list.length, opt);
    const missing = BENCH.filter(function (b) { return !b.box; });
    if (missing.length)
      s.appendChild(el('p', { class: 'footnote', 'data-not-drawn': missing.length },
        'No samples, so no box: ' + missing.map(function (b) {
          return benchLabel(b) + ' (' + b.state + ')';
        }).join('; ') + '.'));
  }

  // ------------------------------------------------------------------------------- throughput

  // Lines of tokens/s against one workload dimension, everything else held fixed: one line per
  // run, backend:device and fixed rest. Only groups with two or more values make a line.
  function sweepSeries(xOf, keyOf, nameOf) {
    const groups = new Map();
    BENCH.forEach(function (b) {
      if (!measured(b) || !isNum(b.tokens_per_s) || !isNum(xOf(b))) return;
      const k = JSON.stringify(keyOf(b));
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(b);
    });
    const series = [];
    let single = 0;
    groups.forEach(function (list) {
      const xs = new Set(list.map(xOf));
      if (xs.size < 2) { single++; return; }
      list.sort(function (a, b) { return xOf(a) - xOf(b); });
      const color = PALETTE[series.length % PALETTE.length];
      series.push({ name: nameOf(list[0]), type: 'line', color: color, lineStyle: { width: 2 },
        data: list.map(function (b) {
          return Object.assign({ value: [xOf(b), b.tokens_per_s], bench: BENCH.indexOf(b) },
            pointStyle(b, color));
        }) });
    });
    return { series: series, single: single };
  }
  function prefix(b) { return MULTI ? '[' + runOf(b).label + '] ' : ''; }
  function seqOf(b) { return b.phase === 'decode' ? b.context : b.seq; }

  function sweepChart(host, id, title, xName, sw, logX, emptyText) {
    const box = el('div', { class: 'half' }, el('h3', { text: title }));
    host.appendChild(box);
    if (!sw.series.length) {
      box.appendChild(notice(emptyText, 'info', id));
      return;
    }
    const xs = [], ys = [];
    sw.series.forEach(function (s) {
      s.data.forEach(function (d) { xs.push(d.value[0]); ys.push(d.value[1]); });
    });
    // Lines that differ by orders of magnitude stay readable on a logarithmic axis.
    const logY = Math.min.apply(null, ys) > 0 && Math.max.apply(null, ys) / Math.min.apply(null, ys) > 20;
    const opt = baseOption();
    opt.legend = { orient: 'vertical', left: 8, bottom: 0, itemHeight: 10, textStyle: { fontSize: 11 } };
    opt.grid = { left: 16, right: 24, top: 34, bottom: 56 + 20 * sw.series.length, containLabel: true };
    opt.xAxis = Object.assign({ type: logX && Math.min.apply(null, xs) > 0 ? 'log' : 'value',
      logBase: 2, splitLine: { lineStyle: { color: '#e2e8f0' } } }, axisName(xName, 26));
    opt.yAxis = Object.assign({ type: logY ? 'log' : 'value', axisLabel: { formatter: axisSi('') },
      splitLine: { lineStyle: { color: '#e2e8f0' } } }, yName(logY ? 'tokens/s (log scale)' : 'tokens/s'));
    opt.series = sw.series;
    opt.tooltip.formatter = function (p) {
      const b = BENCH[p.data.bench];
      return benchTip(b, [[xName, String(p.value[0])], ['tokens/s', fmtTokens(p.value[1])],
        ['median', fmtSeconds(b.median)]]);
    };
    makeChart(id, box, 330 + 20 * sw.series.length, opt);
    if (sw.single)
      box.appendChild(el('p', { class: 'footnote', text: sw.single === 1
        ? '1 other workload shape was measured at a single value: no line to draw.'
        : sw.single + ' other workload shapes were measured at a single value each: no line to draw.' }));
  }

  function throughput() {
    const s = section('throughput', 'Throughput',
      'Tokens per second as the batch grows and as the sequence grows, one line per ' +
      'backend:device and workload shape (the swept dimension shown as *). Hollow triangles are ' +
      'mistrusted measurements.');
    app.appendChild(s);
    const row = el('div', { class: 'pair' });
    s.appendChild(row);
    const byBatch = sweepSeries(function (b) { return b.batch; }, function (b) {
      return [b.run, b.backend, b.device, b.model, b.phase, b.precision, b.layers, b.seq, b.context];
    }, function (b) {
      return prefix(b) + b.model + '/' + b.phase + '/b*/s' + b.seq + '/' + b.precision + '/l' +
        b.layers + (b.phase === 'decode' ? '/c' + b.context : '') + ' @ ' + where(b);
    });
    sweepChart(row, 'throughput-batch', 'Tokens/s against batch', 'batch', byBatch, true,
      'No batch sweep: every workload was measured at a single batch size.');
    const bySeq = sweepSeries(seqOf, function (b) {
      return [b.run, b.backend, b.device, b.model, b.phase, b.precision, b.layers, b.batch,
        b.phase === 'decode' ? b.seq : b.context];
    }, function (b) {
      return prefix(b) + b.model + '/' + b.phase + '/b' + b.batch + '/' +
        (b.phase === 'decode' ? 's' + b.seq + '/' + b.precision + '/l' + b.layers + '/c*'
          : 's*/' + b.precision + '/l' + b.layers) + ' @ ' + where(b);
    });
    sweepChart(row, 'throughput-seq', 'Tokens/s against sequence length',
      'sequence length (decode: KV context)', bySeq, true,
      'No sequence sweep: every workload was measured at a single sequence length.');
  }

  // ------------------------------------------------------------------------------- roofline

  function deviceName(run, backend, device) {
    const devs = run && run.system && Array.isArray(run.system.devices) ? run.system.devices : [];
    for (const d of devs)
      if (d && d.backend === backend && d.id === device && typeof d.name === 'string') return d.name;
    return '';
  }

  function roofline() {
    const s = section('roofline', 'Roofline',
      'Achieved FLOP/s of each workload against its arithmetic intensity (the cost model\'s ' +
      'FLOPs / minimum bytes moved), one chart per backend:device, under the compute and ' +
      'bandwidth ceilings measured in the run. Both axes logarithmic.');
    app.appendChild(s);
    const sides = new Map();
    BENCH.forEach(function (b) {
      if (!measured(b) || !isNum(b.flops_per_s) || !(b.flops_per_s > 0) || !isNum(b.intensity)) return;
      const k = JSON.stringify([b.backend, b.device]);
      if (!sides.has(k)) sides.set(k, []);
      sides.get(k).push(b);
    });
    if (!sides.size) {
      s.appendChild(notice('No measured benchmark has an achieved FLOP/s and an arithmetic ' +
        'intensity to place.', 'info', 'roofline'));
      return;
    }
    const grid = el('div', { class: 'grid' });
    s.appendChild(grid);
    let n = 0;
    sides.forEach(function (list) {
      const backend = list[0].backend, device = list[0].device;
      const id = 'roofline-' + n++;
      const name = deviceName(runOf(list[0]), backend, device);
      const box = el('div', { class: 'half' },
        el('h3', null, el('span', { class: 'mono', text: backend + ':' + device }),
          name ? el('span', { class: 'muted', text: ' — ' + name }) : null));
      grid.appendChild(box);

      const series = [];
      const xs = [], ys = [];
      const groups = new Map();
      list.forEach(function (b) {
        const k = prefix(b) + (b.precision || '?');
        if (!groups.has(k)) groups.set(k, []);
        groups.get(k).push(b);
        xs.push(b.intensity); ys.push(b.flops_per_s);
      });
      groups.forEach(function (g, k) {
        const color = PALETTE[series.length % PALETTE.length];
        series.push({ name: k, type: 'scatter', color: color, data: g.map(function (b) {
          return Object.assign({ value: [b.intensity, b.flops_per_s], bench: BENCH.indexOf(b) },
            pointStyle(b, color));
        }) });
      });

      // What the run says about this device's ceilings: drawn, partly measured, or why not.
      // Each note has a short form painted on the chart and a full one under it.
      const notes = [];
      const runsHere = [];
      list.forEach(function (b) { if (runsHere.indexOf(b.run) < 0) runsHere.push(b.run); });
      const ceilings = [];
      runsHere.forEach(function (ri) {
        const r = RUNS[ri];
        const tag = MULTI ? ' (run ' + r.label + ')' : '';
        if (!r.ceilings) {
          notes.push({ short: 'ceilings not measured in this run' + tag,
            long: 'ceilings not measured in this run' + tag });
          return;
        }
        const mine = r.ceilings.filter(function (c) { return c.backend === backend && c.device === device; });
        if (!mine.length) {
          notes.push({ short: 'no ceiling measured for this device' + tag,
            long: 'no ceiling measured for this device in this run' + tag + (backend === 'reference'
              ? ': the reference backend is the oracle, not a contender, so its ceilings are not measured' : '') });
        }
        mine.forEach(function (c) {
          const p = c.precision || '?';
          if (!isNum(c.flops_per_s)) {
            notes.push({ short: p + ' ceiling unavailable' + tag,
              long: p + ' ceiling unavailable' + tag + ': ' + (c.unavailable || 'no FLOP/s recorded') });
            return;
          }
          if (!isNum(c.bytes_per_s))
            notes.push({ short: p + ' bandwidth ceiling unavailable' + tag,
              long: p + ' bandwidth ceiling unavailable' + tag + ': ' +
                (c.bytes_unavailable || c.unavailable || 'no bytes/s recorded') });
          ceilings.push({ c: c, run: r });
        });
      });
      ceilings.forEach(function (x) {
        const c = x.c;
        if (isNum(c.bytes_per_s)) xs.push(c.flops_per_s / c.bytes_per_s);
        ys.push(c.flops_per_s);
      });
      // Whole decades around the points and ridges, so the ceilings span the chart.
      const xr = decades(xs), lo = xr[0], hi = xr[1];
      const yr = decades(ys);
      ceilings.forEach(function (x, i) {
        const c = x.c, slanted = isNum(c.bytes_per_s);
        const end = { value: [hi, c.flops_per_s], symbol: 'circle', symbolSize: 1,
          label: { show: true, position: 'top', align: 'right', color: '#0f172a', fontSize: 11,
            formatter: (c.precision || '?') + ': ' + si(c.flops_per_s, 'FLOP/s') +
              (slanted ? ', ' + si(c.bytes_per_s, 'B/s') : '') } };
        series.push({ name: (MULTI ? '[' + x.run.label + '] ' : '') + (c.precision || '?') + ' ceiling',
          type: 'line', symbol: 'none', color: '#0f172a',
          lineStyle: { type: i % 2 ? 'dotted' : 'dashed', width: 1.5, color: '#0f172a' },
          ceiling: c,
          data: slanted
            ? [[lo, c.bytes_per_s * lo], [c.flops_per_s / c.bytes_per_s, c.flops_per_s], end]
            : [[lo, c.flops_per_s], end] });
      });

      const opt = baseOption();
      opt.legend = { orient: 'vertical', left: 8, bottom: 0, itemHeight: 10, textStyle: { fontSize: 11 } };
      opt.grid = { left: 16, right: 24, top: notes.length ? 52 : 34, bottom: 56 + 20 * series.length,
        containLabel: true };
      opt.xAxis = Object.assign({ type: 'log', logBase: 10, min: lo, max: hi,
        axisLabel: { formatter: compact },
        splitLine: { lineStyle: { color: '#e2e8f0' } } }, axisName('arithmetic intensity (FLOP/byte)', 26));
      opt.yAxis = Object.assign({ type: 'log', logBase: 10, min: yr[0], max: yr[1],
        axisLabel: { formatter: axisSi('FLOP/s') },
        splitLine: { lineStyle: { color: '#e2e8f0' } } }, yName('achieved FLOP/s'));
      opt.series = series;
      if (notes.length)
        opt.graphic = [{ type: 'text', right: 24, top: 4, style: {
          text: notes.map(function (n) { return n.short; }).join('; '),
          fill: '#9a3412', font: '600 12px ' + FONT } }];
      opt.tooltip.formatter = function (p) {
        const sr = series[p.seriesIndex];
        if (sr.ceiling) {
          const c = sr.ceiling;
          return tip(sr.name, [['compute', si(c.flops_per_s, 'FLOP/s')],
            ['bandwidth', isNum(c.bytes_per_s) ? si(c.bytes_per_s, 'B/s') : 'not measured'],
            isNum(c.bytes_per_s) ? ['ridge', three(c.flops_per_s / c.bytes_per_s) + ' FLOP/B'] : null,
            ['method', c.method || DASH]]);
        }
        const b = BENCH[p.data.bench];
        return benchTip(b, [['intensity', three(b.intensity) + ' FLOP/B'],
          ['achieved', si(b.flops_per_s, 'FLOP/s')], ['median', fmtSeconds(b.median)]]);
      };
      makeChart(id, box, 330 + 20 * series.length, opt);
      notes.forEach(function (n) { box.appendChild(notice(n.long, 'warn compact', 'ceilings')); });
      ceilings.forEach(function (x) {
        const c = x.c;
        box.appendChild(el('p', { class: 'footnote' },
          (MULTI ? '[' + x.run.label + '] ' : '') + (c.precision || '?') + ' ceiling: ' +
          si(c.flops_per_s, 'FLOP/s') + (isNum(c.bytes_per_s) ? ', ' + si(c.bytes_per_s, 'B/s') +
            ', ridge at ' + three(c.flops_per_s / c.bytes_per_s) + ' FLOP/B' : '') +
          (c.method ? ' — ' + c.method : '')));
      });
    });
  }

  // ------------------------------------------------------------------------------- memory

  // Tokens/s against the memory the backend allocated, one series per backend:device: what a
  // deployment team reads to see what fits and what it buys.
  function memory() {
    const s = section('memory', 'Memory',
      'Tokens per second against the memory each benchmark\'s backend allocated (weights, KV ' +
      'cache, activations and workspace, from the backend\'s own allocation records), one series ' +
      'per backend and device. The overview\'s memory column holds the same figure.');
    app.appendChild(s);
    const points = BENCH.filter(function (b) {
      return measured(b) && isNum(memoryOf(b)) && memoryOf(b) > 0 && isNum(b.tokens_per_s) &&
        b.tokens_per_s > 0;
    });
    if (!points.length) {
      s.appendChild(notice('Memory: no measured benchmark records what its backend allocated.',
        'info', 'memory'));
      return;
    }
    const groups = new Map();
    points.forEach(function (b) {
      const k = (MULTI ? '[' + runOf(b).label + '] ' : '') + where(b);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(b);
    });
    const series = [];
    groups.forEach(function (list, k) {
      const color = PALETTE[series.length % PALETTE.length];
      series.push({ name: k, type: 'scatter', color: color, data: list.map(function (b) {
        return Object.assign({ value: [memoryOf(b), b.tokens_per_s], bench: BENCH.indexOf(b) },
          pointStyle(b, color));
      }) });
    });
    const opt = baseOption();
    opt.legend = { top: 0 };
    opt.grid = { left: 16, right: 32, top: 40, bottom: 44, containLabel: true };
    opt.xAxis = Object.assign({ type: 'log', min: decades(points.map(memoryOf))[0],
      max: decades(points.map(memoryOf))[1], axisLabel: { formatter: axisSi('B') },
      splitLine: { lineStyle: { color: '#e2e8f0' } } }, axisName('memory allocated by the backend', 30));
    const tps = points.map(function (b) { return b.tokens_per_s; });
    opt.yAxis = Object.assign({ type: 'log', min: decades(tps)[0], max: decades(tps)[1],
      axisLabel: { formatter: axisSi('') }, splitLine: { lineStyle: { color: '#e2e8f0' } } },
      yName('tokens/s'));
    opt.series = series;
    opt.tooltip.formatter = function (p) {
      const b = BENCH[p.data.bench];
      const m = b.memory || {};
      return benchTip(b, [['tokens/s', fmtTokens(b.tokens_per_s)], ['allocated', si(m.device_total, 'B')],
        ['weights', si(m.weights, 'B')], ['KV cache', si(m.kv_cache, 'B')],
        ['activations', si(m.activations, 'B')], ['peak RSS', si(m.peak_rss, 'B')]]);
    };
    makeChart('memory', s, 360, opt);
  }

  // ------------------------------------------------------------------------------- trade-off

  // Quantization NMSE as text: floats compute the float model itself (0), quantized points may
  // lack the figure (older files, or the quantization check did not run).
  function nmseText(p) {
    if (!p.quantized) return '0 (float)';
    return isNum(p.quant_nmse) ? p.quant_nmse.toExponential(2) : DASH;
  }
  function tradeoff() {
    const T = Array.isArray(DATA.tradeoff) ? DATA.tradeoff : [];
    if (!T.length) return;  // no shape ran at a quantized precision next to another one
    const s = section('tradeoff', 'Precision trade-off',
      'Per device and workload shape, each precision\'s median latency against its quantization ' +
      'error (NMSE of the quantized model\'s output against the float model\'s; float precisions ' +
      'sit on the bottom line, exact by definition). The line joins the Pareto front: no other ' +
      'precision is both as fast and as accurate. The kernel check is the correctness verdict ' +
      'against the reference on the same quantized weights; the quantization error is reported, ' +
      'never a failure.');
    app.appendChild(s);
    T.forEach(function (g, gi) {
      const title = (MULTI ? '[' + (RUNS[g.run] || { label: '?' }).label + '] ' : '') + g.shape +
        ' @ ' + g.device;
      const box = el('div', { class: 'tradeoff-group', 'data-tradeoff': gi }, el('h3', { text: title }));
      s.appendChild(box);
      const pts = g.points.filter(function (p) { return isNum(p.median) && p.median > 0; });
      const errs = pts.filter(function (p) { return p.quantized && isNum(p.quant_nmse) && p.quant_nmse > 0; })
        .map(function (p) { return p.quant_nmse; });
      if (pts.length >= 2) {
        // A log axis has no 0: the float points go on the axis floor, a decade below the
        // smallest quantization error, labelled as exact.
        const range = errs.length ? decades(errs) : [1e-6, 1];
        const floor = range[0];
        const yOf = function (p) {
          if (!p.quantized) return floor;
          return isNum(p.quant_nmse) && p.quant_nmse > 0 ? p.quant_nmse : null;
        };
        const plotted = pts.filter(function (p) { return yOf(p) !== null; });
        const data = plotted.map(function (p) {
          const b = BENCH[p.bench];
          const color = p.quantized ? (p.pareto ? '#db2777' : '#94a3b8') : '#2563eb';
          return Object.assign({ value: [p.median, yOf(p)], point: g.points.indexOf(p),
            label: { show: true, position: 'right', formatter: p.precision, fontSize: 11 } },
          pointStyle(b, color));
        });
        const front = plotted.filter(function (p) { return p.pareto; })
          .sort(function (a, b) { return a.median - b.median; })
          .map(function (p) { return [p.median, yOf(p)]; });
        const opt = baseOption();
        opt.grid = { left: 16, right: 110, top: 36, bottom: 44, containLabel: true };
        opt.legend = { top: 0, right: 8, textStyle: { fontSize: 11 } };
        const lat = plotted.map(function (p) { return p.median; });
        opt.xAxis = Object.assign({ type: 'log', min: decades(lat)[0], max: decades(lat)[1],
          axisLabel: { formatter: axisSeconds }, splitLine: { lineStyle: { color: '#e2e8f0' } } },
        axisName('median latency (faster ←)', 30));
        opt.yAxis = Object.assign({ type: 'log', min: floor, max: range[1],
          axisLabel: { formatter: function (v) { return v <= floor * 1.0001 ? 'float (0)' : compact(v); } },
          splitLine: { lineStyle: { color: '#e2e8f0' } } }, yName('quantization NMSE (more accurate ↓)'));
        opt.series = [
          { name: 'precisions', type: 'scatter', data: data, z: 3 },
          { name: 'Pareto front', type: 'line', step: 'end', data: front, symbol: 'none', z: 2,
            lineStyle: { color: '#db2777', width: 2, type: 'dashed' }, itemStyle: { color: '#db2777' } }
        ];
        opt.tooltip.formatter = function (p) {
          if (p.seriesIndex !== 0) return tip('Pareto front', [['points', String(front.length)]]);
          const q = g.points[p.data.point];
          const b = BENCH[q.bench];
          return benchTip(b, [['precision', q.precision + (q.pareto ? ' (Pareto front)' : '')],
            ['median', fmtSeconds(q.median)], ['tokens/s', fmtTokens(q.tokens_per_s)],
            ['J/token', isNum(q.joules_per_token) ? three(q.joules_per_token) : DASH],
            ['speed-up vs ' + (g.baseline || DASH), isNum(q.speedup) ? three(q.speedup) + '×' : DASH],
            ['quantization NMSE', nmseText(q)],
            ['top-1 agreement', isNum(q.top1) ? pct(q.top1) : DASH],
            ['kernel check', b.correctness ? b.correctness.text : DASH]]);
        };
        makeChart('tradeoff-' + gi, box, 300, opt);
        const unplotted = pts.length - plotted.length;
        if (unplotted)
          box.appendChild(el('p', { class: 'footnote', text: unplotted + ' quantized precision' +
            (unplotted === 1 ? ' has' : 's have') + ' no quantization error in the result and ' +
            'appear' + (unplotted === 1 ? 's' : '') + ' only in the table.' }));
      }
      const head = ['precision', 'median', 'tokens/s', 'J/token', 'speed-up vs ' + (g.baseline || DASH),
        'quant. NMSE', 'top-1 agree', 'kernel check'];
      const table = el('table', { class: 'data tradeoff-table' },
        el('thead', null, el('tr', null, head.map(function (h, k) {
          return el('th', { scope: 'col', class: k > 0 && k < 7 ? 'num' : null, text: h });
        }))));
      const tbody = el('tbody');
      g.points.forEach(function (p) {
        const b = BENCH[p.bench];
        tbody.appendChild(el('tr', { class: 'row-' + b.state, 'data-pareto': p.pareto ? 'yes' : 'no' },
          el('td', { class: 'mono', text: p.precision + (p.pareto ? ' ★' : '') }),
          el('td', { class: 'num', text: fmtSeconds(p.median) }),
          el('td', { class: 'num', text: fmtTokens(p.tokens_per_s) }),
          el('td', { class: 'num', text: isNum(p.joules_per_token) ? three(p.joules_per_token) : DASH }),
          el('td', { class: 'num', text: isNum(p.speedup) ? three(p.speedup) + '×' : DASH }),
          el('td', { class: 'num', text: nmseText(p) }),
          el('td', { class: 'num', text: isNum(p.top1) ? pct(p.top1) : DASH }),
          el('td', { text: b.correctness ? b.correctness.text : b.state })));
      });
      table.appendChild(tbody);
      box.appendChild(el('div', { class: 'table-wrap' }, table));
    });
  }

  // ------------------------------------------------------------------------------- energy

  function energy() {
    const s = section('energy', 'Energy per token',
      'Joules per token from the energy collectors, per benchmark and energy domain, coloured by ' +
      'the phase the tokens belong to (prefill vs decode). Counter readings, labelled with their ' +
      'source; nothing here is estimated.');
    app.appendChild(s);
    const items = [];
    BENCH.forEach(function (b, bi) {
      (b.energy || []).forEach(function (e) { if (isNum(e.value)) items.push({ b: b, bi: bi, e: e }); });
    });
    if (!items.length) {
      s.appendChild(notice('Energy: not measured. No result holds an energy/…/joules_per_token ' +
        'summary.', 'info', 'energy'));
      // Why, as the runs recorded it: each benchmark's energy block, then the energy collectors.
      const reasons = new Map();
      BENCH.forEach(function (b) {
        const st = b.energy_status;
        if (st && st.reason) reasons.set(st.reason, (reasons.get(st.reason) || 0) + 1);
      });
      reasons.forEach(function (n, r) {
        s.appendChild(el('p', { class: 'footnote', text: n + ' benchmark' + (n > 1 ? 's' : '') + ': ' + r }));
      });
      RUNS.forEach(function (r) {
        const cs = (Array.isArray(r.collectors) ? r.collectors : []).filter(function (c) {
          return c && /rapl|nvml|energy|power/i.test(String(c.name) + ' ' + JSON.stringify(c.measures || ''));
        });
        cs.forEach(function (c) {
          s.appendChild(el('p', { class: 'footnote' }, (MULTI ? '[' + r.label + '] ' : '') +
            String(c.name) + ': ' + (c.available ? 'available' : 'unavailable — ' +
              (c.reason == null ? 'no reason given' : String(c.reason)))));
        });
      });
      return;
    }
    const labels = [];
    items.forEach(function (x) { const l = benchLabel(x.b); if (labels.indexOf(l) < 0) labels.push(l); });
    const domains = [];
    items.forEach(function (x) { if (domains.indexOf(x.e.domain) < 0) domains.push(x.e.domain); });
    const order = ['encode', 'prefill', 'decode'];
    const rank = function (p) { return order.indexOf(p) < 0 ? 9 : order.indexOf(p); };
    // One series per phase (and per energy domain when there are several, e.g. package and dram).
    const keys = [];
    items.forEach(function (x) {
      x.key = x.e.phase + (domains.length > 1 ? ' · ' + x.e.domain : '');
      if (keys.indexOf(x.key) < 0) keys.push(x.key);
    });
    keys.sort(function (a, b) {
      const pa = items.find(function (x) { return x.key === a; }).e.phase;
      const pb = items.find(function (x) { return x.key === b; }).e.phase;
      return rank(pa) - rank(pb) || (a < b ? -1 : a > b ? 1 : 0);
    });
    // One bar slot per benchmark: series share it unless a benchmark has several bars.
    const perLabel = {};
    items.forEach(function (x) { const l = benchLabel(x.b); perLabel[l] = (perLabel[l] || 0) + 1; });
    const shared = Object.keys(perLabel).every(function (l) { return perLabel[l] === 1; });
    const used = {};
    const series = keys.map(function (k, i) {
      const phase = items.find(function (x) { return x.key === k; }).e.phase;
      let color = PHASE_COLOR[phase] || PALETTE[(i + 4) % PALETTE.length];
      if (used[color]) color = PALETTE[(i + 4) % PALETTE.length];
      used[color] = true;
      return { name: k || 'tokens', type: 'bar', barMaxWidth: 18, barGap: shared ? '-100%' : '20%',
        color: color,
        label: { show: true, position: 'right', fontSize: 11, color: '#334155',
          formatter: function (p) { return si(p.value[0], 'J'); } },
        data: items.filter(function (x) { return x.key === k; }).map(function (x) {
          return { value: [x.e.value, benchLabel(x.b)], item: x,
            itemStyle: x.b.state === 'passed' ? null : { borderColor: STATE_COLOR.mistrusted,
              borderWidth: 2, borderType: 'dashed' } };
        }) };
    });
    const opt = baseOption();
    opt.legend = { top: 0 };
    opt.grid = { left: 16, right: 64, top: 30, bottom: 40, containLabel: true };
    opt.xAxis = Object.assign({ type: 'value', axisLabel: { formatter: axisSi('J') },
      splitLine: { lineStyle: { color: '#e2e8f0' } } }, axisName('joules per token', 28));
    opt.yAxis = { type: 'category', data: labels, inverse: true,
      axisLabel: { width: 380, overflow: 'truncate', fontSize: 11 } };
    opt.series = series;
    opt.tooltip.formatter = function (p) {
      const x = p.data.item;
      return benchTip(x.b, [['phase', x.e.phase], ['domain', x.e.domain], ['J/token', si(x.e.value, 'J')],
        ['source', x.e.source || DASH], ['tag', x.e.tag]]);
    };
    makeChart('energy', s, 100 + (shared ? 34 : 22 * keys.length + 16) * labels.length, opt);
    const sources = [];
    items.forEach(function (x) {
      const t = x.e.domain + (x.e.source ? ' (' + x.e.source + ')' : '');
      if (sources.indexOf(t) < 0) sources.push(t);
    });
    s.appendChild(el('p', { class: 'footnote', text: 'Energy domains: ' + sources.join(', ') +
      '. Benchmarks without an energy summary are listed as "not measured" in the overview.' }));
  }

  // ------------------------------------------------------------------------------- comparison

  const VERDICT_COLOR = { slower: '#b91c1c', faster: '#15803d', same: '#475569', noisy: '#c2410c' };

  function runLabelOfFile(file) {
    for (const r of RUNS) if (r.file === file) return r.label;
    return file;
  }
  function sideText(x) {
    if (!x) return DASH;
    return x.state + (isNum(x.median_s) ? ' ' + fmtSeconds(x.median_s) : '') +
      (x.reason ? ' (' + x.reason + ')' : '');
  }

  function comparison() {
    const C = DATA.comparison;
    if (!C) return;
    const st = C.settings || {};
    const s = section('comparison', 'Comparison',
      'Each run against the baseline (' + (RUNS[0] ? RUNS[0].label : '') + '), benchmarks paired ' +
      'by workload hash, backend and device. Ratio = contender / baseline median ' +
      (st.timer || 'host') + ' latency (< 1 is faster), with its bootstrap 95% interval and the ' +
      'Mann–Whitney U p-value. slower / faster: significant (p < ' + st.alpha + ' and the interval ' +
      'excludes 1) and beyond the ' + compact(100 * st.threshold) + '% threshold; same: within it; ' +
      'noisy: the interval is too wide to tell.');
    app.appendChild(s);
    (C.errors || []).forEach(function (e) {
      s.appendChild(notice('Not compared with ' + runLabelOfFile(e.contender) + ': ' + e.reason,
        'warn', 'compare-error'));
    });
    (C.comparisons || []).forEach(function (c, k) {
      const box = el('div', { class: 'compare' },
        el('h3', null, el('span', { class: 'run-tag', text: runLabelOfFile(c.baseline) }), ' → ',
          el('span', { class: 'run-tag', text: runLabelOfFile(c.contender) })));
      s.appendChild(box);
      const m = c.matched || [];
      if (m.length) {
        const labels = m.map(function (x) {
          return x.workload_id + ' @ ' + x.baseline.backend + ':' + x.baseline.device;
        });
        let lo = 1, hi = 1;
        m.forEach(function (x) {
          [x.ratio, x.ci95[0], x.ci95[1]].forEach(function (v) {
            if (isNum(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
          });
        });
        // Bounds on a 0.05 grid with some room, so the ticks read 0.95×, 1×, 1.05×, …
        const pad = Math.max((hi - lo) * 0.08, 0.01);
        const xmin = Math.max(0, Math.floor((lo - pad) * 20) / 20), xmax = Math.ceil((hi + pad) * 20) / 20;
        const opt = baseOption();
        opt.grid = { left: 16, right: 28, top: 28, bottom: 44, containLabel: true };
        opt.xAxis = Object.assign({ type: 'value', min: xmin, max: xmax,
          axisLabel: { formatter: function (v) { return compact(v) + '×'; } },
          splitLine: { lineStyle: { color: '#e2e8f0' } } },
        axisName('contender / baseline median latency', 28));
        opt.yAxis = { type: 'category', data: labels, inverse: true,
          axisLabel: { width: 380, overflow: 'truncate', fontSize: 11 } };
        opt.series = [
          { name: 'ratio', type: 'scatter', symbolSize: 10, z: 3,
            data: m.map(function (x, i) {
              return { value: [x.ratio, i], pair: x, itemStyle: { color: VERDICT_COLOR[x.label] || '#475569' } };
            }),
            markLine: { silent: true, symbol: 'none',
              label: { formatter: 'no change', position: 'start', color: '#64748b' },
              lineStyle: { color: '#94a3b8', type: 'solid' }, data: [{ xAxis: 1 }] } },
          { name: '95% interval', type: 'custom', z: 2,
            data: m.map(function (x, i) { return [x.ci95[0], x.ci95[1], i, x.label]; }),
            encode: { x: [0, 1], y: 2 },
            renderItem: function (params, apiR) {
              const y = apiR.value(2);
              const a = apiR.coord([apiR.value(0), y]), b = apiR.coord([apiR.value(1), y]);
              const h = apiR.size([0, 1])[1] * 0.35;
              const style = { stroke: VERDICT_COLOR[apiR.value(3)] || '#475569', lineWidth: 2 };
              return { type: 'group', children: [
                { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style: style },
                { type: 'line', shape: { x1: a[0], y1: a[1] - h / 2, x2: a[0], y2: a[1] + h / 2 }, style: style },
                { type: 'line', shape: { x1: b[0], y1: b[1] - h / 2, x2: b[0], y2: b[1] + h / 2 }, style: style }] };
            } }
        ];
        opt.tooltip.formatter = function (p) {
          const x = m[p.seriesIndex === 0 ? p.value[1] : p.value[2]];
          return tip(labels[m.indexOf(x)], [['label', x.label], ['ratio', three(x.ratio)],
            ['95% interval', '[' + three(x.ci95[0]) + ', ' + three(x.ci95[1]) + ']'],
            ['p (Mann–Whitney)', pValue(x.p_value)],
            ['baseline', sideText(x.baseline)], ['contender', sideText(x.contender)]]);
        };
        makeChart('compare-' + k, box, 80 + 30 * m.length, opt);

        const t = el('table', { class: 'data compare-table' });
        t.appendChild(el('thead', null, el('tr', null, ['workload', 'backend:device', 'baseline',
          'contender', 'ratio', '95% interval', 'p', 'n', 'label'].map(function (h, i) {
          return el('th', { scope: 'col', class: i >= 2 && i <= 7 ? 'num' : null, text: h });
        }))));
        const tb = el('tbody');
        m.forEach(function (x) {
          const mis = x.baseline.state === 'mistrusted';
          tb.appendChild(el('tr', { class: mis ? 'row-mistrusted' : null },
            el('td', { class: 'mono', text: x.workload_id }),
            el('td', { text: x.baseline.backend + ':' + x.baseline.device }),
            el('td', { class: 'num', text: fmtSeconds(x.baseline.median_s) }),
            el('td', { class: 'num', text: fmtSeconds(x.contender.median_s) }),
            el('td', { class: 'num', text: three(x.ratio) }),
            el('td', { class: 'num', text: '[' + three(x.ci95[0]) + ', ' + three(x.ci95[1]) + ']' }),
            el('td', { class: 'num', text: pValue(x.p_value) }),
            el('td', { class: 'num', text: x.samples[0] + '/' + x.samples[1] }),
            el('td', null, el('span', { class: 'badge verdict-' + x.label, text: x.label }),
              mis ? el('span', { class: 'badge state-mistrusted', text: 'mistrusted' }) : null)));
        });
        if (c.geomean)
          tb.appendChild(el('tr', { class: 'geomean' },
            el('td', { colspan: 4, text: 'geometric mean of ' + c.geomean.count + ' ratios' }),
            el('td', { class: 'num', text: three(c.geomean.ratio) }),
            el('td', { class: 'num', text: '[' + three(c.geomean.ci95[0]) + ', ' + three(c.geomean.ci95[1]) + ']' }),
            el('td', { colspan: 3 })));
        t.appendChild(tb);
        box.appendChild(el('div', { class: 'table-wrap' }, t));
      } else {
        box.appendChild(notice('No benchmark was measured on both sides.', 'info', 'compare-none'));
      }
      [['state_changes', 'State changes, not compared'], ['unmeasured', 'Measured in neither'],
        ['only_baseline', 'Only in the baseline'], ['only_contender', 'Only in the contender'],
        ['incomparable', 'Incomparable, refused']].forEach(function (g) {
        const list = c[g[0]] || [];
        if (!list.length) return;
        box.appendChild(el('h4', { text: g[1] + ' (' + list.length + ')' }));
        const t = el('table', { class: 'data unpaired', 'data-unpaired': g[0] });
        t.appendChild(el('thead', null, el('tr', null, ['workload', 'backend:device', 'baseline',
          'contender', 'why'].map(function (h) { return el('th', { scope: 'col', text: h }); }))));
        const tb = el('tbody');
        list.forEach(function (u) {
          const any = u.baseline || u.contender || {};
          tb.appendChild(el('tr', null, el('td', { class: 'mono', text: any.workload_id || DASH }),
            el('td', { text: (any.backend || '?') + ':' + (any.device || '?') }),
            el('td', { text: sideText(u.baseline) }), el('td', { text: sideText(u.contender) }),
            el('td', { text: u.reason })));
        });
        t.appendChild(tb);
        box.appendChild(el('div', { class: 'table-wrap' }, t));
      });
    });
  }
  function pValue(p) {
    if (!isNum(p)) return DASH;
    return p < 1e-4 ? '< 1e-4' : p.toFixed(4);
  }

  // ------------------------------------------------------------------------------- validity

  function validity() {
    const s = section('validity', 'Validity',
      'How each result was checked and how far its measurement can be trusted: the correctness ' +
      'verdict against the double-precision reference (and again after timing), the stopping ' +
      'criterion, the spread of the samples, and the load on the machine.');
    app.appendChild(s);
    const t = el('table', { class: 'data', id: 'validity-table' });
    t.appendChild(el('thead', null, el('tr', null, [MULTI ? 'run' : null, 'benchmark', 'state',
      'valid', 'why not / reason', 'correctness', 'checked', 'stopping', 'samples', 'CI ±',
      'rel. stddev', 'load before / after'].filter(Boolean).map(function (h, i) {
      return el('th', { scope: 'col', class: i >= (MULTI ? 8 : 7) ? 'num' : null, text: h });
    }))));
    const tb = el('tbody');
    BENCH.forEach(function (b) {
      const v = b.validity, c = b.correctness;
      const why = [];
      if (b.reason) why.push(b.reason);
      if (v && Array.isArray(v.reasons)) v.reasons.forEach(function (r) { why.push(String(r)); });
      let checked = DASH;
      if (c) {
        checked = [el('div', { class: 'nowrap', text: (c.checked || '?') + (c.checked_layers ? ' · ' +
          c.checked_layers + ' layer' + (c.checked_layers > 1 ? 's' : '') : '') }),
        c.rechecked_after_timing ? el('div', { class: 'muted nowrap', text: '✓ after timing' }) : null];
      }
      const corrTitle = c ? ['max abs err ' + (isNum(c.max_abs_err) ? c.max_abs_err.toExponential(2) : DASH),
        'max rel err ' + (isNum(c.max_rel_err) ? c.max_rel_err.toExponential(2) : DASH),
        'tolerance nmse ' + (isNum(c.tolerance_nmse) ? c.tolerance_nmse.toExponential(0) : DASH),
        c.reference ? 'reference: ' + c.reference : '', c.recheck ? 'after timing: ' + c.recheck : '']
        .filter(Boolean).join('\n') : null;
      const load = v ? (isNum(v.load_average_before) ? three(v.load_average_before) : DASH) + ' / ' +
        (isNum(v.load_average_after) ? three(v.load_average_after) : DASH) : DASH;
      tb.appendChild(el('tr', { class: 'row-' + b.state + (notValid(b) ? ' row-invalid' : '') },
        MULTI ? el('td', { text: runOf(b).label }) : null,
        el('td', null, el('div', { class: 'mono' }, idNode(b.workload)),
          el('div', { class: 'muted small', text: where(b) })),
        el('td', null, stateBadge(b.state)),
        el('td', null, notRun(b) ? el('span', { class: 'muted', text: 'not run' })
          : notValid(b) ? el('span', { class: 'invalid', text: '✗ no' })
            : el('span', { class: 'valid', text: '✓ yes' })),
        el('td', { class: 'why', text: why.length ? why.join('; ') : DASH }),
        el('td', { title: corrTitle, text: c ? c.text : DASH }),
        el('td', { class: 'small' }, checked),
        el('td', { class: 'small nowrap', text: v && v.stopping ? v.stopping.replace(/_/g, ' ') : DASH }),
        el('td', { class: 'num', text: v ? String(v.samples) : DASH }),
        el('td', { class: 'num', text: v ? pct(v.rel_ci95_half_width) : DASH }),
        el('td', { class: 'num', text: v ? pct(v.rel_stddev) : DASH }),
        el('td', { class: 'num', text: load })));
    });
    t.appendChild(tb);
    s.appendChild(el('div', { class: 'table-wrap' }, t));
  }

  // ------------------------------------------------------------------------------- system

  // Any JSON value as DOM: objects as definition lists, arrays of objects as tables.
  function renderValue(v) {
    if (v === null || v === undefined) return el('span', { class: 'muted', text: 'not recorded' });
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (typeof v !== 'object') return String(v);
    if (Array.isArray(v)) {
      if (!v.length) return el('span', { class: 'muted', text: 'none' });
      if (v.every(function (x) { return x && typeof x === 'object' && !Array.isArray(x); })) {
        const keys = [];
        v.forEach(function (x) { Object.keys(x).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); }); });
        const t = el('table', { class: 'data mini' });
        t.appendChild(el('thead', null, el('tr', null, keys.map(function (k) { return el('th', { text: k }); }))));
        const tb = el('tbody');
        v.forEach(function (x) {
          tb.appendChild(el('tr', null, keys.map(function (k) {
            const val = x[k];
            if (val === undefined) return el('td');
            if (isNum(val) && /_per_s$/.test(k))  // rates with their unit: 77.0 GFLOP/s, 20.0 GB/s
              return el('td', { class: 'num', title: String(val),
                text: si(val, /^flops/.test(k) ? 'FLOP/s' : /^bytes/.test(k) ? 'B/s' : '/s') });
            return el('td', null, isNum(val) && Math.abs(val) >= 1e6 ? si(val) : renderValue(val));
          })));
        });
        t.appendChild(tb);
        return el('div', { class: 'table-wrap' }, t);
      }
      return v.map(function (x) { return typeof x === 'object' ? JSON.stringify(x) : String(x); }).join(', ');
    }
    const dl = el('dl', { class: 'kv' });
    Object.keys(v).forEach(function (k) {
      dl.appendChild(el('dt', { text: k }));
      const val = v[k];
      // Sizes read better in SI units; the exact count stays in the tooltip.
      dl.appendChild(/bytes$/.test(k) && isNum(val)
        ? el('dd', { title: val + ' bytes', text: si(val, 'B') }) : el('dd', null, renderValue(val)));
    });
    return dl;
  }

  function system() {
    const s = section('system', 'System',
      'Where and how each run was made, as recorded in its result file.');
    app.appendChild(s);
    RUNS.forEach(function (r) {
      const card = el('div', { class: 'sys' }, el('h3', null,
        MULTI ? el('span', { class: 'run-tag', text: r.label }) : null, ' ', el('span', { class: 'mono', text: r.file })));
      const run = Object.assign({}, r.run || {});
      if (Array.isArray(run.command_line)) run.command_line = run.command_line.map(String).join(' ');
      const sys = Object.assign({}, r.system || {});
      delete sys.ceilings;
      const cols = el('div', { class: 'sys-cols' },
        el('div', null, el('h4', { text: 'Machine' }), renderValue(sys)),
        el('div', null, el('h4', { text: 'Run' }), renderValue(run),
          el('h4', { text: 'Tool' }), renderValue(r.tool || {})));
      card.appendChild(cols);
      card.appendChild(el('h4', { text: 'Roofline ceilings' }));
      card.appendChild(r.ceilings ? renderValue(r.ceilings)
        : notice('ceilings not measured in this run', 'info'));
      card.appendChild(el('h4', { text: 'Collectors' }));
      card.appendChild(renderValue(Array.isArray(r.collectors) ? r.collectors : []));
      s.appendChild(card);
    });
  }

  function footer() {
    app.appendChild(el('footer', null,
      'Generated by ' + DATA.generator + ' with ' + DATA.chart_library + '. This page is ' +
      'self-contained: its data, styles and scripts are inside it and it makes no network request.'));
  }

  // ------------------------------------------------------------------------------- history

  // `report --html --store URL`: one chart per workload definition, backend:device and machine,
  // the store's medians oldest first with their 95% intervals; runs whose benchmark was not
  // measured are listed under the chart, never drawn as zero.
  function history() {
    const H = DATA.history;
    const s = section('history', 'History',
      'From the results store: the median latency of each benchmark over time, one chart per ' +
      'workload, backend:device and machine, with its 95% interval (dashed). Hollow points are ' +
      'mistrusted measurements.');
    app.appendChild(s);
    if (!H.length) {
      s.appendChild(notice('The store holds no run of these benchmarks.', 'info', 'history'));
      return;
    }
    H.forEach(function (h, i) {
      const box = el('div', null, el('h3', { text: h.workload + ' @ ' + h.backend + ':' + h.device +
        (h.device_name ? ' (' + h.device_name + ')' : '') + ' — host ' + h.hostname }));
      s.appendChild(box);
      const pts = h.points.filter(function (p) { return isNum(p.value); });
      const opt = baseOption();
      opt.grid = { left: 16, right: 24, top: 34, bottom: 40, containLabel: true };
      opt.legend = { top: 0, right: 8, textStyle: { fontSize: 11 } };
      opt.xAxis = Object.assign({ type: 'category', data: pts.map(function (p) { return p.started_at; }),
        axisLabel: { fontSize: 10 } }, axisName('run started (UTC)', 28));
      opt.yAxis = Object.assign({ type: 'value', scale: true, axisLabel: { formatter: axisSeconds },
        splitLine: { lineStyle: { color: '#e2e8f0' } } }, yName('median latency'));
      function bound(k) {
        return pts.map(function (p) { return Array.isArray(p.ci95) ? p.ci95[k] : null; });
      }
      opt.series = [
        { name: 'median', type: 'line', symbolSize: 7,
          data: pts.map(function (p, k) {
            return { value: p.value, point: k, itemStyle: p.state === 'mistrusted'
              ? { color: '#fff', borderColor: STATE_COLOR.mistrusted, borderWidth: 2 } : undefined };
          }) },
        { name: '95% interval low', type: 'line', symbol: 'none', data: bound(0),
          lineStyle: { type: 'dashed', width: 1, color: '#94a3b8' }, itemStyle: { color: '#94a3b8' } },
        { name: '95% interval high', type: 'line', symbol: 'none', data: bound(1),
          lineStyle: { type: 'dashed', width: 1, color: '#94a3b8' }, itemStyle: { color: '#94a3b8' } }
      ];
      opt.tooltip.formatter = function (p) {
        const pt = pts[p.dataIndex];
        return tip(pt.run, [['started', pt.started_at], ['state', pt.state],
          ['median', fmtSeconds(pt.value)],
          ['95% interval', Array.isArray(pt.ci95)
            ? fmtSeconds(pt.ci95[0]) + ' – ' + fmtSeconds(pt.ci95[1]) : DASH]]);
      };
      makeChart('history-' + i, box, 260, opt);
      const missing = h.points.length - pts.length;
      if (missing)
        box.appendChild(el('p', { class: 'footnote', text: missing + ' stored run' +
          (missing === 1 ? '' : 's') + ' of this benchmark had no median (' +
          h.points.filter(function (p) { return !isNum(p.value); })
            .map(function (p) { return p.run + ': ' + p.state; }).join(', ') + ').' }));
    });
  }

  // ------------------------------------------------------------------------------- main

  function guarded(name, fn) {
    try {
      fn();
    } catch (e) {
      api.failedSections.push(name);
      console.error('infermark dashboard: the ' + name + ' section could not be drawn:', e);
      app.appendChild(notice('The ' + name + ' section could not be drawn: ' + e, 'error'));
    }
  }
  document.title = document.title || 'infermark report';
  guarded('masthead', masthead);
  guarded('overview', overview);
  guarded('latency', latency);
  guarded('throughput', throughput);
  guarded('roofline', roofline);
  guarded('energy', energy);
  guarded('memory', memory);
  guarded('tradeoff', tradeoff);
  if (MULTI) guarded('comparison', comparison);
  if (Array.isArray(DATA.history)) guarded('history', history);
  guarded('validity', validity);
  guarded('system', system);
  footer();
  api.ready = true;
  document.documentElement.setAttribute('data-ready', api.failedSections.length ? 'errors' : 'yes');
})();
