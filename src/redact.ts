// What of the command line goes into a trace's Header. Trace files travel
// (attached to tickets, copied off hosts), so secrets typed on the command
// line are left out by default. On the preload path: no imports.

export type ArgvMode = 'full' | 'redacted' | 'none';
export const ARGV_MODES: readonly ArgvMode[] = ['full', 'redacted', 'none'];

/** Stands for a value that was left out. */
export const REDACTED = '<redacted>';

// An option or key whose name holds one of these words has a secret value.
const SECRET_NAME = /pass|secret|token|key|auth|cookie|credential/i;
// `scheme://user:pass@host`: the whole userinfo (a lone user part is often a token).
const URL_USERINFO = /([a-z][a-z\d+.-]*:\/\/)[^/?#\s]*@/gi;
// `name=value` pairs inside a word: `DB_PASSWORD=x`, `?access_token=x&...`.
const PAIR = /(^|[?&;,\s])([\w.-]+)=([^&;,\s]*)/g;
// A header as one word: `Authorization: Bearer x`, `Cookie: a=b`.
const HEADER = /^([\w-]+):\s/;

function redactWord(word: string): string {
  // Most words (paths, plain values) hold nothing to hide: no regular expression runs on the preload path for them.
  if (!/[=:@]/.test(word)) return word;
  let out = word.replace(URL_USERINFO, `$1${REDACTED}@`);
  const header = HEADER.exec(out);
  if (header && SECRET_NAME.test(header[1])) return `${header[0]}${REDACTED}`;
  out = out.replace(PAIR, (all, lead: string, name: string) => (SECRET_NAME.test(name) ? `${lead}${name}=${REDACTED}` : all));
  return out;
}

/**
 * The command line with secrets replaced by `<redacted>`: the value of every
 * option whose name contains pass, secret, token, key, auth, cookie or
 * credential (`--db-password=x`, or `--db-password x`: then the next word,
 * unless it is another `--option`), `name=value` pairs with such names, and
 * the `user:password@` part of URLs anywhere. Errs on the side of hiding.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const eq = word.indexOf('=');
    const name = eq > 0 ? word.slice(0, eq) : word;
    if (!(name.length > 1 && name.startsWith('-') && SECRET_NAME.test(name))) {
      out.push(redactWord(word));
    } else if (eq > 0) {
      out.push(`${name}=${REDACTED}`);
    } else {
      out.push(word);
      // Its value is the next word, unless that is another long option (then this one was a flag).
      if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
        out.push(REDACTED);
        i++;
      }
    }
  }
  return out;
}

/** The argv a Header records under `mode`. */
export function headerArgv(argv: readonly string[], mode: ArgvMode): string[] {
  switch (mode) {
    case 'full': return [...argv];
    case 'none': return [];
    default: return redactArgv(argv);
  }
}
