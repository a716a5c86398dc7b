// `largest`: the objects holding the most (retained size), with path and preview.
import type { LargeObject } from '../heap/largest';
import { JSON_SCHEMA } from './json';
import { formatSize } from './units';

export interface LargestInput {
  file: string;
  objects: LargeObject[];
  values: boolean;
}

export function formatTextLargest({ file, objects, values }: LargestInput): string {
  const lines = [`The ${objects.length} objects holding the most in ${file} (retained: freed with them), ` +
    `${values ? 'with values' : 'keys and value types only (--values shows values)'}:`];
  objects.forEach((o, i) => {
    lines.push(`#${i + 1}: ${formatSize(o.retainedSize)} retained (${formatSize(o.shallowSize)} itself) @${o.id} ${o.preview}`);
    lines.push(`    held by ${o.path}`);
  });
  return `${lines.join('\n')}\n`;
}

export interface JsonLargest {
  schema: typeof JSON_SCHEMA;
  file: string;
  values: boolean;
  objects: LargeObject[];
}

export function toJsonLargest(input: LargestInput): JsonLargest {
  return { schema: JSON_SCHEMA, ...input };
}
