// Which signals the preload may listen to. Listening to a signal replaces its
// default action, so the app must not lose the ones that stop or kill it, nor
// the ones Node, debuggers and profilers use, and a signal the system sends by
// itself would act at random. Small and dependency-free: the preload loads it.
import { OptionError } from './options';

const KILLS = 'the app must stay killable by it (listening replaces the default action)';
const JOB_CONTROL = 'the app must stay stoppable by it (listening replaces the default action)';
const CRASH = 'it reports a crash';
const SPONTANEOUS = 'the system sends it by itself';

const REFUSED: Readonly<Record<string, string>> = {
  SIGKILL: 'it cannot be caught',
  SIGSTOP: 'it cannot be caught',
  SIGUSR1: 'Node starts its inspector on it',
  SIGTERM: KILLS, SIGINT: KILLS, SIGHUP: KILLS, SIGQUIT: KILLS, SIGPWR: KILLS, SIGXCPU: KILLS, SIGXFSZ: KILLS,
  SIGTSTP: JOB_CONTROL, SIGTTIN: JOB_CONTROL, SIGTTOU: JOB_CONTROL, SIGCONT: JOB_CONTROL,
  SIGSEGV: CRASH, SIGBUS: CRASH, SIGFPE: CRASH, SIGILL: CRASH, SIGABRT: CRASH, SIGIOT: CRASH, SIGSYS: CRASH,
  SIGTRAP: 'debuggers use it',
  SIGPROF: 'CPU profilers use it',
  SIGCHLD: SPONTANEOUS, SIGCLD: SPONTANEOUS, SIGPIPE: SPONTANEOUS, SIGWINCH: SPONTANEOUS, SIGURG: SPONTANEOUS,
  SIGIO: SPONTANEOUS, SIGPOLL: SPONTANEOUS,
};

/**
 * The signal a variable names ("SIGUSR2", "usr2"), or an OptionError that
 * says why not. `variable` names the setting in the message.
 */
export function checkSignal(variable: string, value: string): NodeJS.Signals {
  const upper = value.trim().toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as NodeJS.Signals;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { signals } = (require('node:os') as typeof import('node:os')).constants;
  if (!/^SIG[A-Z0-9]+$/.test(name) || !(name in signals)) {
    throw new OptionError(`${variable} must name a signal such as SIGUSR2, not "${value}"`);
  }
  const why = REFUSED[name];
  if (why !== undefined) throw new OptionError(`${variable}=${value} is refused: ${why}; use SIGUSR2 (or SIGALRM, SIGVTALRM)`);
  return name;
}
