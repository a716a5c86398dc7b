// What heap snapshots of a running process answered, in the shapes the
// heap analysis gives and the trace keeps (Retainers and Suspects records):
// who held a type's or a site's objects, and which code allocated the
// objects still live after a suspects window.

export interface RetainerCluster {
  /** The rendered path, indexes written [i]. */
  path: string;
  count: number;
  /** Shallow bytes of the instances it holds. */
  size: number;
  /** One instance's heap snapshot id (to find it in DevTools). */
  exampleId: number;
}

export interface RetainersResult {
  /** The constructor traced back; "" when the objects were chosen by `site`. */
  type: string;
  /** The allocation site whose objects were traced back (any type), or null. */
  site: string | null;
  /** Why this type: given, or chosen. */
  chosen: string;
  instances: number;
  size: number;
  /** Instances no strong path reaches (garbage the snapshot kept, or held only weakly). */
  unreachable: number;
  clusters: RetainerCluster[];
}

export interface Suspect {
  /** The allocating function: name, script and line (1-based in the snapshot's trace_function_infos: its definition line). */
  function: string;
  file: string;
  line: number;
  /** The retaining path of the objects (alike paths together). */
  path: string;
  count: number;
  /** Shallow bytes of those objects. */
  size: number;
}

/** A suspects window's answer as the trace keeps it. */
export interface SuspectsFinding {
  /** How long the window was open, s. */
  seconds: number;
  /** Only this site's objects, or null for all. */
  site: string | null;
  tracked: number;
  trackedSize: number;
  suspects: Suspect[];
  /** Precise mode was on for the window. */
  precise: boolean;
}

/** A finding read back from a trace: when (ns since the trace's start) and why (`api`, `http`, a label). */
export type Recorded<T> = T & { timeNs: number; label: string };
