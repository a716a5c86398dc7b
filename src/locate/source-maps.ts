// Frames in generated code (TypeScript output, bundles) shown at their
// original file, line and name, through the file's source map: its
// `sourceMappingURL` comment (a file next to it or an inline data: URL), or
// `<name>.map` in a directory the user gives. The trace keeps the generated
// positions; this maps them at report time. A file without a usable map is
// shown as recorded, with one warning per file whose map is broken.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { Frame } from '../model/frame';
import { scriptPath } from '../model/paths';
import { Locator } from './locator';

/** Scripts larger than this are not searched for a map comment. */
const MAX_SCRIPT_BYTES = 32 << 20;
const COMMENT = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/;

export interface SourceMapOptions {
  /**
   * Directories searched for a script's map when its own comment names none
   * (or a missing one): `DIR/<script's name>.map`, then the script's whole
   * path under DIR (`DIR/srv/app/dist/server.js.map`).
   */
  dirs?: readonly string[];
}

/** The map named by the last sourceMappingURL comment of `script`: [its JSON, the URL it is relative to]. */
function commentMap(script: string): [string, string] | null {
  const st = fs.statSync(script);
  if (!st.isFile() || st.size > MAX_SCRIPT_BYTES) return null;
  const text = fs.readFileSync(script, 'utf8');
  // The comment is the script's last one; searching from the end finds it without scanning a bundle's lines.
  const at = Math.max(text.lastIndexOf('//# sourceMappingURL='), text.lastIndexOf('//@ sourceMappingURL='));
  if (at < 0) return null;
  const m = COMMENT.exec(text.slice(at).split('\n')[0]);
  if (!m) return null;
  const url = m[1];
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const meta = url.slice(5, comma);
    const body = url.slice(comma + 1);
    const json = meta.endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
    return [json, script];
  }
  const mapFile = url.startsWith('file://') ? scriptPath(url) : path.resolve(path.dirname(script), decodeURIComponent(url));
  return [fs.readFileSync(mapFile, 'utf8'), mapFile];
}

export class SourceMapLocator implements Locator {
  private readonly maps = new Map<string, TraceMap | null>();
  private readonly dirs: readonly string[];
  /** One line per script whose map could not be used. */
  readonly warnings: string[] = [];

  constructor(options: SourceMapOptions = {}) {
    this.dirs = options.dirs ?? [];
  }

  private searchDirs(script: string): [string, string] | null {
    const names = [path.basename(script) + '.map', script.replace(/^[/\\]+/, '') + '.map'];
    for (const dir of this.dirs) {
      for (const name of names) {
        const candidate = path.join(dir, name);
        if (fs.existsSync(candidate)) return [fs.readFileSync(candidate, 'utf8'), candidate];
      }
    }
    return null;
  }

  private mapOf(file: string): TraceMap | null {
    const cached = this.maps.get(file);
    if (cached !== undefined) return cached;
    let map: TraceMap | null = null;
    const script = scriptPath(file);
    try {
      let found: [string, string] | null = null;
      try {
        found = commentMap(script);
      } catch (err) {
        // An unreadable script or a comment naming a missing map: the directories may still have it.
        if (this.dirs.length === 0) throw err;
      }
      found ??= this.searchDirs(script);
      if (found) map = new TraceMap(found[0], found[1]);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A script that is gone (or never was a file) simply has no map; a broken one is worth saying.
      if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'ENOTDIR') {
        this.warnings.push(`${script}: source map not used (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
      }
      map = null;
    }
    this.maps.set(file, map);
    return map;
  }

  locate(frame: Frame): Frame {
    if (frame.builtin || frame.file === '' || frame.file.startsWith('node:') || frame.line < 1) return frame;
    const map = this.mapOf(frame.file);
    if (!map) return frame;
    const needle = { line: frame.line, column: Math.max(0, frame.column - 1) };
    let pos = originalPositionFor(map, { ...needle, bias: GREATEST_LOWER_BOUND });
    if (pos.source === null || pos.line === null) pos = originalPositionFor(map, { ...needle, bias: LEAST_UPPER_BOUND });
    if (pos.source === null || pos.line === null || pos.column === null) {
      // A script's top level (1:1) is often unmapped ("use strict"): with one source, it is that source's top.
      const sources = map.resolvedSources;
      if (frame.line === 1 && frame.column <= 1 && sources.length === 1 && sources[0]) return new Frame(frame.function, scriptPath(sources[0]), 1, 1, false);
      return frame;
    }
    // The map's name is the original of a name at that spot (a minified one); an anonymous
    // function has none there, and the segment may name a parameter instead.
    const name = frame.function !== '' && pos.name ? pos.name : frame.function;
    return new Frame(name, scriptPath(pos.source), pos.line, pos.column + 1, false);
  }
}
