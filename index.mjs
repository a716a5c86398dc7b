// The ESM entry: the CommonJS module's exports under the same names, the same
// objects (one set of classes, whichever way the package is loaded). ESM
// cannot defer a named export, so importing this loads the model classes at
// once, where require('alloctrace') loads them on first touch.
// test/esm.test.js checks that this list matches the CommonJS exports.
import alloctrace from './dist/index.js';

export const {
  start, stop, isTracing, isAvailable, takeSnapshot, getTracedMemory, resetPeak, clearTraces, getTracebackLimit, mark,
  setPrecise, isPrecise, census, censusGrowth, retainers, largest, suspects, stopSuspects,
  adminHandler, koaAdmin, fastifyAdmin,
  profileCall, wrap, formatCallProfile,
  Snapshot, Filter, Statistic, StatisticDiff, Traceback, Frame,
} = alloctrace;
export default alloctrace;
