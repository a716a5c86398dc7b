// The one place where a recorded frame becomes the location people read.
// The trace keeps what V8 reported (generated file, line, column); a Locator
// maps it at report time, e.g. to the original TypeScript or unbundled source
// through a source map. Every view reads frames after this step.
import { Frame } from '../model/frame';
import { SymbolTable } from '../model/symbols';

export interface Locator {
  /** The frame as people should read it; the frame itself when nothing maps it. */
  locate(frame: Frame): Frame;
}

/** Frames as recorded. */
export const AS_RECORDED: Locator = { locate: (frame) => frame };

/** `symbols` with every frame located (same stack ids); the table itself when nothing changes. */
export function locateSymbols(symbols: SymbolTable, locator: Locator): SymbolTable {
  if (locator === AS_RECORDED) return symbols;
  return symbols.mapFrames((f) => (f.builtin ? f : locator.locate(f)));
}
