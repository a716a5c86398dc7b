// Findings of the running process (retainers, suspects) encoded as the
// trace's Retainers and Suspects messages, without their time: the addon
// stamps and writes them (Tracer::WriteFinding). Field names and numbers come
// from proto/alloctrace.proto, loaded once by proto.ts.
import type { RetainersResult, SuspectsFinding } from '../model/findings';
import { recordMessageType } from './proto';

export type FindingKind = 'retainers' | 'suspects';

/** The Record field (and so the kind) a finding is written as. */
export function findingField(kind: FindingKind): number {
  return recordMessageType().fields[kind].id;
}

function encode(kind: FindingKind, value: object): Uint8Array {
  const field = recordMessageType().fields[kind];
  const type = field.resolve().resolvedType as import('protobufjs').Type;
  return type.encode(type.fromObject(value)).finish();
}

export function encodeRetainers(r: RetainersResult, label: string): Uint8Array {
  return encode('retainers', {
    label, type: r.type, site: r.site ?? '', chosen: r.chosen, instances: r.instances, size: r.size, unreachable: r.unreachable,
    paths: r.clusters.map((c) => ({ path: c.path, count: c.count, size: c.size, exampleId: c.exampleId })),
  });
}

export function encodeSuspects(s: SuspectsFinding, label: string): Uint8Array {
  return encode('suspects', {
    label, seconds: s.seconds, site: s.site ?? '', tracked: s.tracked, trackedSize: s.trackedSize, precise: s.precise,
    groups: s.suspects.map((g) => ({ function: g.function, file: g.file, line: g.line, path: g.path, count: g.count, size: g.size })),
  });
}
