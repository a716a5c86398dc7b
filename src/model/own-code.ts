// alloctrace's own code in a traced process. What it allocates (the preload,
// the exit poll, decoded snapshots kept as a baseline...) is left out of
// snapshots, as tracemalloc leaves out its own memory. The admin handler and
// the framework wrappers are not in the list: they call the app's own routes.
import { Filter } from './filter';

const OWN_FILES = [
  'api.js', 'tracer.js', 'register.js', 'native.js', 'options.js', 'warn.js', 'precise.js', 'signals.js', 'admin/render.js', 'public-model.js',
];
const OWN_DIRS = ['format', 'model', 'replay', 'locate', 'analysis', 'views'];

/** Exclusive filters on every frame for the code under `tracerDir` (the traced process's dist/). */
export function ownCodeFilters(tracerDir: string): Filter[] {
  const sep = tracerDir.includes('\\') && !tracerDir.includes('/') ? '\\' : '/';
  // Glob characters in the directory itself must match only themselves.
  const dir = tracerDir.replace(/[\\/]+$/, '').replace(/[[*?]/g, (c) => `[${c}]`);
  const under = (p: string): string => [dir, ...p.split('/')].join(sep);
  return [...OWN_FILES.map(under), ...OWN_DIRS.map((d) => `${under(d)}${sep}*`)]
    .map((pattern) => new Filter(false, pattern, { allFrames: true }));
}
