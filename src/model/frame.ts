// One stack frame as V8's sampling profiler reports it.

/** Shown in place of an empty function name. */
export const ANONYMOUS = '(anonymous)';

export class Frame {
  /** Function name; '' for an anonymous function. */
  readonly function: string;
  /** Script name (absolute path or URL); '' for builtins and unloaded scripts. */
  readonly file: string;
  /** 1-based line of the FUNCTION's definition (V8 gives no allocating line); 0 if unknown. */
  readonly line: number;
  /** 1-based column of the function's definition; 0 if unknown. */
  readonly column: number;
  /** A V8 builtin or VM state (no script): folded into its caller in every key. */
  readonly builtin: boolean;

  constructor(functionName: string, file: string, line: number, column: number, builtin: boolean) {
    this.function = functionName;
    this.file = file;
    this.line = line;
    this.column = column;
    this.builtin = builtin;
  }

  /** The function name, or `(anonymous)`. */
  get name(): string {
    return this.function === '' ? ANONYMOUS : this.function;
  }

  /** Identity of the frame's content, used to intern frames. */
  get id(): string {
    return `${this.function}\0${this.file}\0${this.line}\0${this.column}\0${this.builtin ? 1 : 0}`;
  }

  toString(): string {
    if (this.builtin) return `${this.name} (builtin)`;
    return `${this.file || '(unknown file)'}:${this.line}:${this.column} ${this.name}`;
  }
}
