// A progress line for long reads, on a terminal only: `reading FILE: 45%
// (45/100 MB)`, rewritten in place, shown once a read has taken a second and
// cleared when it ends. Nothing at all when stderr is a pipe or a file (logs
// and scripts get no carriage returns). Twenty lines of our own rather than a
// progress-bar package: one line, one number, no bar.
const SHOW_AFTER_MS = 1000;
const MB = 1e6;

export interface ProgressLine {
  onProgress: (read: number, total: number, name: string) => void;
  /** Clears the line (if shown); call when the reading ends, before printing anything else. */
  done: () => void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return { onProgress: () => undefined, done: () => undefined };
  const start = Date.now();
  let shown = '';
  return {
    onProgress(read, total, name) {
      if (Date.now() - start < SHOW_AFTER_MS) return;
      const mb = (n: number): string => (n / MB).toFixed(0);
      const text = total > 0
        ? `reading ${name}: ${Math.floor((100 * read) / total)}% (${mb(read)}/${mb(total)} MB)`
        : `reading ${name}: ${mb(read)} MB`;
      if (text === shown) return;
      stream.write(`\r${text}\x1b[K`);
      shown = text;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = '';
    },
  };
}
