'use strict';
// Roots of the moment the snapshot was taken (handle scopes, the stack, V8's
// strong roots and identity maps) often reach a long-lived object by a
// shorter path than the program's variable that keeps it. A retaining path
// must still name the program's holder. Node 26 once wrote exactly this
// shape for test/heap.test.js's registry (the Map held by "(Identity map)"
// as well as by the module's `registry` variable); the snapshot here is built
// by hand so the shape is there on every run.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { tempDir, cli } = require('./helpers');

const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic',
  'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

/** A heap snapshot file from [type, name, [[edgeType, nameOrIndex, toIndex]...]] nodes (node 0 is the root). */
function writeSnapshot(file, graph) {
  const strings = [''];
  const str = (s) => {
    const i = strings.indexOf(s);
    return i >= 0 ? i : strings.push(s) - 1;
  };
  const nodes = [];
  const edges = [];
  graph.forEach(([type, name, out], id) => {
    nodes.push(NODE_TYPES.indexOf(type), str(name), id * 2 + 1, 32, out.length, 0, 0);
    for (const [et, n, to] of out) edges.push(EDGE_TYPES.indexOf(et), et === 'element' || et === 'hidden' ? n : str(n), to * 7);
  });
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
    node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
    trace_function_info_fields: [], trace_node_fields: [], sample_fields: [], location_fields: [],
  };
  fs.writeFileSync(file, JSON.stringify({
    snapshot: { meta, node_count: graph.length, edge_count: edges.length / 3, trace_function_count: 0 },
    nodes, edges, trace_function_infos: [], trace_tree: [], samples: [], locations: [], strings,
  }));
}

for (const root of ['(Identity map)', '(Handle scope)', '(Strong roots)', '(Stack roots)', '(Relocatable)', 'C++ native stack roots']) {
  test(`a Map held by ${root} and by a module variable is named by the variable`, () => {
    const file = path.join(tempDir(), 'transient.heapsnapshot');
    writeSnapshot(file, [
      /* 0 */ ['synthetic', '', [['element', 1, 1], ['shortcut', 'global', 3]]],
      /* 1 */ ['synthetic', '(GC roots)', [['element', 1, 2], ['element', 2, 3]]],
      /* 2 */ ['synthetic', root, [['element', 1, 6]]],
      /* 3 */ ['synthetic', '(Global handles)', [['element', 1, 4]]],
      /* 4 */ ['closure', 'remember', [['internal', 'context', 5]]],
      /* 5 */ ['object', 'system / Context', [['context', 'registry', 6]]],
      /* 6 */ ['object', 'Map', [['internal', 'table', 7]]],
      /* 7 */ ['array', 'system / OrderedHashMap', [['internal', 'value', 8]]],
      /* 8 */ ['object', 'Session', [['property', 'history', 9]]],
      /* 9 */ ['object', 'Array', [['element', 0, 10]]],
      /* 10 */ ['object', 'Visit', []],
    ]);
    const r = cli(['retainers', file, '--type', 'Visit', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).clusters.map((c) => c.path), ['registry Map → value Session → .history Array → [i] Visit']);
    // And without the variable, the moment's root is the only holder: the object is still reached.
    const only = path.join(tempDir(), 'only.heapsnapshot');
    writeSnapshot(only, [
      ['synthetic', '', [['element', 1, 1]]],
      ['synthetic', '(GC roots)', [['element', 1, 2]]],
      ['synthetic', root, [['element', 1, 3]]],
      ['object', 'Visit', []],
    ]);
    const o = JSON.parse(cli(['retainers', only, '--type', 'Visit', '--json']).stdout);
    assert.equal(o.unreachable, 0);
    assert.deepEqual(o.clusters.map((c) => c.path), ['(the runtime\'s own roots)']);
  });
}
