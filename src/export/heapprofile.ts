// The sampling heap profile JSON that `node --heap-prof` writes and Chrome
// DevTools' Memory panel and VS Code open as a flame graph: V8's
// SamplingHeapProfile (a call tree from the root, selfSize per node, and the
// samples), with the protocol's 0-based line and column numbers.
import { ProfileData } from './profile-data';

interface CallFrame { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number }
export interface HeapProfileNode { callFrame: CallFrame; selfSize: number; id: number; children: HeapProfileNode[] }
export interface HeapProfile { head: HeapProfileNode; samples: { size: number; nodeId: number; ordinal: number }[] }

export function buildHeapProfile(data: ProfileData): HeapProfile {
  let nextId = 1;
  const node = (callFrame: CallFrame): HeapProfileNode => ({ callFrame, selfSize: 0, id: nextId++, children: [] });
  const head = node({ functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 });
  const childIndex = new Map<HeapProfileNode, Map<number, HeapProfileNode>>();
  const leafOf = new Map<number, HeapProfileNode>();
  const leafNode = (stack: number): HeapProfileNode => {
    let leaf = leafOf.get(stack);
    if (leaf) return leaf;
    let at = head;
    const frames = data.symbols.stackFrames(stack);
    // Stacks are leaf-first; the tree goes from the root down.
    for (let i = frames.length - 1; i >= 0; i--) {
      let index = childIndex.get(at);
      if (!index) {
        index = new Map();
        childIndex.set(at, index);
      }
      let child = index.get(frames[i]);
      if (!child) {
        const f = data.symbols.frame(frames[i]);
        child = node({
          functionName: f.function, scriptId: '0', url: f.builtin ? '' : f.file,
          lineNumber: f.line > 0 ? f.line - 1 : -1, columnNumber: f.column > 0 ? f.column - 1 : -1,
        });
        index.set(frames[i], child);
        at.children.push(child);
      }
      at = child;
    }
    leafOf.set(stack, at);
    return at;
  };
  const samples: HeapProfile['samples'] = [];
  data.inuseSamples.forEach((s, ordinal) => {
    const leaf = leafNode(s.stack);
    const size = Math.round(s.bytes);
    leaf.selfSize += size;
    samples.push({ size, nodeId: leaf.id, ordinal: ordinal + 1 });
  });
  return { head, samples };
}
