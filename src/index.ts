// alloctrace's public API: tracemalloc's functions and classes, and the live
// admin endpoint. The model (and protobufjs with it) loads on first use, so
// require('alloctrace').start() stays cheap.
import type * as Model from './public-model';
import type * as ProfileCall from './profile-call';
import { model } from './api';

export {
  start, stop, isTracing, isAvailable, takeSnapshot, getTracedMemory, resetPeak, clearTraces, getTracebackLimit, mark,
  setPrecise, isPrecise, census, retainers, largest, suspects, stopSuspects,
} from './api';
export type { StartOptions, TracedMemory, Availability, CensusOptions, RetainersOptions } from './api';
export type { RetainersResult, RetainerCluster } from './heap/retainers';
export type { SuspectsResult } from './heap/track';
export type { Suspect } from './heap/suspects';
export type { LargeObject } from './heap/largest';
export type { Census, CensusEntry, CensusGrowth } from './model/census';
export { censusGrowth } from './model/census';
export type { ArgvMode } from './redact';
export type { PreciseResult, SetPreciseOptions } from './precise';
export { adminHandler, koaAdmin, fastifyAdmin } from './admin/frameworks';
export type { CallProfile, CallAllocations, FunctionCost, AllocationSite, ProfileCallOptions, WrapOptions } from './profile-call';
export type { AdminOptions, AdminHandler } from './admin/handler';
export type { KeyType, FilterOptions, FormatOptions, StatisticsOptions, Totals, WindowTotals } from './model';
export type { TracerOptions } from './options';

// The model's classes, loaded on first touch.
export declare const Snapshot: typeof Model.Snapshot;
export declare const Filter: typeof Model.Filter;
export declare const Statistic: typeof Model.Statistic;
export declare const StatisticDiff: typeof Model.StatisticDiff;
export declare const Traceback: typeof Model.Traceback;
export declare const Frame: typeof Model.Frame;
// ...and their instance types under the same names, for annotations.
export type Snapshot = Model.Snapshot;
export type Filter = Model.Filter;
export type Statistic = Model.Statistic;
export type StatisticDiff = Model.StatisticDiff;
export type Traceback = Model.Traceback;
export type Frame = Model.Frame;
for (const name of ['Snapshot', 'Filter', 'Statistic', 'StatisticDiff', 'Traceback', 'Frame'] as const) {
  Object.defineProperty(exports, name, { enumerable: true, get: () => model()[name] });
}

// The per-call profiler (node:inspector with it) loads on first touch too.
export declare const profileCall: typeof ProfileCall.profileCall;
export declare const wrap: typeof ProfileCall.wrap;
export declare const formatCallProfile: typeof ProfileCall.formatCallProfile;
for (const name of ['profileCall', 'wrap', 'formatCallProfile'] as const) {
  Object.defineProperty(exports, name, {
    enumerable: true,
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    get: () => (require('./profile-call') as typeof ProfileCall)[name],
  });
}
