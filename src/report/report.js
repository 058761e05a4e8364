// rdpsleuth report: renders the embedded analysis (script#data) with DOM calls only.
// Every value from the logs is written with textContent or as an attribute value that is
// never a URL or a handler; nothing is parsed as HTML. No network, no storage.
'use strict';
(function () {
  var started = performance.now();
  var SVGNS = 'http://www.w3.org/2000/svg';
  var FAILED_PAGE = 20;
  var OTHERS_PAGE = 100;
  var INPUTS_PAGE = 100;
  var EXPANDED_BY_DEFAULT = 3;
  var PLOT_LEFT = 150;
  var PLOT_RIGHT = 985;
  var CHART_MAX_BUCKETS = 400;
  var CHART_MIN_BUCKETS = 12;
  var ONSET_RUNS = 10;
  var RUNS_PAGE = 50;

  var D = JSON.parse(document.getElementById('data').textContent);
  var causeById = {};
  D.causes.forEach(function (c, i) { causeById[c.id] = { id: c.id, title: c.title, order: i }; });

  // ---------- DOM helpers ----------
  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) appendOne(node, arguments[i]);
    return node;
  }
  function sv(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) appendOne(node, arguments[i]);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') node.textContent = String(v);
      else if (k === 'class') node.setAttribute('class', v);
      else node.setAttribute(k, v === true ? '' : String(v));
    });
  }
  // append(node, child, child, …): children are nodes, text, arrays of them, or nothing.
  function append(node) {
    for (var i = 1; i < arguments.length; i++) appendOne(node, arguments[i]);
  }
  function appendOne(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { appendOne(node, c); }); return; }
    if (typeof child === 'string' || typeof child === 'number') node.appendChild(document.createTextNode(String(child)));
    else node.appendChild(child);
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function byId(id) { return document.getElementById(id); }
  function nf(n) { return Number(n).toLocaleString('en-US'); }
  function pct(p) { return Math.round(p * 100) + ' %'; }

  // ---------- time in the display zone ----------
  var spans = D.zone.spans;
  function spanAt(ms) {
    var lo = 0, hi = spans.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      var from = spans[mid][0];
      if (from !== null && from <= ms) lo = mid; else hi = mid - 1;
    }
    return spans[lo];
  }
  function pad(n, w) { var s = String(n); while (s.length < w) s = '0' + s; return s; }
  function local(ms) {
    var s = spanAt(ms);
    var d = new Date(Math.floor(ms) + s[1] * 60000);
    return { d: d, abbr: s[2], ms: Math.floor(((ms % 1000) + 1000) % 1000) };
  }
  function fmtDate(ms) {
    var l = local(ms).d;
    return pad(l.getUTCFullYear(), 4) + '-' + pad(l.getUTCMonth() + 1, 2) + '-' + pad(l.getUTCDate(), 2);
  }
  function fmtClock(ms, withMs) {
    var x = local(ms);
    var t = pad(x.d.getUTCHours(), 2) + ':' + pad(x.d.getUTCMinutes(), 2) + ':' + pad(x.d.getUTCSeconds(), 2);
    return withMs ? t + '.' + pad(x.ms, 3) : t;
  }
  function fmt(ms) {
    if (ms === null || ms === undefined) return '—';
    return fmtDate(ms) + ' ' + fmtClock(ms, true) + ' ' + local(ms).abbr;
  }
  function fmtShort(ms) { return fmtDate(ms) + ' ' + fmtClock(ms, false); }
  function dur(seconds) {
    var s = Math.abs(seconds);
    var out;
    if (s < 1) out = Math.round(s * 1000) + ' ms';
    else if (s < 60) out = (Math.round(s * 10) / 10) + ' s';
    else if (s < 3600) out = Math.floor(s / 60) + ' min ' + pad(Math.floor(s % 60), 2) + ' s';
    else if (s < 86400) out = Math.floor(s / 3600) + ' h ' + pad(Math.floor((s % 3600) / 60), 2) + ' min';
    else out = Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
    return (seconds < 0 ? '−' : '') + out;
  }
  // A whole distance in its largest unit: 30 s, 5 min, 3 h, 7 d.
  function durShort(seconds) {
    if (seconds < 60) return Math.round(seconds) + ' s';
    if (seconds < 3600) return Math.round(seconds / 60) + ' min';
    if (seconds < 86400) return Math.round(seconds / 3600) + ' h';
    return Math.round(seconds / 86400) + ' d';
  }
  function signed(seconds) {
    var text = Math.abs(seconds).toFixed(1);
    return (seconds < 0 && text !== '0.0' ? '−' : '+') + text + ' s';
  }

  // ---------- vocabulary ----------
  function causeTitle(id) { return causeById[id] ? causeById[id].title : id; }
  function badge(id, extra) {
    return el('span', { 'class': 'badge cause-' + safeClass(id), title: id },
      el('span', { 'class': 'sw', 'aria-hidden': 'true' }), causeTitle(id), extra ? ' ' + extra : null);
  }
  function safeClass(id) { return causeById[id] ? id : 'unknown'; }
  function hostName(i) {
    if (i === undefined || i === null) return null;
    var h = D.hosts[i];
    return h ? h.name : null;
  }
  function clientOf(c) { return hostName(c.c) || c.a || '?'; }
  function serverOf(c) { return hostName(c.s) || c.t || '?'; }
  function reasonText(r) {
    if (r === undefined || r === null) return '';
    return r + ' (0x' + r.toString(16).toUpperCase() + ')';
  }
  function levelClass(level) {
    if (level === 1 || level === 2) return 'err';
    if (level === 3) return 'warn';
    return 'plain';
  }

  // ---------- the data's compact rows as objects ----------
  var S = D.strings;
  // An event row (see data.rs EventRow) with its text looked up.
  function ev(v) {
    var e = D.events[v];
    if (!e) return null;
    return {
      ms: e.ms, host: S[e.h], computer: S[e.c], channel: S[e.ch], provider: S[e.p], id: e.id,
      level: e.l, record: e.r, source: S[e.src] + ' (' + e.at + ')', activity: e.a, summary: e.s,
      fields: e.f.map(function (f) { return [S[f[0]], f[1]]; }), cut: e.fc || 0,
    };
  }
  // A mark [event, lane, relation, time, distance] as an object.
  function mark(m) {
    var rel = D.relations[m[2]] || '';
    return { v: m[0], lane: m[1] === 0 ? 'client' : 'server', rel: rel, ctx: rel === 'context', t: m[3], dist: m[4] };
  }
  // An evidence row with what its event says.
  function evidence(x) {
    var e = x.v !== undefined ? ev(x.v) : null;
    var rule = D.rules[x.r] || { id: '', about: '' };
    return {
      cause: x.k, v: x.v, event: e, summary: x.s || (e ? e.summary : ''), host: x.h || (e ? e.host : null),
      ms: e ? e.ms : null, source: e ? e.source : null, rule: rule.id, about: rule.about,
    };
  }

  // ---------- state (filters, pages, expanded connections) in the URL hash ----------
  var conns = D.connections;
  var hay = conns.map(function (c) {
    var parts = [c.id, hostName(c.c), hostName(c.s), c.t, c.a, c.o, c.k, c.k ? causeTitle(c.k) : null,
      c.r !== undefined ? String(c.r) : null];
    if (c.d !== undefined) {
      var det = D.details[c.d];
      parts.push(det.client_activity, det.server_activity, det.user);
    }
    return parts.filter(Boolean).join(' ').toLowerCase();
  });
  var tMin = Infinity, tMax = -Infinity;
  conns.forEach(function (c) { if (c.b < tMin) tMin = c.b; if (c.b > tMax) tMax = c.b; });
  if (!isFinite(tMin)) { tMin = 0; tMax = 0; }

  var state = { host: '', cause: '', outcome: '', q: '', from: null, to: null, fp: 0, op: 0, ip: 0, open: {} };
  var openTouched = false;

  function readHash() {
    var h = location.hash.replace(/^#/, '');
    if (h.indexOf('=') < 0) return;
    var p = new URLSearchParams(h);
    state.host = p.get('host') || '';
    state.cause = p.get('cause') || '';
    state.outcome = p.get('outcome') || '';
    state.q = p.get('q') || '';
    state.from = p.has('from') ? Number(p.get('from')) : null;
    state.to = p.has('to') ? Number(p.get('to')) : null;
    state.fp = Math.max(0, (Number(p.get('page')) || 1) - 1);
    state.op = Math.max(0, (Number(p.get('others')) || 1) - 1);
    state.open = {};
    if (p.has('open')) {
      openTouched = true;
      p.get('open').split(',').forEach(function (id) { if (id) state.open[id] = true; });
    }
  }
  function writeHash() {
    var p = new URLSearchParams();
    if (state.host) p.set('host', state.host);
    if (state.cause) p.set('cause', state.cause);
    if (state.outcome) p.set('outcome', state.outcome);
    if (state.q) p.set('q', state.q);
    if (state.from !== null) p.set('from', String(Math.round(state.from)));
    if (state.to !== null) p.set('to', String(Math.round(state.to)));
    if (state.fp) p.set('page', String(state.fp + 1));
    if (state.op) p.set('others', String(state.op + 1));
    var open = Object.keys(state.open);
    if (openTouched) p.set('open', open.join(','));
    var text = p.toString();
    try { history.replaceState(null, '', text ? '#' + text : location.pathname + location.search); } catch (e) { /* file:// in some browsers */ }
  }

  function matches(c, i) {
    if (state.host) {
      var hc = hostName(c.c), hs = hostName(c.s);
      if (hc !== state.host && hs !== state.host) return false;
    }
    if (state.cause && c.k !== state.cause) return false;
    if (state.outcome && c.o !== state.outcome) return false;
    if (state.from !== null && c.b < state.from) return false;
    if (state.to !== null && c.b > state.to) return false;
    if (state.q) {
      var words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
      for (var w = 0; w < words.length; w++) if (hay[i].indexOf(words[w]) < 0) return false;
    }
    return true;
  }

  // ---------- overview ----------
  function card(n, label, cls) {
    return el('div', { 'class': 'card ' + (cls || '') }, el('span', { 'class': 'n', text: n }), el('span', { 'class': 'l', text: label }));
  }
  function renderOverview() {
    var counts = { failed: 0, succeeded: 0, unknown: 0 };
    conns.forEach(function (c) { counts[c.o] = (counts[c.o] || 0) + 1; });
    var first = null, last = null;
    D.hosts.forEach(function (h) {
      if (h.first !== null && (first === null || h.first < first)) first = h.first;
      if (h.last !== null && (last === null || h.last > last)) last = h.last;
    });
    var box = byId('overview-counts');
    append(box, [
      card(nf(conns.length), 'connections'),
      card(nf(counts.failed), 'failed', 'failed'),
      card(nf(counts.succeeded), 'succeeded', 'succeeded'),
      card(nf(counts.unknown), 'unknown outcome', 'unknown'),
      card(nf(D.hosts.length), 'hosts'),
      card(nf(D.totals.inputs), 'inputs (' + nf(D.totals.records) + ' records, ' + nf(D.totals.kept) + ' kept)'),
    ]);
    if (D.totals.skipped || D.totals.damaged) {
      append(box, card(nf(D.totals.skipped + D.totals.damaged), 'inputs skipped or damaged', 'failed'));
    }
    var meta = byId('meta');
    meta.textContent = D.generator + ' · times in ' + D.zone.name +
      (first !== null ? ' · ' + fmt(first) + ' — ' + fmt(last) : '');
    byId('zone-name').textContent = D.zone.name;
    renderChart();
    renderCauses();
    renderHosts();
    renderOnsets();
  }

  function bucketSize(span) {
    var H = 3600000, DAY = 86400000;
    if (span <= 2 * DAY) return { ms: H, label: 'hour' };
    if (span <= 14 * DAY) return { ms: 6 * H, label: '6 hours' };
    if (span <= 180 * DAY) return { ms: DAY, label: 'day' };
    return { ms: 7 * DAY, label: 'week' };
  }
  function renderChart() {
    var box = byId('chart');
    box.setAttribute('class', 'chart');
    var failed = conns.filter(function (c) { return c.o === 'failed'; });
    if (!failed.length) {
      append(box, el('p', { 'class': 'muted', text: 'No failed connections in these logs.' }));
      return;
    }
    var lo = Infinity, hi = -Infinity;
    failed.forEach(function (c) { if (c.b < lo) lo = c.b; if (c.b > hi) hi = c.b; });
    var size = bucketSize(hi - lo);
    var off = function (ms) { return spanAt(ms)[1] * 60000; };
    var key = function (ms) { return Math.floor((ms + off(ms)) / size.ms); };
    var k0 = key(lo), k1 = key(hi);
    if (k1 - k0 + 1 > CHART_MAX_BUCKETS) { size = { ms: size.ms * Math.ceil((k1 - k0 + 1) / CHART_MAX_BUCKETS), label: 'period' }; k0 = key(lo); k1 = key(hi); }
    if (k1 - k0 + 1 < CHART_MIN_BUCKETS) {
      var extra = CHART_MIN_BUCKETS - (k1 - k0 + 1);
      k0 -= Math.floor(extra / 2);
      k1 += Math.ceil(extra / 2);
    }
    var n = k1 - k0 + 1;
    var buckets = [];
    for (var i = 0; i < n; i++) buckets.push({});
    var present = {};
    failed.forEach(function (c) {
      var b = buckets[key(c.b) - k0];
      var k = c.k || 'unknown';
      b[k] = (b[k] || 0) + 1;
      present[k] = (present[k] || 0) + 1;
    });
    var order = Object.keys(present).sort(function (a, b) { return (causeById[a] ? causeById[a].order : 99) - (causeById[b] ? causeById[b].order : 99); });
    var max = 1;
    buckets.forEach(function (b) { var s = 0; Object.keys(b).forEach(function (k) { s += b[k]; }); if (s > max) max = s; });
    var W = 1000, H = 220, L = 40, R = 10, T = 12, B = 40;
    var bw = (W - L - R) / n;
    var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': 'chart-svg-title' },
      sv('title', { id: 'chart-svg-title', text: 'Failed connections per ' + size.label + ', stacked by cause' }));
    var y = function (v) { return T + (H - T - B) * (1 - v / max); };
    [0, 0.5, 1].forEach(function (f) {
      var v = Math.round(max * f);
      svg.appendChild(sv('line', { 'class': 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      svg.appendChild(sv('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', text: v }));
    });
    buckets.forEach(function (b, i) {
      var acc = 0;
      var startMs = (k0 + i) * size.ms;
      order.forEach(function (k) {
        var v = b[k];
        if (!v) return;
        var rect = sv('rect', {
          'class': 'bar cause-' + safeClass(k), x: L + i * bw + bw * 0.08, width: Math.max(1, bw * 0.84),
          y: y(acc + v), height: y(acc) - y(acc + v), tabindex: 0, role: 'button',
          'aria-label': labelBucket(startMs, size.ms) + ': ' + v + ' × ' + causeTitle(k) + ' — show them',
        }, sv('title', { text: labelBucket(startMs, size.ms) + '\n' + causeTitle(k) + ': ' + v }));
        var pick = function () { filterToBucket(startMs, size.ms, k); };
        rect.addEventListener('click', pick);
        rect.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); pick(); } });
        svg.appendChild(rect);
        acc += v;
      });
    });
    var labelEvery = Math.max(1, Math.ceil(n / 8));
    for (var j = 0; j < n; j += labelEvery) {
      var ms = (k0 + j) * size.ms;
      svg.appendChild(sv('text', { x: L + j * bw + bw / 2, y: H - B + 16, 'text-anchor': 'middle', text: labelTick(ms, size.ms) }));
    }
    svg.appendChild(sv('text', { x: W - R, y: H - 6, 'text-anchor': 'end', text: 'per ' + size.label + ', ' + D.zone.name }));
    append(box, svg);
    var legend = el('ul', { 'class': 'legend', 'aria-label': 'Causes in the chart' });
    order.forEach(function (k) { legend.appendChild(el('li', null, badge(k, '(' + present[k] + ')'))); });
    append(box, legend);
    var table = el('table', null, el('caption', { 'class': 'muted', text: 'Failed connections per ' + size.label }),
      el('thead', null, el('tr', null, el('th', { scope: 'col', text: 'From (' + D.zone.name + ')' }), order.map(function (k) { return el('th', { scope: 'col', text: k }); }))));
    var tbody = el('tbody');
    buckets.forEach(function (b, i) {
      if (!Object.keys(b).length) return;
      tbody.appendChild(el('tr', null, el('td', { text: labelBucket((k0 + i) * size.ms, size.ms) }), order.map(function (k) { return el('td', { 'class': 'num', text: b[k] || 0 }); })));
    });
    table.appendChild(tbody);
    append(box, el('details', null, el('summary', { text: 'The chart as a table' }), el('div', { 'class': 'table-wrap' }, table)));
  }
  // Bucket starts are local (zone-shifted) times: format them as UTC fields.
  function localFields(localMs) {
    var d = new Date(localMs);
    return pad(d.getUTCFullYear(), 4) + '-' + pad(d.getUTCMonth() + 1, 2) + '-' + pad(d.getUTCDate(), 2) + ' ' + pad(d.getUTCHours(), 2) + ':' + pad(d.getUTCMinutes(), 2);
  }
  function labelBucket(localMs, size) { return localFields(localMs) + ' — ' + localFields(localMs + size); }
  function labelTick(localMs, size) {
    var s = localFields(localMs);
    return size < 86400000 ? s.slice(5) : s.slice(0, 10);
  }
  function filterToBucket(localStart, size, cause) {
    var utcStart = localStart - spanAt(localStart)[1] * 60000;
    state.from = utcStart;
    state.to = utcStart + size - 1;
    state.cause = cause;
    state.outcome = 'failed';
    state.fp = 0;
    syncControls();
    update();
    byId('failed').scrollIntoView();
  }

  function renderCauses() {
    var box = byId('causes');
    var per = {};
    conns.forEach(function (c) {
      if (c.o !== 'failed' || !c.k) return;
      var e = per[c.k] || (per[c.k] = { n: 0, conf: 0 });
      e.n++; e.conf += c.p || 0;
    });
    var ids = Object.keys(per).sort(function (a, b) { return per[b].n - per[a].n || (a < b ? -1 : 1); });
    if (!ids.length) { append(box, el('p', { 'class': 'muted', text: 'No failed connections, so no causes.' })); return; }
    var tbody = el('tbody');
    ids.forEach(function (k) {
      var btn = el('button', { type: 'button', 'class': 'linklike', text: 'show' });
      btn.addEventListener('click', function () { state.cause = k; state.outcome = ''; state.fp = 0; syncControls(); update(); byId('failed').scrollIntoView(); });
      tbody.appendChild(el('tr', null, el('td', null, badge(k)), el('td', { 'class': 'mono', text: k }), el('td', { 'class': 'num', text: nf(per[k].n) }),
        el('td', { 'class': 'num', text: pct(per[k].conf / per[k].n) }), el('td', null, btn)));
    });
    append(box, el('div', { 'class': 'table-wrap' }, el('table', null,
      el('thead', null, el('tr', null, el('th', { scope: 'col', text: 'Cause' }), el('th', { scope: 'col', text: 'Id' }), el('th', { scope: 'col', 'class': 'num', text: 'Failed connections' }), el('th', { scope: 'col', 'class': 'num', text: 'Mean confidence' }), el('th', { scope: 'col', text: 'Filter' }))),
      tbody)));
  }

  function renderHosts() {
    var box = byId('hosts');
    if (!D.hosts.length) { append(box, el('p', { 'class': 'muted', text: 'No host was identified in the logs.' })); return; }
    var tbody = el('tbody');
    D.hosts.forEach(function (h, i) {
      var pairs = D.offsets.filter(function (o) { return o.client === i || o.server === i; }).map(function (o) {
        var other = o.client === i ? o.server : o.client;
        var sec = o.client === i ? -o.seconds : o.seconds;
        return el('div', null, signed(sec) + ' vs ' + (hostName(other) || '?') + ' — ' + o.pairs + ' linked pair' + (o.pairs === 1 ? '' : 's') + ', spread ' + o.spread.toFixed(1) + ' s');
      });
      tbody.appendChild(el('tr', null,
        el('th', { scope: 'row', 'class': 'wrap', text: h.name }),
        el('td', { text: h.roles.length ? h.roles.join(' + ') : '—' }),
        el('td', { 'class': 'wrap', text: h.addresses.length ? h.addresses.join(', ') : '—' }),
        el('td', null, h.first !== null ? fmt(h.first) : '—', el('br'), h.last !== null ? fmt(h.last) : ''),
        el('td', null, h.offset !== null ? signed(h.offset) : (pairs.length ? '' : 'not estimated'), pairs),
        el('td', { 'class': 'num', text: h.channels.length })));
    });
    append(box, el('div', { 'class': 'table-wrap' }, el('table', { 'class': 'compact' },
      el('thead', null, el('tr', null, ['Host', 'Roles', 'Addresses', 'Time range', 'Clock offset (with the pairs behind it)', 'Channels'].map(function (t) { return el('th', { scope: 'col', text: t }); }))),
      tbody)));
    if (D.coverage.length) {
      var det = el('details', { 'class': 'host-cov' }, el('summary', { text: 'Logs each host contributed, and the logs missing' }));
      D.coverage.forEach(function (h) {
        det.appendChild(el('h4', { text: h.host }));
        var rows = h.channels.map(function (c) {
          return el('tr', null, el('td', { 'class': 'wrap', text: c.channel }), el('td', { text: fmt(c.first) }), el('td', { text: fmt(c.last) }), el('td', { 'class': 'num', text: nf(c.records) }));
        });
        if (rows.length) det.appendChild(el('div', { 'class': 'table-wrap' }, el('table', { 'class': 'compact' },
          el('thead', null, el('tr', null, ['Channel', 'First record', 'Last record', 'Records'].map(function (t) { return el('th', { scope: 'col', text: t }); }))),
          el('tbody', null, rows))));
        if (h.missing.length) {
          det.appendChild(el('p', { text: 'Missing:' }));
          det.appendChild(el('ul', null, h.missing.map(function (m) {
            return el('li', null, el('span', { 'class': 'mono', text: m.channel }), m.optional ? ' (optional, off by default)' : '', ' — ' + m.why);
          })));
        }
      });
      append(box, det);
    }
  }

  // One block per host: its first run of failures, every run with changes before it (up to
  // ONSET_RUNS), and the table of all its runs, built when opened.
  function renderOnsets() {
    var box = byId('onsets');
    if (!D.onsets.length) { append(box, el('p', { 'class': 'muted', text: 'No run of failures.' })); return; }
    var hosts = [], byHost = {};
    D.onsets.forEach(function (o, i) {
      var key = (o.server_side ? 's:' : 'c:') + o.host;
      if (!byHost[key]) { byHost[key] = []; hosts.push(key); }
      byHost[key].push(i);
    });
    hosts.forEach(function (key) {
      var runs = byHost[key];
      var first = D.onsets[runs[0]];
      var failures = runs.reduce(function (n, i) { return n + D.onsets[i].failures; }, 0);
      var div = el('div', { 'class': 'onset' });
      div.appendChild(el('h4', { text: (first.server_side ? 'Server ' : 'Client ') + first.host + ': ' + nf(failures) + ' failed connection' + (failures === 1 ? '' : 's') +
        ' in ' + nf(runs.length) + ' run' + (runs.length === 1 ? '' : 's') + ', the first from ' + fmt(first.first_failure) }));
      var shown = runs.filter(function (i, j) { return j === 0 || D.onsets[i].changes.length; }).slice(0, ONSET_RUNS);
      shown.forEach(function (i) { div.appendChild(onsetRun(i)); });
      if (runs.length > shown.length) {
        var all = el('details', null, el('summary', { text: 'All ' + nf(runs.length) + ' runs on this host' }));
        var built = false;
        all.addEventListener('toggle', function () {
          if (all.open && !built) { built = true; var holder = el('div'); all.appendChild(holder); runTable(holder, runs, 0); }
        });
        div.appendChild(all);
      }
      box.appendChild(div);
    });
  }
  function onsetRun(i) {
    var o = D.onsets[i];
    var div = el('div', { 'class': 'run', id: 'onset-' + i });
    div.appendChild(el('p', null, el('strong', { text: 'From ' + fmt(o.first_failure) + ': ' + o.failures + ' failed connection' + (o.failures === 1 ? '' : 's') + '. ' }),
      lastSuccessText(o)));
    var links = el('p', null, 'Connections: ');
    o.connections.forEach(function (id, j) {
      if (j) links.appendChild(document.createTextNode(', '));
      links.appendChild(connLink(id));
    });
    if (o.failures > o.connections.length) links.appendChild(document.createTextNode(' … and ' + (o.failures - o.connections.length) + ' more'));
    div.appendChild(links);
    if (o.changes.length) {
      div.appendChild(el('p', { text: 'What changed before the first failure:' }));
      div.appendChild(el('ul', null, o.changes.map(function (ch) {
        var e = ev(ch.v);
        var rule = D.rules[ch.rule] || { about: '' };
        return el('li', null, el('span', { 'class': 'mono', text: fmt(e.ms) }), ' ', e.summary, ' ',
          ch.causes.map(function (k) { return badge(k); }), el('div', { 'class': 'muted', text: rule.about + ' — ' + e.source }));
      })));
    } else {
      div.appendChild(el('p', { 'class': 'muted', text: 'No change of host state was found before it in these logs.' }));
    }
    return div;
  }
  function lastSuccessText(o) {
    if (o.last_success === null) return 'No success before it in these logs.';
    if (o.last_success > o.first_failure) return 'The last successful session before it was still open until ' + fmt(o.last_success) + '.';
    return 'Last success before: ' + fmt(o.last_success) + ' (' + dur((o.first_failure - o.last_success) / 1000) + ' earlier).';
  }
  function runTable(holder, runs, page) {
    clear(holder);
    var pages = Math.ceil(runs.length / RUNS_PAGE);
    var rows = runs.slice(page * RUNS_PAGE, (page + 1) * RUNS_PAGE).map(function (i) {
      var o = D.onsets[i];
      var links = el('td');
      o.connections.slice(0, 5).forEach(function (id, j) { if (j) links.appendChild(document.createTextNode(', ')); links.appendChild(connLink(id)); });
      if (o.failures > 5) links.appendChild(document.createTextNode(' …'));
      return el('tr', { id: 'onset-' + i }, el('td', { 'class': 'mono', text: fmt(o.first_failure) }), el('td', { 'class': 'mono', text: o.last_success !== null ? fmt(o.last_success) : '—' }),
        el('td', { 'class': 'num', text: o.failures }), el('td', { 'class': 'num', text: o.changes.length }), links);
    });
    var pg = el('div', { 'class': 'pager' });
    append(holder, el('div', { 'class': 'table-wrap' }, el('table', { 'class': 'compact' },
      el('thead', null, el('tr', null, ['First failure', 'Last success before', 'Failed', 'Changes', 'Connections'].map(function (t) { return el('th', { scope: 'col', text: t }); }))),
      el('tbody', null, rows))), pg);
    pager(pg, page, pages, runs.length, RUNS_PAGE, function (p) { runTable(holder, runs, p); }, 'runs');
  }
  function connLink(id) {
    var b = el('button', { type: 'button', 'class': 'linklike', text: id });
    b.addEventListener('click', function () { showConnection(id); });
    return b;
  }
  function showConnection(id) {
    state.host = ''; state.cause = ''; state.outcome = ''; state.from = null; state.to = null; state.q = id;
    state.open[id] = true; openTouched = true;
    syncControls();
    update();
    var node = byId('conn-' + id);
    if (node) { node.scrollIntoView(); var t = node.querySelector('.toggle'); if (t) t.focus(); }
  }

  // ---------- the lanes of a failed connection ----------
  // The lanes' time axis. The middle zone holds the connection's window and the events near
  // it on a linear scale (idle gaps longer than `cap` shortened to `cap` and marked); events
  // far before or after (host state context, more than `margin` away) go to side zones on a
  // logarithmic scale of their distance from the window, with relative ticks (−10 min).
  var NICE_DISTANCES = [10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400, 365 * 86400];
  function laneScale(marks, b, e) {
    var windowMs = Math.max(0, e - b);
    var margin = Math.max(30000, windowMs);
    var near = [], before = [], after = [];
    marks.forEach(function (m) {
      if (m.t < b - margin) before.push(m.t); else if (m.t > e + margin) after.push(m.t); else near.push(m.t);
    });
    var width = PLOT_RIGHT - PLOT_LEFT;
    var leftW = before.length ? width * 0.18 : 0;
    var rightW = after.length ? width * 0.14 : 0;
    var gapW = 14;
    var midL = PLOT_LEFT + (leftW ? leftW + gapW : 0);
    var midR = PLOT_RIGHT - (rightW ? rightW + gapW : 0);
    // middle: piecewise linear over the distinct times, long gaps capped
    var ts = near.concat([b, e]).sort(function (x, y) { return x - y; });
    var uniq = [];
    ts.forEach(function (t) { if (!uniq.length || t !== uniq[uniq.length - 1]) uniq.push(t); });
    var cap = Math.max(5000, windowMs * 0.25);
    var pos = [0], breaks = [];
    for (var i = 1; i < uniq.length; i++) {
      var gap = uniq[i] - uniq[i - 1];
      var eff = gap > cap ? cap : gap;
      if (gap > cap) breaks.push({ at: pos[i - 1] + eff / 2, real: gap });
      pos.push(pos[i - 1] + eff);
    }
    var total = pos[pos.length - 1];
    var mid = function (t) {
      if (!total) return (midL + midR) / 2;
      var lo = 0, hi = uniq.length - 1;
      while (lo < hi) { var k = (lo + hi + 1) >> 1; if (uniq[k] <= t) lo = k; else hi = k - 1; }
      var p = pos[lo];
      if (lo + 1 < uniq.length && t > uniq[lo]) p += (t - uniq[lo]) / (uniq[lo + 1] - uniq[lo]) * (pos[lo + 1] - pos[lo]);
      return midL + Math.max(0, Math.min(total, p)) / total * (midR - midL);
    };
    // side zones: log of the distance from the window, from `margin` to the farthest event
    var side = function (dists, from, to) {
      var lo = Math.log(margin), hi = Math.log(Math.max.apply(null, dists.concat([margin * 1.5])));
      return function (d) { return from + (to - from) * (Math.log(Math.max(d, margin)) - lo) / (hi - lo); };
    };
    var left = leftW ? side(before.map(function (t) { return b - t; }), PLOT_LEFT + leftW, PLOT_LEFT) : null;
    var right = rightW ? side(after.map(function (t) { return t - e; }), PLOT_RIGHT - rightW, PLOT_RIGHT) : null;
    var x = function (t) {
      if (left && t < b - margin) return left(b - t);
      if (right && t > e + margin) return right(t - e);
      return mid(t);
    };
    var sideTicks = function (dists, f, sign) {
      var far = Math.max.apply(null, dists) / 1000;
      return NICE_DISTANCES.filter(function (d) { return d * 1000 > margin && d <= far * 1.05; })
        .map(function (d) { return { x: f(d * 1000), label: sign + durShort(d) }; });
    };
    return {
      x: x, ticks: uniq,
      breaks: breaks.map(function (br) { return { x: midL + br.at / total * (midR - midL), real: br.real }; }),
      compressed: breaks.length > 0, cap: cap, margin: margin,
      zones: [
        left ? { from: PLOT_LEFT, to: PLOT_LEFT + leftW, edge: PLOT_LEFT + leftW + gapW / 2, ticks: sideTicks(before.map(function (t) { return b - t; }), left, '−'), n: before.length, what: 'before' } : null,
        right ? { from: PLOT_RIGHT - rightW, to: PLOT_RIGHT, edge: PLOT_RIGHT - rightW - gapW / 2, ticks: sideTicks(after.map(function (t) { return t - e; }), right, '+'), n: after.length, what: 'after' } : null,
      ].filter(Boolean),
      midL: midL, midR: midR,
    };
  }

  function renderLanes(c, det, marks, panel, evidenceCause) {
    var sc = laneScale(marks, c.b, c.e);
    var H = 150, Y = { client: 48, server: 108 };
    var svg = sv('svg', { viewBox: '0 0 1000 ' + H, role: 'group', 'aria-label': 'Timeline of ' + c.id + ': client lane and server lane' });
    svg.appendChild(sv('title', { text: 'Events of ' + c.id + ' on two lanes, client above, server below' }));
    ['client', 'server'].forEach(function (lane) {
      svg.appendChild(sv('rect', { 'class': 'lane-bg', x: PLOT_LEFT - 5, y: Y[lane] - 16, width: PLOT_RIGHT - PLOT_LEFT + 10, height: 32, rx: 4 }));
      var who = lane === 'client' ? (hostName(c.c) || c.a || 'client (no log)') : (hostName(c.s) || c.t || 'server (no log)');
      svg.appendChild(sv('text', { 'class': 'lane-label', x: 6, y: Y[lane] - 2, text: lane === 'client' ? 'Client' : 'Server' }));
      svg.appendChild(sv('text', { 'class': 'tick', x: 6, y: Y[lane] + 12, text: who.length > 24 ? who.slice(0, 23) + '…' : who }));
    });
    var wx0 = sc.x(c.b), wx1 = sc.x(c.e);
    svg.appendChild(sv('rect', { 'class': 'window' + (c.o === 'failed' ? '' : ' ok'), x: wx0 - 2, y: 22, width: Math.max(4, wx1 - wx0 + 4), height: 106, rx: 3 },
      sv('title', { text: 'Connection window ' + fmt(c.b) + ' — ' + fmt(c.e) })));
    svg.appendChild(sv('line', { 'class': 'axis', x1: PLOT_LEFT, x2: PLOT_RIGHT, y1: 134, y2: 134 }));
    sc.breaks.forEach(function (br) {
      svg.appendChild(sv('path', { 'class': 'brk', d: 'M' + (br.x - 4) + ' 20 l4 6 l-4 6 M' + (br.x + 2) + ' 20 l4 6 l-4 6 M' + (br.x - 1) + ' 32 V130' }));
      svg.appendChild(sv('text', { 'class': 'brk-label', x: br.x, y: 16, 'text-anchor': 'middle', text: '+' + dur(br.real / 1000) }));
    });
    sc.zones.forEach(function (z) {
      svg.appendChild(sv('rect', { 'class': 'far-zone', x: Math.min(z.from, z.to), y: 24, width: Math.abs(z.to - z.from), height: 102 },
        sv('title', { text: z.n + ' context event' + (z.n === 1 ? '' : 's') + ' long ' + z.what + ' the connection, placed by the logarithm of their distance from it' })));
      svg.appendChild(sv('path', { 'class': 'brk', d: 'M' + (z.edge - 4) + ' 20 l4 6 l-4 6 M' + (z.edge + 2) + ' 20 l4 6 l-4 6 M' + (z.edge - 1) + ' 32 V130' }));
      var lastZ = -Infinity;
      z.ticks.forEach(function (t) {
        if (Math.abs(t.x - lastZ) < 40) return;
        lastZ = t.x;
        svg.appendChild(sv('line', { 'class': 'axis', x1: t.x, x2: t.x, y1: 131, y2: 137 }));
        svg.appendChild(sv('text', { 'class': 'tick far', x: t.x, y: 147, 'text-anchor': 'middle', text: t.label }));
      });
      svg.appendChild(sv('text', { 'class': 'brk-label', x: (z.from + z.to) / 2, y: 16, 'text-anchor': 'middle', text: z.what === 'before' ? 'earlier (log scale)' : 'later (log scale)' }));
    });
    var lastLabel = -Infinity;
    sc.ticks.forEach(function (t) {
      var x = sc.x(t);
      if (x - lastLabel < 95) return;
      lastLabel = x;
      svg.appendChild(sv('line', { 'class': 'axis', x1: x, x2: x, y1: 131, y2: 137 }));
      var anchor = x > sc.midR - 40 ? 'end' : (x < sc.midL + 40 ? 'start' : 'middle');
      svg.appendChild(sv('text', { 'class': 'tick', x: anchor === 'start' ? x - 8 : (anchor === 'end' ? x + 8 : x), y: 147, 'text-anchor': anchor, text: fmtClock(t, true) }));
    });
    var stack = {};
    var markNodes = [];
    var selected = false;
    marks.forEach(function (m, i) {
      var e = ev(m.v);
      var x = sc.x(m.t);
      var slot = m.lane + Math.round(x / 6);
      var k = stack[slot] = (stack[slot] || 0) + 1;
      var dy = ((k - 1) % 4) * 6 - 9;
      var cause = evidenceCause[m.v];
      var cls = 'mark' + (m.ctx ? ' ctx' : '') + (cause ? ' cause-' + safeClass(cause) : ' ' + levelClass(e.level));
      var label = fmtClock(m.t, true) + ' ' + m.lane + ': ' + e.summary + (cause ? ' — evidence for ' + cause : '') + (m.ctx ? ' (context ' + (m.dist ? dur(m.dist) + ' from the window' : 'inside the window') + ')' : '');
      var g = sv('g', { 'class': cls, tabindex: 0, role: 'button', 'aria-label': label },
        sv('title', { text: label }),
        m.ctx
          ? sv('rect', { 'class': 'dot', x: x - 5, y: Y[m.lane] + dy - 5, width: 10, height: 10, rx: 2 })
          : sv('circle', { 'class': 'dot', cx: x, cy: Y[m.lane] + dy, r: 6 }));
      var pick = function () {
        markNodes.forEach(function (n) { n.classList.remove('sel'); });
        g.classList.add('sel');
        selected = true;
        showEvent(panel, m.v, m);
      };
      // Pointing or focusing shows the event's line; selecting (click, Enter) shows its raw
      // fields, which pointing elsewhere leaves in place until another mark is focused.
      var peek = function () { if (!selected) showEvent(panel, m.v, m, true); };
      g.addEventListener('click', pick);
      g.addEventListener('focus', function () { selected = false; peek(); });
      g.addEventListener('mouseenter', peek);
      g.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); pick(); } });
      markNodes.push(g);
      svg.appendChild(g);
    });
    var wrap = el('div', { 'class': 'lanes' }, svg);
    var note = 'Filled circles: events of this connection; hollow squares: host state around it (context). Colour: the cause an event is evidence for, else red for errors, amber for warnings. Time axis linear around the connection';
    note += sc.compressed ? ', gaps longer than ' + dur(sc.cap / 1000) + ' shortened and labelled with their real length' : '';
    note += sc.zones.length ? '; events more than ' + dur(sc.margin / 1000) + ' away are in the shaded side zones, on a logarithmic scale of their distance.' : '.';
    if (det.marks_cut) note += ' ' + det.marks_cut + ' more events are not drawn.';
    if (det.context_omitted.length) note += ' Context left out: ' + det.context_omitted.map(function (o) { return o[1] + ' × ' + o[0]; }).join(', ') + '.';
    append(wrap, el('p', { 'class': 'lane-legend', text: note }));
    return wrap;
  }

  function fieldsTable(e) {
    var t = el('table', { 'class': 'fields' });
    var rows = [
      ['Time (as logged)', fmt(e.ms) + '  [' + new Date(Math.floor(e.ms)).toISOString() + ' UTC]'],
      ['Computer', e.computer], ['Channel', e.channel], ['Provider', e.provider], ['Event id', String(e.id)],
      ['Record', String(e.record)], ['Level', e.level === undefined ? '' : String(e.level)],
      ['ActivityID', e.activity || ''], ['Source', e.source],
    ];
    rows.forEach(function (r) { t.appendChild(el('tr', null, el('th', { scope: 'row', text: r[0] }), el('td', { text: r[1] }))); });
    e.fields.forEach(function (f) { t.appendChild(el('tr', null, el('th', { scope: 'row', text: f[0] }), el('td', { text: f[1] === '' ? '(empty)' : f[1] }))); });
    if (e.cut) t.appendChild(el('tr', null, el('th', { scope: 'row', text: '…' }), el('td', { text: e.cut + ' more fields not shown' })));
    return t;
  }
  function showEvent(panel, v, m, light) {
    var e = ev(v);
    clear(panel);
    append(panel, el('p', null, el('strong', { text: fmt(m.t) }), ' · ' + m.lane + ' lane · ' + m.rel + ' · ', el('span', { text: e.summary })));
    append(panel, el('p', { 'class': 'muted', text: e.source }));
    if (!light) append(panel, el('div', { 'class': 'table-wrap' }, fieldsTable(e)));
  }

  // Evidence rows; `corrected` maps an event to its skew-corrected time on the lanes.
  function evidenceList(items, against, corrected) {
    var ul = el('ul', { 'class': 'evidence' + (against ? ' against' : '') });
    items.forEach(function (row) {
      var x = evidence(row);
      var e = x.event;
      var sum = el('summary', null, against ? el('span', { 'class': 'muted', text: 'against ' }) : null, badge(x.cause),
        el('span', { 'class': 'when', text: corrected[x.v] !== undefined ? fmt(corrected[x.v]) : (x.ms !== null ? fmt(x.ms) + ' (its host\'s clock)' : '') }),
        x.host ? el('span', { 'class': 'muted', text: x.host + ': ' }) : null, el('span', { text: x.summary }));
      var body = el('div', { 'class': 'body' });
      if (x.about) append(body, el('p', null, (against ? 'Argues against ' : 'Argues for ') + causeTitle(x.cause) + ': ' + x.about + ' ', el('span', { 'class': 'mono muted', text: '(' + x.rule + ')' })));
      if (x.ms !== null) append(body, el('p', { text: 'Logged at ' + fmt(x.ms) + ' on the clock of ' + (x.host || 'its host') + (corrected[x.v] !== undefined && Math.abs(corrected[x.v] - x.ms) >= 1 ? '; ' + fmt(corrected[x.v]) + ' on the connection\'s clock.' : '.') }));
      if (x.source) append(body, el('p', null, 'Source: ', el('span', { 'class': 'mono', text: x.source })));
      var built = false;
      var det = el('details', null, sum, body);
      det.addEventListener('toggle', function () {
        if (det.open && !built && e) { built = true; append(body, el('div', { 'class': 'table-wrap' }, fieldsTable(e))); }
      });
      det._build = function () { if (!built && e) { built = true; append(body, el('div', { 'class': 'table-wrap' }, fieldsTable(e))); } };
      ul.appendChild(el('li', null, det));
    });
    return ul;
  }

  function renderDetail(c, box) {
    var det = c.d !== undefined ? D.details[c.d] : null;
    if (!det) { append(box, el('p', { 'class': 'muted', text: 'This connection has no diagnosis in the data.' })); return; }
    var dx = det.dx;
    var evidenceCause = {};
    dx.evidence.forEach(function (x) { if (x.v !== undefined && !evidenceCause[x.v]) evidenceCause[x.v] = x.k; });
    var marks = det.marks.map(mark);
    var corrected = {};
    marks.forEach(function (m) { if (corrected[m.v] === undefined) corrected[m.v] = m.t; });
    var facts = el('dl', { 'class': 'facts' });
    var fact = function (k, v) { if (v !== null && v !== undefined && v !== '') { facts.appendChild(el('dt', { text: k })); facts.appendChild(el('dd', { text: v })); } };
    fact('Window', fmt(c.b) + ' — ' + fmtClock(c.e, true) + ' (' + dur((c.e - c.b) / 1000) + ')');
    fact('Client', (hostName(c.c) || '—') + (c.a ? ' (' + c.a + ')' : ''));
    fact('Server', hostName(c.s) || '—');
    fact('Target as typed', c.t);
    fact('User', det.user);
    fact('Transport', det.transport);
    fact('Disconnect reason', reasonText(c.r));
    fact('Client ActivityID', det.client_activity);
    fact('Server ActivityID', det.server_activity);
    append(box, facts);

    append(box, el('h5', { 'class': 'sr-only', text: 'Timeline' }));
    var panel = el('div', { 'class': 'mark-panel', 'aria-live': 'polite' });
    append(box, renderLanes(c, det, marks, panel, evidenceCause));
    append(panel, el('p', { 'class': 'muted', text: 'Point at, focus or select an event on the lanes to see it here; select to see its raw fields.' }));
    append(box, panel);

    var left = el('div'), right = el('div');
    append(left, el('h5', { 'class': 'dx-title' }, 'Diagnosis: ', badge(dx.cause), ' ', el('span', { 'class': 'conf', text: pct(dx.confidence) + ' confidence' })));
    append(left, el('p', { 'class': 'muted', text: causeTitle(dx.cause) + '.' }));
    append(left, el('h5', { text: 'Evidence' }));
    append(left, dx.evidence.length ? evidenceList(dx.evidence, false, corrected) : el('p', { 'class': 'muted', text: 'No event speaks for a cause.' }));
    append(left, el('h5', { text: 'What argues against it' }));
    append(left, dx.against.length ? evidenceList(dx.against, true, corrected) : el('p', { 'class': 'muted', text: 'Nothing found against it.' }));
    append(left, el('h5', { text: 'Fix' }));
    append(left, dx.remediation.length ? el('ol', { 'class': 'fix' }, dx.remediation.map(function (i) { return el('li', { text: S[i] }); })) : el('p', { 'class': 'muted', text: 'No step.' }));

    append(right, el('h5', { text: 'Ranked causes' }));
    var alts = el('ol', { 'class': 'alts' });
    [[dx.cause, dx.confidence]].concat(dx.alternatives).forEach(function (a) {
      alts.appendChild(el('li', { 'class': 'cause-' + safeClass(a[0]) }, el('span', { 'class': 'pct', text: pct(a[1]) }),
        (function () { var m = el('span', { 'class': 'meter', 'aria-hidden': 'true' }, el('span')); m.firstChild.style.width = Math.round(a[1] * 100) + '%'; return m; })(),
        badge(a[0])));
    });
    append(right, alts);
    append(right, el('h5', { text: 'Missing logs' }));
    append(right, dx.missing.length ? el('ul', { 'class': 'missing' }, dx.missing.map(function (i) { return el('li', { text: S[i] }); })) : el('p', { 'class': 'muted', text: 'None that would change it.' }));
    if (dx.onset !== null && dx.onset !== undefined && D.onsets[dx.onset]) {
      var o = D.onsets[dx.onset];
      append(right, el('h5', { text: 'Onset' }));
      var p = el('p', { text: 'One of ' + o.failures + ' failures on ' + o.host + ' since ' + fmt(o.first_failure) + (o.changes.length ? '; ' + o.changes.length + ' change' + (o.changes.length === 1 ? '' : 's') + ' before it ' : '. ') });
      append(p, el('a', { href: '#onsets', text: 'see the overview' }));
      append(right, p);
    }
    append(box, el('div', { 'class': 'dx' }, left, right));

    var rows = marks.map(function (m) {
      var e = ev(m.v);
      var b = el('button', { type: 'button', text: 'fields' });
      b.addEventListener('click', function () { showEvent(panel, m.v, m); panel.scrollIntoView({ block: 'nearest' }); });
      return el('tr', null, el('td', { 'class': 'mono', text: fmtClock(m.t, true) }), el('td', { text: m.lane }), el('td', { text: m.rel }),
        el('td', { text: e.summary }), el('td', null, b));
    });
    append(box, el('details', { 'class': 'all-events' }, el('summary', { text: 'All ' + det.marks.length + ' events on the lanes, as a table' }),
      el('div', { 'class': 'table-wrap' }, el('table', { 'class': 'events-table' },
        el('thead', null, el('tr', null, ['Time', 'Lane', 'Why here', 'Event', ''].map(function (t) { return el('th', { scope: 'col', text: t }); }))),
        el('tbody', null, rows)))));
  }

  function failedCard(c, open) {
    var bodyId = 'detail-' + c.id;
    var art = el('article', { 'class': 'conn cause-' + safeClass(c.k || 'unknown'), id: 'conn-' + c.id, 'aria-labelledby': 'head-' + c.id });
    var toggle = el('button', { type: 'button', 'class': 'toggle', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': bodyId, id: 'head-' + c.id },
      el('span', { 'class': 'chev', 'aria-hidden': 'true', text: '▸' }),
      el('span', { 'class': 'id', text: c.id }),
      el('span', { 'class': 'mono', text: fmt(c.b) }),
      el('span', { 'class': 'who', text: clientOf(c) + ' → ' + serverOf(c) }),
      c.k ? badge(c.k) : null,
      c.p !== undefined ? el('span', { 'class': 'conf', text: pct(c.p) }) : null,
      c.r !== undefined ? el('span', { 'class': 'muted', text: 'reason ' + reasonText(c.r) }) : null);
    var body = el('div', { 'class': 'detail', id: bodyId, hidden: !open });
    var built = false;
    var build = function () { if (!built) { built = true; renderDetail(c, body); } };
    if (open) build();
    toggle.addEventListener('click', function () {
      var now = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', now ? 'true' : 'false');
      if (now) { build(); body.hidden = false; state.open[c.id] = true; } else { body.hidden = true; delete state.open[c.id]; }
      openTouched = true;
      writeHash();
    });
    art._build = build;
    append(art, el('h4', null, toggle), body);
    return art;
  }

  // ---------- lists ----------
  // Previous / next and the range shown; a bottom pager is left out when there is one page.
  function pager(box, page, pages, total, size, onPage, what, bottom) {
    clear(box);
    if (total === 0 || (bottom && pages <= 1)) return;
    var prev = el('button', { type: 'button', text: '← previous', disabled: page === 0 });
    var next = el('button', { type: 'button', text: 'next →', disabled: page >= pages - 1 });
    prev.addEventListener('click', function () { onPage(page - 1); });
    next.addEventListener('click', function () { onPage(page + 1); });
    append(box, prev, el('span', { text: (page * size + 1) + '–' + Math.min(total, (page + 1) * size) + ' of ' + nf(total) + ' ' + what + ' (page ' + (page + 1) + ' of ' + pages + ')' }), next);
  }

  var filteredFailed = [], filteredOthers = [];
  function update() {
    filteredFailed = []; filteredOthers = [];
    for (var i = 0; i < conns.length; i++) {
      var c = conns[i];
      if (!matches(c, i)) continue;
      if (c.o === 'failed') filteredFailed.push(c); else filteredOthers.push(c);
    }
    var fPages = Math.max(1, Math.ceil(filteredFailed.length / FAILED_PAGE));
    var oPages = Math.max(1, Math.ceil(filteredOthers.length / OTHERS_PAGE));
    state.fp = Math.min(state.fp, fPages - 1);
    state.op = Math.min(state.op, oPages - 1);
    byId('f-status').textContent = nf(filteredFailed.length + filteredOthers.length) + ' of ' + nf(conns.length) + ' connections match: ' +
      nf(filteredFailed.length) + ' failed, ' + nf(filteredOthers.length) + ' succeeded or unknown.';
    renderFailed(fPages);
    renderOthers(oPages);
    writeHash();
  }
  function renderFailed(pages) {
    var list = byId('failed-list');
    clear(list);
    var page = filteredFailed.slice(state.fp * FAILED_PAGE, (state.fp + 1) * FAILED_PAGE);
    if (!page.length) list.appendChild(el('p', { 'class': 'muted', text: 'No failed connection matches the filters.' }));
    page.forEach(function (c, j) {
      var open = openTouched ? !!state.open[c.id] : (state.fp === 0 && j < EXPANDED_BY_DEFAULT);
      list.appendChild(failedCard(c, open));
    });
    var go = function (p) { state.fp = p; update(); byId('failed').scrollIntoView(); };
    pager(byId('failed-pager-top'), state.fp, pages, filteredFailed.length, FAILED_PAGE, go, 'failed connections');
    pager(byId('failed-pager'), state.fp, pages, filteredFailed.length, FAILED_PAGE, go, 'failed connections', true);
  }
  function renderOthers(pages) {
    var list = byId('others-list');
    clear(list);
    var page = filteredOthers.slice(state.op * OTHERS_PAGE, (state.op + 1) * OTHERS_PAGE);
    if (!page.length) { list.appendChild(el('p', { 'class': 'muted', text: 'No succeeded or unknown connection matches the filters.' })); }
    else {
      var tbody = el('tbody');
      page.forEach(function (c) {
        tbody.appendChild(el('tr', { id: 'conn-' + c.id },
          el('td', { 'class': 'mono', text: c.id }),
          el('td', { 'class': 'mono', text: fmt(c.b) }),
          el('td', { 'class': 'num', text: dur((c.e - c.b) / 1000) }),
          el('td', { 'class': 'wrap', text: clientOf(c) + ' → ' + serverOf(c) + (c.t && c.t !== hostName(c.s) ? ' (typed ' + c.t + ')' : '') }),
          el('td', { 'class': 'wrap', text: c.a || '' }),
          el('td', null, el('span', { 'class': 'outcome ' + c.o, text: c.o })),
          el('td', { text: reasonText(c.r) }),
          el('td', { 'class': 'num', text: c.n })));
      });
      list.appendChild(el('div', { 'class': 'table-wrap' }, el('table', { 'class': 'compact' },
        el('thead', null, el('tr', null, ['Id', 'Start', 'Lasted', 'Client → server', 'Client address', 'Outcome', 'Disconnect reason', 'Events'].map(function (t) { return el('th', { scope: 'col', text: t }); }))),
        tbody)));
    }
    var go = function (p) { state.op = p; update(); byId('others').scrollIntoView(); };
    pager(byId('others-pager-top'), state.op, pages, filteredOthers.length, OTHERS_PAGE, go, 'other connections');
    pager(byId('others-pager'), state.op, pages, filteredOthers.length, OTHERS_PAGE, go, 'other connections', true);
  }

  function renderInputs(page) {
    var box = byId('inputs-body');
    clear(box);
    var t = D.totals;
    append(box, el('p', { text: nf(t.inputs) + ' inputs read: ' + nf(t.records) + ' records, ' + nf(t.kept) + ' relevant events kept; ' + nf(t.skipped) + ' skipped, ' + nf(t.damaged) + ' read with errors.' + (t.unlisted ? ' ' + nf(t.unlisted) + ' inputs without problems are not listed (see diagnoses.json).' : '') }));
    if (!D.inputs.length) return;
    var pages = Math.ceil(D.inputs.length / INPUTS_PAGE);
    var rows = D.inputs.slice(page * INPUTS_PAGE, (page + 1) * INPUTS_PAGE).map(function (r) {
      var problems = [];
      if (r.skipped) problems.push('skipped: ' + r.skipped);
      if (r.failed) problems.push(r.failed + ' unreadable');
      (r.errors || []).forEach(function (e) { problems.push(e); });
      if (r.time_basis) problems.push('times: ' + r.time_basis);
      return el('tr', null, el('td', { 'class': 'wrap mono', text: r.path }), el('td', { text: r.format }), el('td', { 'class': 'wrap', text: r.host || '' }),
        el('td', { 'class': 'num', text: nf(r.records) }), el('td', { 'class': 'num', text: nf(r.kept) }),
        el('td', { 'class': 'wrap' }, problems.map(function (p) { return el('div', { text: p }); })));
    });
    var pg = el('div', { 'class': 'pager' });
    append(box, el('div', { 'class': 'table-wrap' }, el('table', { 'class': 'compact' },
      el('thead', null, el('tr', null, ['Input', 'Format', 'Host', 'Records', 'Kept', 'Problems and notes'].map(function (x) { return el('th', { scope: 'col', text: x }); }))),
      el('tbody', null, rows))), pg);
    pager(pg, page, pages, D.inputs.length, INPUTS_PAGE, function (p) { renderInputs(p); }, 'inputs');
  }

  // ---------- filters ----------
  function rangeToMs(v) { return tMin + (tMax - tMin) * (Number(v) / 1000); }
  function msToRange(ms) { return tMax === tMin ? 0 : Math.round((ms - tMin) / (tMax - tMin) * 1000); }
  function syncControls() {
    byId('f-host').value = state.host;
    byId('f-cause').value = state.cause;
    byId('f-outcome').value = state.outcome;
    byId('f-text').value = state.q;
    byId('f-from').value = state.from === null ? 0 : msToRange(state.from);
    byId('f-to').value = state.to === null ? 1000 : msToRange(state.to);
    labelRange();
  }
  function labelRange() {
    byId('f-from-label').textContent = conns.length ? fmtShort(state.from === null ? tMin : state.from) : '';
    byId('f-to-label').textContent = conns.length ? fmtShort(state.to === null ? tMax : state.to) : '';
  }
  function setupFilters() {
    var hs = byId('f-host');
    D.hosts.map(function (h) { return h.name; }).sort().forEach(function (n) { hs.appendChild(el('option', { value: n, text: n })); });
    var cs = byId('f-cause');
    var present = {};
    conns.forEach(function (c) { if (c.k) present[c.k] = true; });
    D.causes.forEach(function (c) { if (present[c.id]) cs.appendChild(el('option', { value: c.id, text: c.title + ' (' + c.id + ')' })); });
    var onChange = function () {
      state.host = hs.value; state.cause = cs.value; state.outcome = byId('f-outcome').value;
      state.fp = 0; state.op = 0;
      update();
    };
    hs.addEventListener('change', onChange);
    cs.addEventListener('change', onChange);
    byId('f-outcome').addEventListener('change', onChange);
    var timer = null;
    byId('f-text').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = byId('f-text').value.trim(); state.fp = 0; state.op = 0; update(); }, 150);
    });
    var onRange = function () {
      var a = Number(byId('f-from').value), b = Number(byId('f-to').value);
      if (a > b) { var t = a; a = b; b = t; }
      state.from = a <= 0 ? null : rangeToMs(a);
      state.to = b >= 1000 ? null : rangeToMs(b);
      labelRange();
    };
    ['f-from', 'f-to'].forEach(function (id) {
      byId(id).addEventListener('input', onRange);
      byId(id).addEventListener('change', function () { onRange(); state.fp = 0; state.op = 0; update(); });
    });
    byId('f-reset').addEventListener('click', function () {
      state.host = ''; state.cause = ''; state.outcome = ''; state.q = ''; state.from = null; state.to = null; state.fp = 0; state.op = 0;
      syncControls();
      update();
    });
    byId('filters').addEventListener('submit', function (ev) { ev.preventDefault(); });
    window.addEventListener('hashchange', function () { readHash(); syncControls(); update(); });
  }

  // ---------- print: expand the failed connections of the page with their evidence ----------
  var reopened = [];
  window.addEventListener('beforeprint', function () {
    var list = byId('failed-list');
    Array.prototype.forEach.call(list.querySelectorAll('article.conn'), function (a) { if (a._build) a._build(); });
    Array.prototype.forEach.call(list.querySelectorAll('.evidence details, details.all-events'), function (d) {
      if (d._build) d._build();
      if (!d.open) { d.open = true; reopened.push(d); }
    });
  });
  window.addEventListener('afterprint', function () {
    reopened.forEach(function (d) { d.open = false; });
    reopened = [];
  });

  // ---------- start ----------
  try {
    readHash();
    renderOverview();
    setupFilters();
    syncControls();
    update();
    renderInputs(0);
    document.body.setAttribute('data-rendered', 'ok');
    document.body.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
  } catch (err) {
    var f = byId('fatal');
    f.hidden = false;
    f.textContent = 'The report could not be drawn: ' + (err && err.message ? err.message : String(err)) + '. The data is in diagnoses.json.';
    document.body.setAttribute('data-rendered', 'error');
    throw err;
  }
})();
