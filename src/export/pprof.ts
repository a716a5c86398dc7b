// The pprof profile (profile.proto, gzipped) that go tool pprof, Grafana
// Pyroscope and most profilers' UIs read, encoded by pprof-format. Sample
// types in Go's heap-profile order: alloc_objects, alloc_space,
// inuse_objects, inuse_space (the default). Each frame is a Location with one
// Line: the function's definition line and column, as V8 gives them.
import * as zlib from 'node:zlib';
import { Function as PprofFunction, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { ProfileData } from './profile-data';

export function encodePprof(data: ProfileData): Buffer {
  const strings = new StringTable();
  const functions = new Map<string, PprofFunction>();
  const locations = new Map<number, Location>();
  const functionOf = (name: string, file: string, startLine: number): PprofFunction => {
    const key = `${name}\0${file}\0${startLine}`;
    let f = functions.get(key);
    if (!f) {
      f = new PprofFunction({
        id: functions.size + 1, name: strings.dedup(name), systemName: strings.dedup(name), filename: strings.dedup(file), startLine,
      });
      functions.set(key, f);
    }
    return f;
  };
  const locationOf = (frameId: number): Location => {
    let loc = locations.get(frameId);
    if (!loc) {
      const fr = data.symbols.frame(frameId);
      const name = fr.builtin ? `${fr.name} (builtin)` : fr.name;
      const fn = functionOf(name, fr.file, fr.line);
      loc = new Location({ id: locations.size + 1, mappingId: 1, line: [new Line({ functionId: fn.id, line: fr.line, column: fr.column })] });
      locations.set(frameId, loc);
    }
    return loc;
  };
  const samples: Sample[] = [];
  for (const [stack, v] of data.stacks) {
    // pprof wants the leaf first, as alloctrace keeps stacks.
    const locationId = Array.from(data.symbols.stackFrames(stack), (f) => locationOf(f).id);
    samples.push(new Sample({
      locationId, value: [Math.round(v.allocObjects), Math.round(v.allocSpace), Math.round(v.inuseObjects), Math.round(v.inuseSpace)],
    }));
  }
  const type = (t: string, unit: string): ValueType => new ValueType({ type: strings.dedup(t), unit: strings.dedup(unit) });
  const sampleType = [type('alloc_objects', 'count'), type('alloc_space', 'bytes'), type('inuse_objects', 'count'), type('inuse_space', 'bytes')];
  const comment = [strings.dedup(`alloctrace: live at ${data.at.label}${data.compareTo ? `, allocated since ${data.compareTo.label}` : ''}; ` +
    'line numbers are the functions\' definition lines (V8 reports no allocating line)')];
  // One mapping for the process: pprof then names the binary, and its -hide='^$' (an empty file name) folds builtins into callers.
  const mapping = [new Mapping({ id: 1, filename: strings.dedup(data.program), hasFunctions: true, hasFilenames: true, hasLineNumbers: true })];
  const profile = new Profile({
    sampleType, mapping, sample: samples, location: [...locations.values()], function: [...functions.values()], stringTable: strings,
    timeNanos: data.startUnixNs + data.at.timeNs, durationNanos: data.at.timeNs - (data.compareTo?.timeNs ?? 0),
    periodType: type('space', 'bytes'), period: data.sampleInterval, comment, defaultSampleType: strings.dedup('inuse_space'),
  });
  return zlib.gzipSync(profile.encode());
}
