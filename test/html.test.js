'use strict';
// `alloctrace html`: one self-contained page, checked in headless Chromium
// (Debian's chromium driven by playwright-core): it loads with no errors and
// no network, names the leak in its top table, changes its diff when two
// other moments are chosen, and has a flame graph box for the leak.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, tempDir, cli, runTraced } = require('./helpers');

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const OUT = path.join(ROOT, 'test', 'out');
const dir = tempDir();
const trace = path.join(dir, 'rounds.atrace');

test('html: a self-contained page that names the leak, diffs two moments and draws a flame graph', async (t) => {
  if (!CHROMIUM) {
    // .ci/run installs Debian's chromium; a machine without it skips the browser part only.
    t.skip('chromium is not installed (apt-get install chromium)');
    return;
  }
  const made = runTraced('leak-rounds.js', {
    args: ['30'], env: { ALLOCTRACE_FILE: trace, ALLOCTRACE_INTERVAL: '32768', ALLOCTRACE_PRECISE: '1' },
  });
  assert.equal(made.status, 0, made.stderr);
  const page = path.join(dir, 'report.html');
  const r = cli(['html', trace, '-o', page]);
  assert.equal(r.status, 0, r.stderr);
  const html = fs.readFileSync(page, 'utf8');
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'nothing loaded from elsewhere');
  assert.match(html, /function keepRecord/, 'the hot function\'s source is in the page');

  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const errors = [];
    const requests = [];
    tab.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    tab.on('pageerror', (e) => errors.push(String(e)));
    tab.on('request', (req) => requests.push(req.url()));
    await tab.goto(`file://${page}`);
    await tab.waitForSelector('body[data-ready="1"]');
    assert.deepEqual(errors, []);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:') && !u.startsWith('about:')), []);

    await tab.selectOption('#group-by', 'function');
    const topSite = await tab.textContent('#table tbody tr:first-child td.site');
    assert.match(topSite, /leak-rounds\.js:\d+:\d+ keepRecord/);
    // At B = the end, the page's figures are the report's.
    const { formatSize } = require('../dist/views/units');
    const { displayFile } = require('../dist/model/paths');
    const report = JSON.parse(cli(['report', trace, '--group-by', 'function', '--json', '--top', '1000']).stdout);
    const rows = await tab.$$eval('#table tbody tr', (trs) => trs.map((row) => [row.querySelector('td.site').textContent, row.querySelector('td.size').textContent]));
    for (const stat of report.stats.filter((s) => s.frames.length > 0).slice(0, 5)) {
      const f = stat.frames[0];
      // The whole label: Node's own files have many "(anonymous)" functions at 1:1.
      const label = `${displayFile(f.file, process.cwd())}:${f.line}:${f.column} ${f.function || '(anonymous)'}`;
      const row = rows.find((x) => x[0] === label);
      assert.ok(row, `${f.function} in the page's table`);
      assert.equal(row[1], formatSize(stat.size), f.function);
    }
    // Two moments by their markers: the diff column changes with them.
    const optionFor = async (name) => tab.$eval('#moment-a', (sel, n) => {
      const o = Array.from(sel.options).find((x) => x.textContent.includes(n));
      return o ? o.value : null;
    }, name);
    const diffOfTop = async () => tab.$$eval('#table tbody tr', (rows) => rows.map((row) => [row.querySelector('td.site').textContent, row.querySelector('td.diff').textContent]));
    await tab.selectOption('#moment-a', await optionFor('round-2'));
    await tab.selectOption('#moment-b', await optionFor('round-12'));
    const first = await diffOfTop();
    await tab.selectOption('#moment-a', await optionFor('round-8'));
    const second = await diffOfTop();
    const keepDiff = (rows) => rows.find((x) => /keepRecord/.test(x[0]))[1];
    assert.notEqual(keepDiff(first), keepDiff(second), 'a shorter window grew less');
    assert.match(keepDiff(first), /^\+/);

    const boxes = await tab.$$eval('#flame .fl', (els) => els.map((e) => e.getAttribute('title')));
    assert.ok(boxes.some((b) => /^keepRecord /.test(b)), boxes.slice(0, 10).join(' | '));
    const leaksTop = await tab.textContent('#leaks tbody tr:first-child td.site');
    assert.match(leaksTop, /keepRecord/);

    fs.mkdirSync(OUT, { recursive: true });
    const shot = path.join(OUT, 'html-report.png');
    await tab.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}; page: ${(fs.statSync(page).size / 1024).toFixed(0)} KiB`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('html: --no-source leaves the source out; an existing file is not overwritten; -o is required', () => {
  if (!fs.existsSync(trace)) {
    const made = runTraced('leak-rounds.js', { args: ['4'], env: { ALLOCTRACE_FILE: trace, ALLOCTRACE_INTERVAL: '32768' } });
    assert.equal(made.status, 0, made.stderr);
  }
  const page = path.join(dir, 'nosource.html');
  const r = cli(['html', trace, '-o', page, '--no-source']);
  assert.equal(r.status, 0, r.stderr);
  const html = fs.readFileSync(page, 'utf8');
  assert.doesNotMatch(html, /<details class="source">/);
  assert.equal(fs.statSync(page).mode & 0o777, 0o600);
  const again = cli(['html', trace, '-o', page]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /exists: not overwritten/);
  const none = cli(['html', trace]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /-o FILE is required/);
});
