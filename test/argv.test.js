'use strict';
// What a trace's Header records of the command line: secrets redacted by
// default, ALLOCTRACE_ARGV=full|redacted|none, and never the environment.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { FIXTURES, ROOT, runTraced, tempDir, infoJson, warnings, cli } = require('./helpers');
const { redactArgv, headerArgv } = require('../dist/redact');

test('redactArgv: option values, name=value pairs, headers and URL userinfo', () => {
  const cases = [
    // [given, recorded]
    [['--db-password=hunter2'], ['--db-password=<redacted>']],
    [['--db-password', 'hunter2', 'next'], ['--db-password', '<redacted>', 'next']],
    [['-password', 'hunter2'], ['-password', '<redacted>']],
    [['--API_KEY=k', '--client-secret=s', '--session-cookie=c', '--credentials-file=/etc/c', '--authz=a'],
      ['--API_KEY=<redacted>', '--client-secret=<redacted>', '--session-cookie=<redacted>', '--credentials-file=<redacted>', '--authz=<redacted>']],
    // A sensitive option followed by another long option was a flag: nothing to hide.
    [['--no-auth', '--port', '80'], ['--no-auth', '--port', '80']],
    // Short options are not guessed at: -p may be a port.
    [['-p', '8080'], ['-p', '8080']],
    [['postgres://app:s3cret@db:5432/x'], ['postgres://<redacted>@db:5432/x']],
    [['--url=https://ghp_tok@github.com/o/r.git'], ['--url=https://<redacted>@github.com/o/r.git']],
    [['redis://:p@ss@h:6379'], ['redis://<redacted>@h:6379']],
    [['DB_PASSWORD=x', 'PORT=80'], ['DB_PASSWORD=<redacted>', 'PORT=80']],
    [['https://h/cb?access_token=zz&page=2'], ['https://h/cb?access_token=<redacted>&page=2']],
    [['Authorization: Bearer abc', 'Cookie: sid=1', 'Accept: text/plain'], ['Authorization: <redacted>', 'Cookie: <redacted>', 'Accept: text/plain']],
    [['/usr/bin/node', '/srv/keys/app.js', '--port=80', 'https://example.com/a'],
      ['/usr/bin/node', '/srv/keys/app.js', '--port=80', 'https://example.com/a']],
  ];
  for (const [given, recorded] of cases) assert.deepEqual(redactArgv(given), recorded, given.join(' '));
  assert.deepEqual(headerArgv(['a', '--token=x'], 'full'), ['a', '--token=x']);
  assert.deepEqual(headerArgv(['a', '--token=x'], 'none'), []);
  assert.deepEqual(headerArgv(['a', '--token=x'], 'redacted'), ['a', '--token=<redacted>']);
});

const SECRETS = ['hunter2-pw', 'tok3n-value', 's3cret-in-url', 'dbuser-name', 'abc-secret-123'];
const APP_ARGS = ['--db-password=hunter2-pw', '--api-token', 'tok3n-value', '--verbose',
  'postgres://dbuser-name:s3cret-in-url@db.example/app', 'APP_SECRET=abc-secret-123', '--port', '8080'];
const ENV_SECRET = 'env-only-value-7f3a9c';

function traced(dir, name, env) {
  const file = path.join(dir, `${name}.atrace`);
  const r = runTraced('plain-app.js', {
    args: APP_ARGS, env: { ALLOCTRACE_FILE: file, ALLOCTRACE_TEST_SECRET: ENV_SECRET, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return { file, bytes: fs.readFileSync(file), header: infoJson(file).header };
}

const contains = (bytes, text) => bytes.includes(Buffer.from(text));

test('the preload records argv redacted by default, and never the environment', () => {
  const dir = tempDir();
  const { file, bytes, header } = traced(dir, 'default', {});
  assert.deepEqual(header.argv, [process.execPath, path.join(FIXTURES, 'plain-app.js'), '--db-password=<redacted>', '--api-token',
    '<redacted>', '--verbose', 'postgres://<redacted>@db.example/app', 'APP_SECRET=<redacted>', '--port', '8080']);
  for (const s of SECRETS) assert.ok(!contains(bytes, s), `${s} is nowhere in the file`);
  assert.ok(!contains(bytes, ENV_SECRET) && !contains(bytes, 'ALLOCTRACE_TEST_SECRET'), 'no environment variable in the file');
  // What people see.
  const info = cli(['info', file]).stdout;
  assert.match(info, /^Command: .*--db-password=<redacted> --api-token <redacted>/m);
});

test('ALLOCTRACE_ARGV=full records it as given, =none records nothing; the environment never', () => {
  const dir = tempDir();
  const full = traced(dir, 'full', { ALLOCTRACE_ARGV: 'full' });
  assert.deepEqual(full.header.argv, [process.execPath, path.join(FIXTURES, 'plain-app.js'), ...APP_ARGS]);
  assert.ok(!contains(full.bytes, ENV_SECRET), 'no environment variable in the file');
  const none = traced(dir, 'none', { ALLOCTRACE_ARGV: 'None' });
  assert.deepEqual(none.header.argv, []);
  for (const s of SECRETS) assert.ok(!contains(none.bytes, s));
  assert.ok(!contains(none.bytes, 'plain-app.js --'), 'not even the command');
});

test('a bad ALLOCTRACE_ARGV is one warning and no trace', () => {
  const dir = tempDir();
  const file = path.join(dir, 't.atrace');
  const r = runTraced('plain-app.js', { env: { ALLOCTRACE_FILE: file, ALLOCTRACE_ARGV: 'partial' } });
  assert.equal(r.status, 0);
  assert.deepEqual(warnings(r.stderr), ['alloctrace: ALLOCTRACE_ARGV must be one of full, redacted, none, not "partial"; tracing is off, the app goes on']);
  assert.equal(fs.existsSync(file), false);
});

test('the API: start({ argv }) chooses the same way, redacted by default', () => {
  const dir = tempDir();
  const script = `
    const a = require(${JSON.stringify(ROOT)});
    const [file, mode] = process.argv.slice(-2);
    a.start(mode === 'default' ? { file } : { file, argv: mode });
    a.stop();`;
  const run = (mode) => {
    const file = path.join(dir, `api-${mode}.atrace`);
    const r = spawnSync(process.execPath, ['-e', script, '--', '--session-token=tok3n-value', file, mode], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return infoJson(file).header.argv;
  };
  assert.ok(run('default').includes('--session-token=<redacted>'));
  assert.ok(run('full').includes('--session-token=tok3n-value'));
  assert.deepEqual(run('none'), []);
  const bad = spawnSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(ROOT)}).start({ argv: 'all' }))`], { encoding: 'utf8' });
  assert.equal(bad.stdout, 'false\n');
  assert.match(bad.stderr, /^alloctrace: argv must be one of full, redacted, none, not "all"; tracing is off/);
});
