'use strict';
// Process trees and threads: `alloctrace run` follows child processes,
// cluster workers and worker_threads, each isolate writes its own file, and
// `report` merges them or keeps them apart (--separate).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { FIXTURES, tempDir, runTraced, cli, reportJson, infoJson } = require('./helpers');
const { loadTrace } = require('../dist/replay/load');

/** `ROLE <role> <pid> [threadId]` lines printed by the fixtures. */
function roles(stdout) {
  return stdout.split('\n').filter((l) => l.startsWith('ROLE ')).map((l) => {
    const [, role, pid, threadId] = l.split(' ');
    return { role, pid: Number(pid), threadId: threadId === undefined ? 0 : Number(threadId) };
  });
}

function traces(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.atrace')).sort();
}

function run(dir, output, fixtureArgs) {
  const r = cli(['run', '--interval', '16k', '--group-by', 'function', '-o', output, '--', process.execPath, ...fixtureArgs], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

/** The words of the `alloctrace report ...` command that run printed after `label`. */
function suggested(stdout, label) {
  const line = stdout.split('\n').find((l) => l.startsWith(label));
  assert.ok(line, `run printed "${label}":\n${stdout}`);
  return line.slice(label.length).trim().split(/\s+/).slice(2); // drop `alloctrace report`
}

/** The trace file whose report run printed (its `=== FILE: ...` heading). */
function reportedFile(stdout) {
  const m = /^=== (\S+): pid \d+/m.exec(stdout);
  assert.ok(m, stdout);
  return m[1];
}

/** Of these files, the one whose process allocated the most: the estimated bytes of all its samples. */
function busiest(files) {
  const allocated = (f) => {
    const t = loadTrace(f);
    let sum = 0;
    for (let i = 0; i < t.allocCount; i++) sum += t.allocSize[i] * t.allocObjects[i] * t.allocSamples[i];
    return sum;
  };
  return files.map((f) => [f, allocated(f)]).sort((a, b) => b[1] - a[1])[0][0];
}

/** The #1 function of the last report run printed (the end). */
function printedTop(stdout) {
  const tops = [...stdout.matchAll(/^#1: .* \((\w+)\): /gm)];
  assert.ok(tops.length > 0, stdout);
  return tops[tops.length - 1][1];
}

/** The function keying a group-by-function entry; null for "(no JavaScript frames)". */
const fnOf = (stat) => (stat.frames.length > 0 ? stat.frames[0].function : null);
const topFunction = (report) => fnOf(report.stats[0]);

test('run follows child processes and cluster workers: one file each, each function on top of its own', () => {
  const dir = tempDir();
  const r = run(dir, 't.atrace', [path.join(FIXTURES, 'spawns-children.js')]);
  const FN = {
    primary: 'retainInPrimary', forked: 'retainInForkedChild', spawned: 'retainInSpawnedChild',
    clusterWorker1: 'retainInClusterWorker1', clusterWorker2: 'retainInClusterWorker2',
  };
  const who = roles(r.stdout);
  assert.deepEqual(who.map((w) => w.role).sort(), Object.keys(FN).sort());
  const primary = who.find((w) => w.role === 'primary');
  const children = who.filter((w) => w !== primary);

  // The first process keeps the -o name; every other writes FILE.<pid>.atrace.
  const expected = ['t.atrace', ...children.map((c) => `t.${c.pid}.atrace`)].sort();
  assert.deepEqual(traces(dir), expected);
  assert.equal(infoJson(path.join(dir, 't.atrace')).header.pid, primary.pid);
  for (const c of children) assert.equal(infoJson(path.join(dir, `t.${c.pid}.atrace`)).header.pid, c.pid);

  // run reports the process that allocated the most, then lists the others and how to see them all.
  const reported = reportedFile(r.stdout);
  assert.equal(reported, busiest(expected.map((f) => path.join(dir, f))));
  const reportedRole = who.find((w) => w.pid === infoJson(reported).header.pid).role;
  assert.equal(printedTop(r.stdout), FN[reportedRole], 'the printed report is that process\'s');
  for (const c of children) assert.ok(r.stdout.includes(path.join(dir, `t.${c.pid}.atrace`)), `lists ${c.role}'s file`);
  const separateWords = suggested(r.stdout, 'One report per file:');
  assert.equal(separateWords.pop(), '--separate');
  assert.deepEqual([...separateWords].sort(), expected);
  assert.deepEqual(suggested(r.stdout, 'All merged:').sort(), expected);

  // --separate: one report per file, each with its process and its own function on top.
  const files = expected.map((f) => path.join(dir, f));
  const sep = reportJson(files, ['--separate', '--group-by', 'function', '--top', '50']);
  assert.deepEqual(sep.errors, []);
  assert.equal(sep.reports.length, files.length);
  for (const rep of sep.reports) {
    const w = who.find((x) => x.pid === rep.process.pid);
    assert.ok(w, `report of ${rep.file} names a process of the tree`);
    assert.equal(rep.process.threadId, 0);
    assert.equal(path.basename(rep.file), w === primary ? 't.atrace' : `t.${w.pid}.atrace`);
    assert.equal(topFunction(rep), FN[w.role], `${rep.file}: its own function on top`);
    const foreign = Object.values(FN).filter((f) => f !== FN[w.role]);
    const seen = rep.stats.map(fnOf);
    assert.deepEqual(seen.filter((f) => foreign.includes(f)), [], `${rep.file} holds no other process's function`);
  }

  // Merged (the default, and the command run suggested): all five functions, and the sum of the parts.
  const merged = cli(['report', ...suggested(r.stdout, 'All merged:'), '--json', '--group-by', 'function', '--top', '5'], { cwd: dir });
  assert.equal(merged.status, 0, merged.stderr);
  const m = JSON.parse(merged.stdout);
  assert.deepEqual(m.stats.map(fnOf).sort(), Object.values(FN).sort());
  assert.equal(m.total.samples, sep.reports.reduce((a, rep) => a + rep.total.samples, 0));
  assert.deepEqual([...m.file].sort(), expected);
});

test('worker_threads: one file per thread, distinct thread ids, --separate keeps them apart', () => {
  const dir = tempDir();
  const r = run(dir, 'w.atrace', [path.join(FIXTURES, 'two-threads.js')]);
  const who = roles(r.stdout);
  assert.equal(who.length, 3);
  const pid = who[0].pid;
  assert.ok(who.every((w) => w.pid === pid));
  const byThread = new Map(who.map((w) => [w.threadId, w.role]));
  const FN = { main: 'retainInMainThread', thread1: 'retainInThread1', thread2: 'retainInThread2' };

  // Workers of the first process: FILE.<pid>.t<threadId>.atrace.
  const threadIds = who.filter((w) => w.threadId !== 0).map((w) => w.threadId);
  const expected = ['w.atrace', ...threadIds.map((t) => `w.${pid}.t${t}.atrace`)].sort();
  assert.deepEqual(traces(dir), expected);
  const headers = expected.map((f) => infoJson(path.join(dir, f)).header);
  assert.deepEqual(headers.map((h) => h.threadId).sort(), [...byThread.keys()].sort());
  assert.equal(new Set(headers.map((h) => h.threadId)).size, 3, 'distinct thread ids');
  assert.ok(headers.every((h) => h.pid === pid));
  // run found the Workers' files too, reports the busiest thread (a Worker: each retains 4x the main thread), and suggests them all.
  const reported = reportedFile(r.stdout);
  assert.equal(reported, busiest(expected.map((f) => path.join(dir, f))));
  assert.match(reported, /\.t\d+\.atrace$/);
  for (const f of expected) assert.match(r.stdout, new RegExp(`^(Trace: |  )${path.join(dir, f).replace(/\./g, '\\.')} \\(`, 'm'));
  assert.deepEqual(suggested(r.stdout, 'All merged:').sort(), expected);

  const files = expected.map((f) => path.join(dir, f));
  const sep = reportJson(files, ['--separate', '--group-by', 'function', '--top', '50']);
  assert.equal(sep.reports.length, 3);
  for (const rep of sep.reports) {
    const own = FN[byThread.get(rep.process.threadId)];
    assert.equal(topFunction(rep), own, `${rep.file}: its own thread's function on top`);
    const seen = rep.stats.map(fnOf);
    assert.deepEqual(seen.filter((f) => f !== own && Object.values(FN).includes(f)), [], `${rep.file}: no other thread's function`);
  }

  // Text: one section per file, headed by the process and thread.
  const text = cli(['report', ...files, '--separate', '--group-by', 'function', '--top', '1'], { cwd: dir });
  assert.equal(text.status, 0, text.stderr);
  const sections = text.stdout.split(/^(?==== )/m);
  assert.equal(sections.length, 3);
  for (const f of expected) {
    const s = sections.find((x) => x.startsWith(`=== ${f}:`));
    assert.ok(s, `a section for ${f}:\n${text.stdout}`);
    const t = f === 'w.atrace' ? 0 : Number(/\.t(\d+)\.atrace$/.exec(f)[1]);
    assert.match(s.split('\n')[0], new RegExp(`pid ${pid}, ${t === 0 ? 'main thread' : `worker thread ${t}`}`));
    assert.match(s, new RegExp(`#1: .*\\(${FN[byThread.get(t)]}\\)`));
  }
  // The merged heading says how many traces it merged.
  const merged = cli(['report', ...files, '--top', '3'], { cwd: dir });
  assert.match(merged.stdout, /3 traces merged/);

  // A marker only thread 1 has: the other files fail alone, thread 1 is still reported.
  const t1 = `w.${pid}.t${who.find((w) => w.role === 'thread1').threadId}.atrace`;
  const partial = cli(['report', ...expected, '--separate', '--at', 'thread1-retained', '--json', '--group-by', 'function'], { cwd: dir });
  assert.equal(partial.status, 1, 'exit 1 when some files failed');
  const p = JSON.parse(partial.stdout);
  assert.deepEqual(p.reports.map((x) => x.file), [t1]);
  assert.equal(topFunction(p.reports[0]), 'retainInThread1');
  assert.deepEqual(p.errors.map((e) => e.file).sort(), expected.filter((f) => f !== t1));
  for (const e of p.errors) assert.match(e.error, /no marker named "thread1-retained"/);
  const errLines = partial.stderr.split('\n').filter((l) => /^alloctrace: .*no marker named/.test(l));
  assert.equal(errLines.length, 2, partial.stderr);
  const partialText = cli(['report', ...expected, '--separate', '--at', 'thread1-retained'], { cwd: dir });
  assert.equal(partialText.status, 1);
  assert.match(partialText.stdout, /\(retainInThread1\)/);
  assert.equal(partialText.stdout.match(/^error: .*no marker named/gm).length, 2);
  // Every file failing gives the error's own code, as without --separate.
  assert.equal(cli(['report', ...expected, '--separate', '--at', 'nosuch'], { cwd: dir }).status, 2);
});

test('%p and %t in run -o and ALLOCTRACE_FILE give every process and thread its own file', () => {
  const dir = tempDir();
  const r = run(dir, 'app-%p-%t.atrace', [path.join(FIXTURES, 'two-threads.js'), 'with-child']);
  const who = roles(r.stdout);
  assert.equal(who.length, 6, 'two processes of three threads each');
  const expected = who.map((w) => `app-${w.pid}-${w.threadId}.atrace`).sort();
  assert.equal(new Set(expected).size, 6);
  assert.deepEqual(traces(dir), expected);
  let parent = null;
  for (const w of who) {
    const h = infoJson(path.join(dir, `app-${w.pid}-${w.threadId}.atrace`)).header;
    assert.equal(h.pid, w.pid);
    assert.equal(h.threadId, w.threadId);
    if (h.threadId === 0 && h.argv.includes('with-child')) parent = w.pid;
  }
  assert.ok(parent !== null);
  // The busiest of the six is reported; the five others are listed.
  assert.equal(reportedFile(r.stdout), busiest(expected.map((f) => path.join(dir, f))));
  assert.equal(r.stdout.match(/^ {2}\S+\.atrace \(\d+ bytes, /gm).length, 5);
  assert.deepEqual(suggested(r.stdout, 'All merged:').sort(), expected);

  const dir2 = tempDir();
  const t = runTraced('two-threads.js', { env: { ALLOCTRACE_FILE: path.join(dir2, 'th-%p-%t.atrace'), ALLOCTRACE_INTERVAL: '16k' } });
  assert.equal(t.status, 0, t.stderr);
  const who2 = roles(t.stdout);
  assert.deepEqual(traces(dir2), who2.map((w) => `th-${w.pid}-${w.threadId}.atrace`).sort());
  assert.equal(traces(dir2).length, 3);
});

test('run: when the command itself writes no trace, the busiest of its processes is reported', () => {
  const dir = tempDir();
  const fixture = path.join(FIXTURES, 'two-threads.js');
  // sh is not Node.js: its two node children each write their own files.
  const script = `"${process.execPath}" "${fixture}" & "${process.execPath}" "${fixture}" & wait`;
  const r = cli(['run', '--interval', '16k', '--group-by', 'function', '-o', 'x-%p.atrace', '--', 'sh', '-c', script], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(traces(dir).length, 6);
  assert.equal(reportedFile(r.stdout), busiest(traces(dir).map((f) => path.join(dir, f))));
  assert.match(r.stdout, /the process that allocated the most of the 6 traced/);
  assert.deepEqual(suggested(r.stdout, 'All merged:').sort(), traces(dir));
  // The exit code is the command's.
  const failing = cli(['run', '-o', 'y.atrace', '--', process.execPath, '-e', 'process.exitCode = 3'], { cwd: dir });
  assert.equal(failing.status, 3);
});

test('run: processes started side by side never write over each other: the first claims FILE, the other FILE.<pid>', () => {
  const dir = tempDir();
  const out = path.join(dir, 't.atrace');
  const app = path.join(FIXTURES, 'plain-app.js');
  const r = cli(['run', '-o', out, '--', 'sh', '-c', `"${process.execPath}" "${app}" & "${process.execPath}" "${app}" & wait`]);
  assert.equal(r.status, 0, r.stderr);
  const files = fs.readdirSync(dir).sort();
  assert.equal(files.length, 2, files.join(' '));
  assert.ok(files.includes('t.atrace'));
  assert.match(files.find((f) => f !== 't.atrace'), /^t\.\d+\.atrace$/);
  const pids = files.map((f) => infoJson(path.join(dir, f)).header.pid);
  assert.notEqual(pids[0], pids[1]);
  const sibling = files.find((f) => f !== 't.atrace');
  assert.equal(sibling, `t.${pids[files.indexOf(sibling)]}.atrace`, 'the sibling writes FILE.<its pid>');
  for (const f of files) assert.equal(infoJson(path.join(dir, f)).trailer, true, `${f} is whole`);
});

test('run -- npm start: the app npm started is reported (not npm), at its peak and at its end', () => {
  const dir = tempDir();
  for (const f of ['package.json', 'app.js']) fs.copyFileSync(path.join(FIXTURES, 'npm-start', f), path.join(dir, f));
  const r = cli(['run', '--interval', '64k', '--group-by', 'function', '--top', '3', '-o', 't.atrace', '--', 'npm', 'start'], {
    cwd: dir, env: { ...process.env, ALLOCTRACE_TEST_ROOT: path.join(__dirname, '..'), npm_config_update_notifier: 'false' },
  });
  assert.equal(r.status, 0, r.stderr);
  const app = roles(r.stdout).find((w) => w.role === 'app');
  assert.ok(app, r.stdout);
  // npm's own node took the -o name; the app, its grandchild (npm -> sh -> node), wrote its own.
  const files = traces(dir);
  assert.ok(files.includes('t.atrace') && files.includes(`t.${app.pid}.atrace`), files.join(' '));
  assert.match(infoJson(path.join(dir, 't.atrace')).header.argv.join(' '), /npm.* start$/);

  const reported = reportedFile(r.stdout);
  assert.equal(reported, path.join(dir, `t.${app.pid}.atrace`), 'the app is reported, not npm');
  assert.equal(reported, busiest(files.map((f) => path.join(dir, f))));
  // Its peak (the index) and then its end (the summary): two reports, in that order.
  const headings = r.stdout.match(/^Top 3 functions, live at \w+/gm);
  assert.deepEqual(headings, ['Top 3 functions, live at peak', 'Top 3 functions, live at end']);
  const [atPeak, atEnd] = r.stdout.split(/^Top 3 functions, live at end/m);
  assert.match(atPeak, /^#1: .*app\.js:\d+:\d+ \(buildIndex\): /m);
  assert.match(atEnd, /^#1: .*app\.js:\d+:\d+ \(keepSummary\): /m);
  assert.doesNotMatch(atEnd, /buildIndex/, 'the index was let go before the end');
  // npm's trace is listed with its command.
  assert.match(r.stdout, /^ {2}\S+\/t\.atrace \(\d+ bytes, [\d.]+ [KM]iB allocated; pid \d+, main thread: node \S*npm\S* start\)$/m);
});
