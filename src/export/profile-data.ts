// What the exporters write, computed once from the replays: per stack, the
// live set at a moment (inuse) and what was allocated up to it (alloc), with
// the same filters and hidden frames as `report`. Exporters only encode this.
import { Filter } from '../model/filter';
import { SymbolTable } from '../model/symbols';
import { Moment } from '../replay/when';
import { Replay } from '../replay/replay';

export interface ProfileOptions {
  at: string;
  /** Only what was allocated after this moment (inuse: and still live at `at`). */
  compareTo: string | null;
  include: string[];
  exclude: string[];
  allFrames: boolean;
  hide: string[];
}

export interface StackValues {
  allocObjects: number;
  allocSpace: number;
  inuseObjects: number;
  inuseSpace: number;
}

export interface ProfileData {
  symbols: SymbolTable;
  /** Stack id → its values (stacks with nothing are absent). */
  stacks: Map<number, StackValues>;
  /** The inuse samples one by one (stack, estimated bytes): the heapprofile's samples. */
  inuseSamples: { stack: number; bytes: number }[];
  at: Moment;
  compareTo: Moment | null;
  /** The first trace's program (argv[0]), start (unix ns) and sampling interval. */
  program: string;
  startUnixNs: number;
  sampleInterval: number;
  warnings: string[];
}

function filtersOf(o: ProfileOptions): Filter[] {
  const opts = { allFrames: o.allFrames };
  return [...o.include.map((p) => new Filter(true, p, opts)), ...o.exclude.map((p) => new Filter(false, p, opts))];
}

export function profileData(replays: readonly Replay[], options: ProfileOptions): ProfileData {
  if (replays.length === 0) throw new Error('no trace to export');
  const filters = filtersOf(options);
  const stacks = new Map<number, StackValues>();
  const entry = (s: number): StackValues => {
    let v = stacks.get(s);
    if (!v) {
      v = { allocObjects: 0, allocSpace: 0, inuseObjects: 0, inuseSpace: 0 };
      stacks.set(s, v);
    }
    return v;
  };
  const inuseSamples: ProfileData['inuseSamples'] = [];
  const warnings: string[] = [];
  let at: Moment | null = null;
  let compareTo: Moment | null = null;
  for (const replay of replays) {
    const now = replay.moment(options.at);
    const since = options.compareTo === null ? null : replay.moment(options.compareTo);
    at ??= now;
    compareTo ??= since;
    let live = replay.liveAt(now).filterTraces(filters).hideFrames(options.hide);
    if (since !== null) live = live.bornAfter(since.timeNs);
    const cols = live.columns;
    for (let i = 0; i < live.length; i++) {
      const bytes = cols.sampleSizes[i] * cols.objects[i];
      const v = entry(cols.stacks[i]);
      v.inuseObjects += cols.objects[i];
      v.inuseSpace += bytes;
      inuseSamples.push({ stack: cols.stacks[i], bytes });
    }
    const allocated = replay.allocatedByStack(since, now, { filters, hide: options.hide });
    allocated.stackIds.forEach((s, k) => {
      const v = entry(s);
      v.allocObjects += allocated.count[k];
      v.allocSpace += allocated.size[k];
    });
    warnings.push(...replay.warnings);
  }
  const first = replays[0];
  return {
    symbols: first.symbols, stacks, inuseSamples, at: at as Moment, compareTo, warnings,
    program: first.header?.argv[0] ?? 'node', startUnixNs: first.header?.startTimeUnixNs ?? 0, sampleInterval: first.header?.sampleInterval ?? 0,
  };
}
