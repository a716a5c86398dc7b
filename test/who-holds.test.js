'use strict';
// The whole leak hunt on one running service over the admin endpoint: after
// load, /growth names the type that grew, /retainers names the list's
// property path, and /suspects joins the allocating function with that path.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnApp, tempDir } = require('./helpers');

const TOKEN = 'test-token-123';
const headers = { authorization: `Bearer ${TOKEN}` };

test('a registry leak: /growth names Visit, /retainers the path through .history, /suspects joins remember() with it', async (t) => {
  const app = spawnApp('registry-service.js', {
    env: {
      ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: TOKEN, ALLOCTRACE_FILE: path.join(tempDir(), 'svc.atrace'),
      // Each census, retainers and suspects answer is a heap snapshot: no spacing between them in a test.
      ALLOCTRACE_HTTP_GC_LIMIT: '0',
    },
  });
  try {
    const port = Number((await app.waitFor('stdout', /app (\d+)/))[1]);
    const admin = (await app.waitFor('stderr', /admin endpoint on (http:\/\/\S+)/))[1];
    const load = async (n) => {
      for (let i = 0; i < n; i++) await fetch(`http://127.0.0.1:${port}/page?user=u${i % 7}`).then((r) => r.text());
    };
    await load(20);
    const base = await fetch(`${admin}/growth`, { headers }).then((r) => r.json());
    assert.equal(base.baseline, true);
    await load(100); // 2,000 more visits
    const grown = await fetch(`${admin}/growth?limit=5`, { headers }).then((r) => r.json());
    // Strings and numbers grow with it (each visit's path and time); the first object kind is the leak.
    const firstObject = grown.growth.grown.find((g) => g.type === 'object');
    assert.equal(firstObject.name, 'Visit', JSON.stringify(grown.growth.grown.slice(0, 5)));
    assert.equal(firstObject.countDiff, 2000);

    // Without a type: the program's type that grew most since the last census (the /growth above).
    await load(20); // 400 more visits
    const chosen = await fetch(`${admin}/retainers`, { headers }).then((r) => r.json());
    assert.equal(chosen.type, 'Visit');
    assert.match(chosen.chosen, /grew most since "http-growth"/);
    const ret = await fetch(`${admin}/retainers?type=Visit`, { headers }).then((r) => r.json());
    assert.equal(ret.instances, 2800);
    assert.equal(ret.clusters[0].path, 'registry Map → value Session → .history Array → [i] Visit');
    assert.equal(ret.clusters[0].count, 2800);

    let answered = false;
    // Only remember()'s objects (site=): the retainers of a site's objects in the running process.
    const window = fetch(`${admin}/suspects?seconds=1&limit=3&site=remember`, { method: 'POST', headers }).finally(() => { answered = true; });
    while (!answered) await load(1);
    const sus = await window;
    assert.equal(sus.status, 200);
    const body = await sus.json();
    assert.equal(body.site, 'remember');
    assert.ok(body.suspects.every((s) => s.function === 'remember'), JSON.stringify(body.suspects));
    const top = body.suspects[0];
    assert.equal(top.function, 'remember');
    assert.ok(top.file.endsWith('registry-model.js'));
    assert.equal(top.path, 'registry Map → value Session → .history Array → [i] Visit');
    answered = false;
    const text = fetch(`${admin}/suspects?seconds=1&limit=2`, { method: 'POST', headers: { ...headers, accept: 'text/plain' } })
      .finally(() => { answered = true; });
    while (!answered) await load(1);
    const answer = await (await text).text();
    // The window says how long it was open: at least the second asked for (a busy event loop fires its timer late).
    const open = Number(/allocated in the ([\d.]+) s window and still live in the running process/.exec(answer)?.[1]);
    assert.ok(open >= 1 && open < 10, answer);
    assert.match(answer, /remember\(\) at \S+registry-model\.js:\d+ allocated [\d,]+ objects \([\d.]+ KiB\) still held by registry Map → value Session → \.history Array → \[i\] Visit/);
    t.diagnostic(answer);
  } finally {
    app.child.kill();
  }
});
