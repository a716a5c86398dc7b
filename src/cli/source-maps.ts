// The source-map options every command that shows frames takes.
import { Locator } from '../locate/locator';
import { SourceMapLocator } from '../locate/source-maps';

export const SOURCE_MAP_OPTIONS = {
  'source-maps': { type: 'string', multiple: true },
  'no-source-maps': { type: 'boolean' },
} as const;

export const SOURCE_MAP_HELP = `  --source-maps DIR  also look for scripts' source maps in DIR (repeatable):
                     DIR/<script>.map or the script's path under DIR. By
                     default a script's own sourceMappingURL comment (a .map
                     file or an inline data: URL) is followed, and frames are
                     shown at their original file, line and name
  --no-source-maps   show frames as V8 recorded them (generated code)`;

export interface SourceMapValues {
  'source-maps'?: string[];
  'no-source-maps'?: boolean;
}

/** The locator the options ask for; undefined: frames as recorded. */
export function locatorFrom(values: SourceMapValues): SourceMapLocator | undefined {
  if (values['no-source-maps']) return undefined;
  return new SourceMapLocator({ dirs: values['source-maps'] ?? [] });
}

/** What a command passes to Replay.open / openEach. */
export function openOptions(locator: Locator | undefined): { locator?: Locator } {
  return locator ? { locator } : {};
}
