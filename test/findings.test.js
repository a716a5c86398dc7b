'use strict';
// Retainers and suspects answers are kept in the trace when the app traces to
// a file: `alloctrace retainers|suspects TRACE` list them (text and JSON,
// filtered by type or site), the other commands read such a trace as before,
// and the HTML page shows the retaining paths (checked in headless Chromium
// when it is installed). A real traced process (findings-app.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { FIXTURES, cli, tempDir, warnings } = require('./helpers');

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const PATH = 'registry Map → value Session → .history Array → [i] Visit';
const dir = tempDir();
const trace = path.join(dir, 'findings.atrace');
const made = spawnSync(process.execPath, [path.join(FIXTURES, 'findings-app.js'), trace], { encoding: 'utf8' });

function json(args) {
  const r = cli(args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('the app\'s retainers() and suspects window are written into its trace and read back as they were', () => {
  assert.equal(made.status, 0, made.stderr);
  assert.deepEqual(warnings(made.stderr), []);
  const live = JSON.parse(made.stdout);
  const ret = json(['retainers', trace, '--json']);
  assert.equal(ret.schema, 1);
  assert.equal(ret.retainers.length, 1);
  const [r] = ret.retainers;
  assert.equal(r.label, 'after-start');
  assert.ok(r.timeNs > 0);
  assert.deepEqual({ type: r.type, site: r.site, instances: r.instances, size: r.size, clusters: r.clusters },
    { type: 'Visit', site: null, instances: 1000, size: live.retainers.size, clusters: live.retainers.clusters });
  assert.equal(r.clusters[0].path, PATH);

  const sus = json(['suspects', trace, '--json']);
  assert.equal(sus.windows.length, 1);
  const [w] = sus.windows;
  assert.equal(w.label, 'api');
  assert.equal(w.site, 'remember');
  assert.ok(w.timeNs > r.timeNs);
  assert.equal(w.seconds, live.suspects.seconds);
  assert.ok(w.seconds < 120, 'stopped early: the window says how long it was open');
  assert.deepEqual(w.suspects, live.suspects.suspects);
  assert.equal(w.suspects[0].function, 'remember');
  assert.equal(w.suspects[0].path, PATH);
  // The 10 rounds of 100 visits (V8 26 at times adds a couple made just before the window).
  assert.ok(w.suspects[0].count >= 1000 && w.suspects[0].count <= 1005, `${w.suspects[0].count}`);
  assert.equal(w.precise, live.suspects.precise);

  const text = cli(['retainers', trace]);
  assert.match(text.stdout, new RegExp(`^retainers "after-start" at .*: 1000 Visit objects \\(.* shallow\\) in .*findings\\.atrace; .*\\n\\s+1000\\s+.*  ${PATH.replace(/[[\]().]/g, '\\$&')}  \\(e\\.g\\. @\\d+\\)\\n$`));
  const stext = cli(['suspects', trace]);
  assert.match(stext.stdout, /^suspects "api" at .*: 1,00\d objects \(.*\) allocated at remember in the [\d.]+ s window and still live in .*\n  remember\(\) at .*registry-model\.js:\d+ allocated 1,00\d objects/);
  // Filters: a type or site not asked for is not listed.
  assert.equal(json(['retainers', trace, '--type', 'Session', '--json']).retainers.length, 0);
  assert.match(cli(['retainers', trace, '--type', 'Session']).stdout, /^No retainers in .*findings\.atrace/);
  assert.equal(json(['suspects', trace, '--site', 'remember', '--json']).windows.length, 1);
  const bad = cli(['retainers', trace, '--compare-to', trace]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--compare-to compares heap snapshots; FILE is a trace/);

  // The other commands read such a trace as before.
  const info = json(['info', trace, '--json']);
  assert.equal(info.trailer, true);
  const report = cli(['report', trace, '--json']);
  assert.equal(report.status, 0, report.stderr);
  assert.deepEqual(warnings(report.stderr), []);
});

test('html: the page shows the retaining paths and the suspects the trace holds', async (t) => {
  const page = path.join(dir, 'findings.html');
  const r = cli(['html', trace, '-o', page]);
  assert.equal(r.status, 0, r.stderr);
  if (!CHROMIUM) {
    t.skip('chromium is not installed (apt-get install chromium)');
    return;
  }
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const tab = await browser.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    tab.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await tab.goto(`file://${page}`);
    await tab.waitForSelector('body[data-ready="1"]');
    const retainers = await tab.$$eval('#holders details.retainers', (ds) => ds.map((d) => ({
      summary: d.querySelector('summary').textContent,
      rows: Array.from(d.querySelectorAll('tbody tr')).map((tr) => Array.from(tr.children).map((td) => td.textContent)),
    })));
    assert.equal(retainers.length, 1);
    assert.match(retainers[0].summary, /^retainers "after-start" at .*: 1000 Visit objects/);
    assert.deepEqual(retainers[0].rows[0].filter((_, i) => i !== 1), ['1000', PATH]);
    const suspects = await tab.$$eval('#holders details.suspects tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent)));
    assert.match(suspects[0][0], /^remember\(\) at .*registry-model\.js:\d+$/);
    assert.match(suspects[0][1], /^100\d$/);
    assert.equal(suspects[0][3], PATH);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
