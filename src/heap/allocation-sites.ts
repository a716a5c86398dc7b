// Allocation sites in a heap snapshot taken with allocation tracking on
// (the suspects window, DevTools' allocation instrumentation): the trace
// tree names, for each object allocated while tracking, the function that
// allocated it; and which sites a user's `--site` names.
import { HeapGraph } from './graph';

/** An allocating function: [name, script, 1-based definition line]. */
export type AllocationSite = [string, string, number];

/**
 * Which allocation sites `spec` names: `file:line` (the script's path ends
 * with file, and the function is defined at line), a file (`app.js`,
 * `src/registry.ts`: any function in it), or a function's name.
 */
export function siteMatcher(spec: string): (site: AllocationSite) => boolean {
  const fileLine = /^(.+):(\d+)$/.exec(spec);
  if (fileLine) {
    const [file, line] = [fileLine[1], Number(fileLine[2])];
    return (s) => s[2] === line && endsWithPath(s[1], file);
  }
  if (spec.includes('/') || spec.includes('.')) return (s) => endsWithPath(s[1], spec);
  const name = spec.replace(/\(\)$/, '');
  return (s) => s[0] === name;
}

/** `script` is `file` or ends with it at a path separator (file:// URLs too). */
function endsWithPath(script: string, file: string): boolean {
  if (script === file) return true;
  return script.endsWith(file) && /[/\\]/.test(script[script.length - file.length - 1] ?? '');
}

/** Whether the snapshot was taken with allocation tracking on (its nodes can name their allocating code). */
export function hasAllocationTraces(g: HeapGraph): boolean {
  return g.data.traceTree.length > 0;
}

/** Allocation site of every trace node id: [name, script, 1-based line]. */
export function allocationSites(g: HeapGraph): Map<number, AllocationSite> {
  const d = g.data;
  const fields = ((d.meta as unknown as { trace_function_info_fields?: string[] }).trace_function_info_fields) ?? [];
  const width = fields.length;
  const nameAt = fields.indexOf('name');
  const scriptAt = fields.indexOf('script_name');
  const lineAt = fields.indexOf('line');
  const fn = (i: number): [string, string, number] => {
    const base = i * width;
    const line = d.traceFunctionInfos[base + lineAt];
    return [d.strings[d.traceFunctionInfos[base + nameAt]] || '(anonymous)', d.strings[d.traceFunctionInfos[base + scriptAt]] ?? '',
      line > 0 && line < 0x7fffffff ? line : 0];
  };
  const out = new Map<number, [string, string, number]>();
  // Nodes are [id, function_info_index, count, size, [children...]], children flattened the same way.
  const walk = (list: unknown[]): void => {
    for (let i = 0; i + 4 < list.length; i += 5) {
      const id = list[i] as number;
      const fi = list[i + 1] as number;
      out.set(id, fn(fi));
      walk(list[i + 4] as unknown[]);
    }
  };
  walk(d.traceTree);
  return out;
}
