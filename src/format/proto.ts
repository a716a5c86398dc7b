// The trace schema, loaded once from proto/alloctrace.proto (the single source
// of truth), and typed views of the decoded records.
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { crc32c } from './checksum';

// Decode uint64 fields as plain numbers: Long objects would cost an allocation
// per sample id on 100 MB traces. Values above 2^53 (only start_time_unix_ns)
// lose a few hundred nanoseconds, which nothing here needs.
(protobuf.util as { Long: unknown }).Long = undefined;
protobuf.configure();

/** File magic: "ATRACE\0" followed by the format version byte. */
export const MAGIC = Buffer.from([0x41, 0x54, 0x52, 0x41, 0x43, 0x45, 0x00]);
/** Version 2: every record is followed by its CRC32C (see proto/alloctrace.proto). */
export const FORMAT_VERSION = 2;
/** Version 1: records without checksums (older files, in-memory snapshots). */
export const FORMAT_VERSION_UNCHECKED = 1;
export const MAGIC_LENGTH = MAGIC.length + 1;
/** Bytes of the CRC32C after each record in version 2. */
export const CHECKSUM_LENGTH = 4;

// dist/format/proto.js and src/format/proto.ts both sit two levels below the package root.
export const PROTO_PATH = path.resolve(__dirname, '..', '..', 'proto', 'alloctrace.proto');

let recordType: protobuf.Type | null = null;

/** The alloctrace.Record message type (loaded on first use). */
export function recordMessageType(): protobuf.Type {
  if (!recordType) {
    const root = protobuf.loadSync(PROTO_PATH);
    recordType = root.lookupType('alloctrace.Record');
  }
  return recordType;
}

export interface HeaderRecord {
  formatVersion: number;
  startTimeUnixNs: number;
  pid: number;
  threadId: number;
  hostname: string;
  argv: string[];
  nodeVersion: string;
  v8Version: string;
  sampleInterval: number;
  stackDepth: number;
  pollIntervalMs: number;
  precise: boolean;
  cwd: string;
  /** alloctrace's own code directory in the traced process ('' if unknown). */
  tracerDir: string;
  /** 0: the session's first file; N: the Nth file it rotated into (a continuation). */
  part: number;
}

export interface StringDefRecord { id: number; value: string }

export interface FrameDefRecord {
  id: number;
  functionName: number;
  scriptName: number;
  line: number;
  column: number;
  builtin: boolean;
}

export interface StackDefRecord { id: number; frames: number[] }

export interface BatchRecord {
  timeNs: number;
  /** Delta-encoded within the list (first relative to 0). */
  allocIds: number[];
  allocStacks: number[];
  allocSizes: number[];
  /** Delta-encoded within the list (first relative to 0). */
  freedIds: number[];
  /** The allocs are the whole live set (a rotated file's start), not new allocations. */
  liveSet: boolean;
}

export interface MemoryRecord {
  timeNs: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface MarkerRecord {
  timeNs: number;
  name: string;
  gcForced: boolean;
  /** When the marker was asked for, if earlier (near-heap-limit: V8's callback); 0 otherwise. */
  requestedNs: number;
  /** A run-time switch of precise mode: PRECISE_ON or PRECISE_OFF; 0 (or absent) otherwise. */
  precise?: number;
}

/** Marker.precise values (proto enum PreciseSwitch). */
export const PRECISE_ON = 1;
export const PRECISE_OFF = 2;

export interface TrailerRecord {
  timeNs: number;
  allocs: number;
  frees: number;
  batches: number;
  droppedRecords: number;
}

export interface CensusEntryRecord {
  type: string;
  name: string;
  count: number;
  size: number;
}

export interface CensusRecord {
  timeNs: number;
  label: string;
  gcForced: boolean;
  pauseNs: number;
  entries: CensusEntryRecord[];
  gcNs: number;
  countsOnly: boolean;
}

export interface RetainersRecord {
  timeNs: number;
  label: string;
  type: string;
  site: string;
  chosen: string;
  instances: number;
  size: number;
  unreachable: number;
  paths: Array<{ path: string; count: number; size: number; exampleId: number }>;
}

export interface SuspectsRecord {
  timeNs: number;
  label: string;
  seconds: number;
  site: string;
  tracked: number;
  trackedSize: number;
  groups: Array<{ function: string; file: string; line: number; path: string; count: number; size: number }>;
  precise: boolean;
}

export type TraceRecord =
  | { kind: 'header'; header: HeaderRecord }
  | { kind: 'string'; string: StringDefRecord }
  | { kind: 'frame'; frame: FrameDefRecord }
  | { kind: 'stack'; stack: StackDefRecord }
  | { kind: 'batch'; batch: BatchRecord }
  | { kind: 'memory'; memory: MemoryRecord }
  | { kind: 'marker'; marker: MarkerRecord }
  | { kind: 'trailer'; trailer: TrailerRecord }
  | { kind: 'census'; census: CensusRecord }
  | { kind: 'retainers'; retainers: RetainersRecord }
  | { kind: 'suspects'; suspects: SuspectsRecord };

export type RecordKind = TraceRecord['kind'];

// protobufjs messages keep defaults on the prototype and omit the oneof when
// the kind is unknown; this is the loose shape it hands back.
type Decoded = { kind?: string } & Record<string, unknown>;

/**
 * Decodes one Record body. Returns null for a record of a kind this version
 * does not know (a newer writer), so readers can skip it. Throws on bytes that
 * are not a valid Record.
 */
export function decodeRecord(bytes: Uint8Array): TraceRecord | null {
  const msg = recordMessageType().decode(bytes) as unknown as Decoded;
  switch (msg.kind) {
    case 'header':
    case 'string':
    case 'frame':
    case 'stack':
    case 'batch':
    case 'memory':
    case 'marker':
    case 'trailer':
    case 'census':
    case 'retainers':
    case 'suspects':
      // Field names and types match the interfaces above (camelCase, numbers
      // for uint64 thanks to Long = undefined); defaults come from prototypes.
      return { kind: msg.kind, [msg.kind]: msg[msg.kind] } as unknown as TraceRecord;
    default:
      return null;
  }
}

/**
 * Encodes one Record framed as the native writer frames it: its varint
 * length, its bytes and (format 2, the default) their CRC32C.
 */
export function encodeRecordDelimited(record: TraceRecord, version: number = FORMAT_VERSION): Uint8Array {
  const type = recordMessageType();
  const body = { [record.kind]: (record as Record<string, unknown>)[record.kind] };
  const delimited = type.encodeDelimited(type.fromObject(body)).finish();
  if (version === FORMAT_VERSION_UNCHECKED) return delimited;
  const framed = Buffer.allocUnsafe(delimited.length + CHECKSUM_LENGTH);
  framed.set(delimited, 0);
  framed.writeUInt32LE(crc32c(delimited), delimited.length);
  return framed;
}
