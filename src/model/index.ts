// The model's public surface (tracemalloc's classes).
export { ANONYMOUS, Frame } from './frame';
export { FormatOptions, Traceback } from './traceback';
export { Trace } from './trace';
export { Filter, FilterOptions, globToRegExp } from './filter';
export { KeyType, KEY_TYPES, Statistic, StatisticDiff } from './statistic';
export { Snapshot, SnapshotColumns, SnapshotInfo, StatisticsOptions, Totals, WindowTotals } from './snapshot';
export { SymbolTable } from './symbols';
export { displayFile } from './paths';
export { filterSelection, hideSelection, chainSelections, KEEP_ALL, StackSelection } from './stack-selection';
