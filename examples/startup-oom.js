'use strict';
// The other real case: a service that runs out of memory right after start.
// Start-up parses a big text config into objects, assembles a data file by
// `data = data + chunk` in a loop, and loads a large dictionary, and together
// they exceed the heap limit. Run it with a small heap to see the OOM:
//
//   npx alloctrace run -o oom.atrace -- node --max-old-space-size=96 examples/startup-oom.js
//   npx alloctrace report oom.atrace --at near-heap-limit --group-by traceback --top 3
const config = parseTextConfig(makeTextConfig(60000));
let data = '';
for (let i = 0; i < 3000; i++) data = data + readChunk(i);
const dictionary = loadDictionary(1500000);
console.log(`started: ${config.length} rules, ${data.length} bytes of data, ${dictionary.size} words`);

function makeTextConfig(n) {
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(`rule { id: ${i} name: "rule-${i}" weight: ${i % 97} tags: ["a", "b"] }`);
  return lines.join('\n');
}

// A text-format parser building one object per field, like protobuf's text format.
function parseTextConfig(text) {
  return text.split('\n').map((line) => {
    const fields = {};
    for (const m of line.matchAll(/(\w+): ("[^"]*"|\[[^\]]*\]|\d+)/g)) fields[m[1]] = m[2];
    return fields;
  });
}

function readChunk(i) {
  return `chunk ${i}: ${'x'.repeat(4000)}\n`;
}

function loadDictionary(n) {
  const words = new Map();
  for (let i = 0; i < n; i++) words.set(`word-${i}`, { id: i, freq: i % 1000, forms: [`word-${i}s`] });
  return words;
}
