// Which signals alloctrace may listen to (ALLOCTRACE_SIGNAL and any later
// signal setting). A Node.js listener replaces the signal's default action, so
// listening to a signal that supervisors, terminals or the kernel send to end,
// stop or debug the process would take that away from them: those are refused
// with a reason and tracing goes on without the signal. On the preload path:
// no imports.

/**
 * Signals nobody sends to end or control a Node.js process: SIGUSR2 (the
 * usual choice), SIGWINCH (terminal resize: a process attached to a terminal
 * also gets it when the window changes size) and SIGURG (socket urgent data:
 * only delivered to a socket's owner, which libuv never sets).
 */
export const LISTENABLE_SIGNALS: readonly NodeJS.Signals[] = ['SIGUSR2', 'SIGWINCH', 'SIGURG'];

const ends = (when: string): string => `ends the process (${when}): listening to it would keep the app running`;
const JOB_CONTROL = 'stops or resumes the process (job control): listening to it would take that away';
const CRASH = 'reports a crash: the process must die of it';
const REFUSED: Readonly<Record<string, string>> = {
  SIGUSR1: "starts Node.js's inspector (the debugger) in a running process",
  SIGTERM: ends('supervisors send it to stop the app'),
  SIGINT: ends('Ctrl-C'),
  SIGHUP: ends('the terminal went away; some daemons reload on it'),
  SIGQUIT: ends('with a core dump'),
  SIGKILL: 'cannot be listened to',
  SIGSTOP: 'cannot be listened to',
  SIGTSTP: JOB_CONTROL, SIGTTIN: JOB_CONTROL, SIGTTOU: JOB_CONTROL, SIGCONT: JOB_CONTROL,
  SIGCHLD: 'tells of child processes, and Node.js relies on it',
  SIGPIPE: 'tells of broken pipes, and Node.js ignores it on purpose',
  SIGSEGV: CRASH, SIGBUS: CRASH, SIGFPE: CRASH, SIGILL: CRASH, SIGABRT: CRASH, SIGIOT: CRASH, SIGSYS: CRASH,
  SIGSTKFLT: ends('coprocessor stack fault'),
  SIGTRAP: 'belongs to debuggers',
  SIGPROF: 'belongs to CPU profilers', SIGVTALRM: 'belongs to CPU profilers',
  SIGALRM: ends('timers'),
  SIGXCPU: ends('CPU time limit'), SIGXFSZ: ends('file size limit'),
  SIGPWR: ends('power failure; container runtimes send it to shut down'),
  SIGIO: 'tells of asynchronous I/O', SIGPOLL: 'tells of asynchronous I/O',
  SIGBREAK: ends('Ctrl-Break'),
};

export type SignalChoice =
  | { signal: NodeJS.Signals }
  | { refused: string };

/**
 * Checks the value of a signal setting (`SIGUSR2`, `usr2`...). `variable`
 * names the setting in the reason, e.g. ALLOCTRACE_SIGNAL; `goesOn` ends it.
 */
export function checkListenableSignal(value: string, variable: string, goesOn = 'tracing goes on without it'): SignalChoice {
  const upper = value.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if ((LISTENABLE_SIGNALS as readonly string[]).includes(name)) return { signal: name as NodeJS.Signals };
  const choices = LISTENABLE_SIGNALS.join(', ');
  const why = REFUSED[name];
  return {
    refused: why === undefined
      ? `${variable}=${value} is ignored: not a signal alloctrace listens to (use ${choices}); ${goesOn}`
      : `${variable}=${value} is ignored: ${name} ${why}; use ${choices}; ${goesOn}`,
  };
}
