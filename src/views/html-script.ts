// The HTML report's script: plain browser JavaScript, inlined into the page
// (no network, no library). It reads the data block, lets the user pick two
// moments on the timeline, groups the stacks by line, function, file or
// traceback, and draws the timeline, an icicle flame graph and the tables.
// (Kept free of backquotes and dollar-brace so it can sit in a template string.)
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var DATA = JSON.parse(document.getElementById('alloctrace-data').textContent);
  var frames = DATA.frames;
  var state = { trace: 0, a: -1, b: -1, groupBy: 'lineno', flame: 'live', sort: { key: 'size', desc: true }, zoom: null };
  var el = function (id) { return document.getElementById(id); };

  function fmtSize(b) {
    var sign = b < 0 ? '-' : '';
    var v = Math.abs(b);
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    for (var i = 0; i < units.length; i++) {
      if (v < 100 && i > 0) return sign + v.toFixed(1) + ' ' + units[i];
      if (v < 10240 || i === units.length - 1) return sign + v.toFixed(0) + ' ' + units[i];
      v /= 1024;
    }
    return sign + v + ' B';
  }
  function fmtDiff(b) { return (b > 0 ? '+' : '') + fmtSize(b); }
  function fmtTime(ns) { var s = ns / 1e9; return s < 1 ? (ns / 1e6).toFixed(0) + ' ms' : s < 100 ? s.toFixed(1) + ' s' : s.toFixed(0) + ' s'; }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }
  function frameText(f) { return f[4] ? f[0] + ' (builtin)' : (f[0] || '(anonymous)') + ' ' + f[1] + ':' + f[2]; }

  function trace() { return DATA.traces[state.trace]; }

  // Dense live size and count of every stack at every point.
  var dense = {};
  function densify(t, ti) {
    if (dense[ti]) return dense[ti];
    var P = t.timeNs.length, S = t.stacks.length;
    var size = new Float64Array(S * P), count = new Float64Array(S * P);
    for (var s = 0; s < S; s++) {
      var ch = t.series[s], k = 0, vs = 0, vc = 0;
      for (var p = 0; p < P; p++) {
        while (k < ch.length && ch[k][0] <= p) { vs = ch[k][1]; vc = ch[k][2]; k++; }
        size[s * P + p] = vs; count[s * P + p] = vc;
      }
    }
    dense[ti] = { size: size, count: count, P: P };
    return dense[ti];
  }
  function valueAt(d, s, p, which) { return p < 0 ? 0 : d[which][s * d.P + p]; }

  // The frames that key a stack: builtins folded into the nearest caller with a script.
  function folded(stack) {
    var out = stack.filter(function (i) { return !frames[i][4]; });
    return out.length > 0 || stack.length === 0 ? out : [stack[0]];
  }
  function keyOf(stack, groupBy) {
    var fs = folded(stack);
    if (fs.length === 0) return { key: '', label: '(no JavaScript frames)', frame: null };
    var f = frames[fs[0]];
    if (groupBy === 'traceback') return { key: fs.join(','), label: frameText(f), frame: fs[0], stack: stack };
    if (groupBy === 'filename') return { key: f[1], label: f[1] || '(unknown file)', frame: fs[0] };
    if (groupBy === 'function') return { key: f[1] + '\0' + f[0] + '\0' + f[2] + '\0' + f[3], label: f[1] + ':' + f[2] + ':' + f[3] + ' ' + (f[0] || '(anonymous)'), frame: fs[0] };
    return { key: f[1] + '\0' + f[2], label: f[1] + ':' + f[2] + ' (' + (f[0] || '(anonymous)') + ')', frame: fs[0] };
  }

  function groups() {
    var t = trace(), d = densify(t, state.trace), map = new Map();
    for (var s = 0; s < t.stacks.length; s++) {
      var k = keyOf(t.stacks[s], state.groupBy);
      var g = map.get(k.key);
      if (!g) { g = { key: k.key, label: k.label, stack: k.stack, size: 0, before: 0, count: 0, countBefore: 0, rep: -1 }; map.set(k.key, g); }
      var sz = valueAt(d, s, state.b, 'size');
      g.size += sz;
      g.before += valueAt(d, s, state.a, 'size');
      g.count += valueAt(d, s, state.b, 'count');
      g.countBefore += valueAt(d, s, state.a, 'count');
      if (sz > g.rep) { g.rep = sz; g.label = k.label; g.stack = k.stack; }
    }
    var out = [];
    map.forEach(function (g) { if (g.size !== 0 || g.before !== 0) { g.diff = g.size - g.before; g.countDiff = g.count - g.countBefore; out.push(g); } });
    return out;
  }

  function momentLabel(t, p) {
    if (p < 0) return 'start (0 ms)';
    return fmtTime(t.timeNs[p]) + (t.labels[p] ? ' [' + t.labels[p] + ']' : '');
  }

  function renderMoments() {
    var t = trace();
    ['moment-a', 'moment-b'].forEach(function (id) {
      var sel = el(id), html = '<option value="-1">' + esc(momentLabel(t, -1)) + '</option>';
      for (var p = 0; p < t.timeNs.length; p++) html += '<option value="' + p + '">' + esc(momentLabel(t, p)) + '</option>';
      sel.innerHTML = html;
    });
    el('moment-a').value = String(state.a);
    el('moment-b').value = String(state.b);
  }

  function renderTimeline() {
    var t = trace(), pts = t.timeline.points, svg = el('timeline');
    var W = 1000, H = 200, L = 60, R = 10, T = 10, B = 25;
    var end = Math.max(t.timeline.durationNs, pts.length ? pts[pts.length - 1].timeNs : 0, t.timeNs.length ? t.timeNs[t.timeNs.length - 1] : 0) || 1;
    var series = [['rss', '#8a8a8a'], ['heapTotal', '#c0a060'], ['heapUsed', '#d08020'], ['external', '#60a0c0'], ['traced', '#c03030']];
    if (!t.timeline.hasMemory) series = [['traced', '#c03030']];
    var max = 1;
    pts.forEach(function (p) { series.forEach(function (s) { max = Math.max(max, p[s[0]]); }); });
    var x = function (ns) { return L + (ns / end) * (W - L - R); };
    var y = function (v) { return T + (1 - v / max) * (H - T - B); };
    var html = '<line x1="' + L + '" y1="' + (H - B) + '" x2="' + (W - R) + '" y2="' + (H - B) + '" stroke="#999"/>';
    html += '<text x="' + (L - 4) + '" y="' + (T + 8) + '" text-anchor="end">' + esc(fmtSize(max)) + '</text>';
    html += '<text x="' + (W - R) + '" y="' + (H - 8) + '" text-anchor="end">' + esc(fmtTime(end)) + '</text><text x="' + L + '" y="' + (H - 8) + '">0</text>';
    series.forEach(function (s) {
      var d = pts.map(function (p, i) { return (i ? 'L' : 'M') + x(p.timeNs).toFixed(1) + ' ' + y(p[s[0]]).toFixed(1); }).join(' ');
      html += '<path d="' + d + '" fill="none" stroke="' + s[1] + '" stroke-width="1.5"><title>' + s[0] + '</title></path>';
    });
    t.timeline.markers.forEach(function (m) {
      html += '<line class="marker" x1="' + x(m.timeNs) + '" x2="' + x(m.timeNs) + '" y1="' + T + '" y2="' + (H - B) + '" stroke="#6060c0" stroke-dasharray="3 3"><title>' + esc(m.name) + ' at ' + esc(fmtTime(m.timeNs)) + '</title></line>';
    });
    [['a', state.a, '#208020'], ['b', state.b, '#202080']].forEach(function (m) {
      var ns = m[1] < 0 ? 0 : t.timeNs[m[1]];
      html += '<line x1="' + x(ns) + '" x2="' + x(ns) + '" y1="' + T + '" y2="' + (H - B) + '" stroke="' + m[2] + '" stroke-width="2"/><text x="' + (x(ns) + 3) + '" y="' + (T + 12) + '" fill="' + m[2] + '">' + m[0].toUpperCase() + '</text>';
    });
    svg.innerHTML = html;
    el('legend').innerHTML = series.map(function (s) { return '<span style="color:' + s[1] + '">&#9632; ' + s[0] + '</span>'; }).join(' ') + ' <span style="color:#6060c0">&#9482; markers</span>';
    svg.onclick = function (ev) {
      var rect = svg.getBoundingClientRect();
      var ns = ((ev.clientX - rect.left) / rect.width * W - L) / (W - L - R) * end;
      var best = -1, bestD = Infinity;
      for (var p = 0; p < t.timeNs.length; p++) { var dd = Math.abs(t.timeNs[p] - ns); if (dd < bestD) { bestD = dd; best = p; } }
      if (ev.shiftKey) state.a = best; else state.b = best;
      if (state.a >= state.b) state.a = -1;
      update();
    };
  }

  function renderTable() {
    var rows = groups(), sort = state.sort;
    var get = { label: function (g) { return g.label; }, size: function (g) { return g.size; }, diff: function (g) { return g.diff; }, count: function (g) { return g.count; }, countDiff: function (g) { return g.countDiff; } }[sort.key];
    rows.sort(function (p, q) { var u = get(p), v = get(q); var c = u < v ? -1 : u > v ? 1 : 0; return sort.desc ? -c : c; });
    var total = rows.reduce(function (s, g) { return s + g.size; }, 0), totalBefore = rows.reduce(function (s, g) { return s + g.before; }, 0);
    var cols = [['label', 'site'], ['size', 'live at B'], ['diff', 'A → B'], ['count', 'count'], ['countDiff', 'count A → B']];
    var html = '<thead><tr>' + cols.map(function (c) { return '<th data-key="' + c[0] + '">' + c[1] + (sort.key === c[0] ? (sort.desc ? ' ▼' : ' ▲') : '') + '</th>'; }).join('') + '</tr></thead><tbody>';
    rows.slice(0, 200).forEach(function (g) {
      var detail = g.stack ? '<div class="stack">' + g.stack.map(function (i) { return esc(frameText(frames[i])); }).join('<br>') + '</div>' : '';
      html += '<tr><td class="site">' + esc(g.label) + detail + '</td><td class="num size">' + fmtSize(g.size) + '</td><td class="num diff">' + fmtDiff(g.diff) + '</td><td class="num">' + Math.round(g.count) + '</td><td class="num">' + (g.countDiff > 0 ? '+' : '') + Math.round(g.countDiff) + '</td></tr>';
    });
    html += '</tbody><tfoot><tr><td>total (' + rows.length + ' sites' + (rows.length > 200 ? ', 200 shown' : '') + ')</td><td class="num">' + fmtSize(total) + '</td><td class="num">' + fmtDiff(total - totalBefore) + '</td><td></td><td></td></tr></tfoot>';
    var table = el('table');
    table.innerHTML = html;
    table.querySelectorAll('th').forEach(function (th) {
      th.onclick = function () {
        var k = th.getAttribute('data-key');
        state.sort = { key: k, desc: state.sort.key === k ? !state.sort.desc : k !== 'label' };
        renderTable();
      };
    });
  }

  // Icicle: the root on top, callers above callees, widths by bytes.
  function flameTree() {
    var t = trace(), d = densify(t, state.trace);
    var root = { name: 'all', children: new Map(), value: 0 };
    for (var s = 0; s < t.stacks.length; s++) {
      var v = valueAt(d, s, state.b, 'size');
      if (state.flame === 'growth') v -= valueAt(d, s, state.a, 'size');
      if (!(v > 0)) continue;
      var fs = folded(t.stacks[s]).slice().reverse(), node = root;
      root.value += v;
      for (var i = 0; i < fs.length; i++) {
        var c = node.children.get(fs[i]);
        if (!c) { c = { name: frameText(frames[fs[i]]), frame: fs[i], children: new Map(), value: 0 }; node.children.set(fs[i], c); }
        c.value += v; node = c;
      }
    }
    return root;
  }

  function renderFlame() {
    var root = state.zoomNode || flameTree(), box = el('flame'), html = '', rowH = 18, depth = 0;
    function walk(n, left, width, level) {
      depth = Math.max(depth, level);
      var label = n.name + ' ' + fmtSize(n.value);
      html += '<div class="fl" style="left:' + (left * 100).toFixed(4) + '%;width:' + (width * 100).toFixed(4) + '%;top:' + (level * rowH) + 'px" title="' + esc(label) + '" data-frame="' + (n.frame === undefined ? '' : n.frame) + '">' + (width > 0.04 ? esc(label) : '') + '</div>';
      var kids = Array.from(n.children.values()).sort(function (p, q) { return q.value - p.value; });
      var x = left;
      kids.forEach(function (c) { var w = n.value > 0 ? width * c.value / n.value : 0; if (w > 0.001) walk(c, x, w, level + 1); x += w; });
    }
    if (root.value > 0) walk(root, 0, 1, 0);
    box.style.height = ((depth + 1) * rowH + 4) + 'px';
    box.innerHTML = html || '<p>Nothing ' + (state.flame === 'growth' ? 'grew between A and B' : 'live at B') + '.</p>';
    var nodes = [];
    (function collect(n) { nodes.push(n); n.children.forEach(collect); })(root);
    box.querySelectorAll('.fl').forEach(function (div, i) {
      div.onclick = function () { state.zoomNode = nodes[i] === root ? null : nodes[i]; renderFlame(); };
    });
  }

  function sparkSvg(series) {
    var max = Math.max.apply(null, series.concat([1]));
    var pts = series.map(function (v, i) { return (series.length > 1 ? i / (series.length - 1) * 100 : 0).toFixed(1) + ',' + (20 - v / max * 18).toFixed(1); }).join(' ');
    return '<svg class="spark" viewBox="0 0 100 20" preserveAspectRatio="none"><polyline points="' + pts + '" fill="none" stroke="#c03030"/></svg>';
  }

  function renderLeaks() {
    var L = trace().leaks, html = '<thead><tr><th>#</th><th>kind</th><th>site</th><th>trend</th><th>fit r²</th><th>grew in</th><th>live at end</th><th>series</th></tr></thead><tbody>';
    L.sites.forEach(function (s) {
      var f = s.frames[0];
      var site = f ? (f.file + ':' + f.line + ' (' + (f.function || '(anonymous)') + ')') : '(no JavaScript frames)';
      html += '<tr class="' + s.kind + '"><td>' + s.rank + '</td><td>' + s.kind + '</td><td class="site">' + esc(site) + '</td><td class="num">' + fmtDiff(s.slopeBytesPerSec * 60) + '/min</td><td class="num">' + s.r2.toFixed(2) + '</td><td class="num">' + s.grewIn + '/' + s.windows + '</td><td class="num">' + fmtSize(s.finalSize) + '</td><td>' + sparkSvg(s.series) + '</td></tr>';
    });
    el('leaks').innerHTML = html + '</tbody>';
  }

  function renderCensuses() {
    var t = trace(), box = el('censuses');
    if (!t.censuses.length) { box.innerHTML = '<p class="note">No census in this trace (census() in the API, GET /census, or ALLOCTRACE_CENSUS_ON_SIGNAL).</p>'; return; }
    var html = '';
    if (t.censusGrowth.length) {
      var first = t.censuses[0], last = t.censuses[t.censuses.length - 1];
      html += '<p>Kinds that grew from "' + esc(first.label) + '" (' + fmtTime(first.timeNs) + ') to "' + esc(last.label) + '" (' + fmtTime(last.timeNs) + '):</p>';
      html += '<table class="growth"><thead><tr><th>kind</th><th>count</th><th>+count</th><th>size</th><th>+size</th></tr></thead><tbody>' + t.censusGrowth.map(function (g) {
        return '<tr><td class="site">' + esc(g.name) + ' (' + esc(g.type) + ')</td><td class="num">' + g.count + '</td><td class="num">+' + g.countDiff + '</td><td class="num">' + fmtSize(g.size) + '</td><td class="num">' + fmtDiff(g.sizeDiff) + '</td></tr>';
      }).join('') + '</tbody></table>';
    }
    t.censuses.forEach(function (c) {
      var what = c.countsOnly ? c.objects + ' JavaScript objects in ' + c.kinds + ' kinds (counts only, no sizes)' : c.objects + ' objects, ' + fmtSize(c.size) + ' in ' + c.kinds + ' kinds';
      html += '<details><summary>census "' + esc(c.label) + '" at ' + fmtTime(c.timeNs) + ': ' + what + '</summary><table><tbody>' +
        c.top.map(function (e) { return '<tr><td class="site">' + esc(e.name) + ' (' + esc(e.type) + ')</td><td class="num">' + e.count + '</td><td class="num">' + (c.countsOnly ? '' : fmtSize(e.size)) + '</td></tr>'; }).join('') + '</tbody></table></details>';
    });
    box.innerHTML = html;
  }

  // Retainers and suspects answers the app wrote into the trace (retainers(), GET /retainers, suspects windows).
  function renderHolders() {
    var t = trace(), box = el('holders');
    if (!t.retainers.length && !t.suspects.length) {
      box.innerHTML = '<p class="note">No retaining paths in this trace (retainers() or GET /retainers, suspects() or POST /suspects while tracing to a file).</p>';
      return;
    }
    var html = '';
    t.retainers.forEach(function (r) {
      var what = r.site !== null ? r.instances + ' live objects allocated at ' + esc(r.site) : r.instances + ' ' + esc(r.type) + ' objects';
      html += '<details open class="retainers"><summary>retainers "' + esc(r.label) + '" at ' + fmtTime(r.timeNs) + ': ' + what + ' (' + fmtSize(r.size) + ' shallow)</summary>' +
        '<table><thead><tr><th>count</th><th>size</th><th>held by</th></tr></thead><tbody>' + r.clusters.map(function (c) {
          return '<tr><td class="num">' + c.count + '</td><td class="num">' + fmtSize(c.size) + '</td><td class="site">' + esc(c.path) + '</td></tr>';
        }).join('') + '</tbody></table></details>';
    });
    t.suspects.forEach(function (w) {
      html += '<details open class="suspects"><summary>suspects "' + esc(w.label) + '" at ' + fmtTime(w.timeNs) + ': ' + w.tracked + ' objects (' + fmtSize(w.trackedSize) + ') allocated ' +
        (w.site !== null ? 'at ' + esc(w.site) + ' ' : '') + 'in a ' + w.seconds + ' s window and still live</summary>' +
        '<table><thead><tr><th>allocated by</th><th>count</th><th>size</th><th>held by</th></tr></thead><tbody>' + w.suspects.map(function (s) {
          return '<tr><td class="site">' + esc(s.function + '() at ' + (s.file === '' ? '(builtin)' : s.file + ':' + s.line)) + '</td><td class="num">' + s.count + '</td><td class="num">' + fmtSize(s.size) + '</td><td class="site">' + esc(s.path) + '</td></tr>';
        }).join('') + '</tbody></table></details>';
    });
    box.innerHTML = html;
  }

  function update() {
    el('moment-a').value = String(state.a);
    el('moment-b').value = String(state.b);
    state.zoomNode = null;
    renderTimeline();
    renderTable();
    renderFlame();
    var t = trace();
    el('window').textContent = 'A = ' + momentLabel(t, state.a) + ', B = ' + momentLabel(t, state.b);
  }

  function selectTrace(i) {
    state.trace = i;
    var t = trace();
    state.b = t.timeNs.length - 1;
    state.a = -1;
    renderMoments();
    renderLeaks();
    renderCensuses();
    renderHolders();
    var f = t.folded;
    el('folded').textContent = f ? f.stacks + ' smaller stacks (peak ' + fmtSize(f.maxSize) + ' together) are left out of the tables and the flame graph.' : '';
    update();
  }

  el('moment-a').onchange = function () { state.a = Number(this.value); update(); };
  el('moment-b').onchange = function () { state.b = Number(this.value); update(); };
  el('group-by').onchange = function () { state.groupBy = this.value; renderTable(); };
  el('flame-mode').onchange = function () { state.flame = this.value; state.zoomNode = null; renderFlame(); };
  var tsel = el('trace');
  tsel.innerHTML = DATA.traces.map(function (t, i) { return '<option value="' + i + '">' + esc(t.name) + '</option>'; }).join('');
  tsel.onchange = function () { selectTrace(Number(this.value)); };
  if (DATA.traces.length < 2) tsel.style.display = 'none';
  selectTrace(0);
  document.body.setAttribute('data-ready', '1');
})();
`;
