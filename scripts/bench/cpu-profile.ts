// Summarises a V8 .cpuprofile (node --cpu-prof) over the samples inside a time window (microseconds
// on the monotonic clock that both V8's profiler and process.hrtime read): self time per function,
// per file or package, and the synchronous inclusive time of this repository's own functions.
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface TimeShare {
  readonly name: string;
  /** file:line, and for node internals and native code the nearest caller in a package or our code. */
  readonly where: string;
  readonly micros: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly windowMicros: number;
  readonly sampledMicros: number;
  readonly samples: number;
  /** By self time. */
  readonly functions: readonly TimeShare[];
  /** By self time, grouped by package (dependencies) or file (ours, node's). */
  readonly files: readonly TimeShare[];
  /** This repository's functions by inclusive time: the sampled time they were on the stack. */
  readonly ours: readonly TimeShare[];
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Place {
  /** "node:…", "wasm", "<package> <path in it>", a path in this repository, or '' for native code. */
  readonly file: string;
  readonly userland: boolean;
  readonly ours: boolean;
}

function placeOf(url: string): Place {
  if (url === '') return { file: '', userland: false, ours: false };
  if (url.startsWith('node:')) return { file: url, userland: false, ours: false };
  if (url.startsWith('wasm://')) return { file: 'wasm', userland: true, ours: false };
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    const scoped = rest[0]?.startsWith('@') === true;
    const pkg = scoped ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '');
    return { file: `${pkg} ${rest.slice(scoped ? 2 : 1).join('/')}`, userland: true, ours: false };
  }
  const inRepo = path.startsWith(REPO_ROOT);
  return { file: inRepo ? path.slice(REPO_ROOT.length) : path, userland: true, ours: inRepo };
}

const label = (frame: CallFrame, place: Place) =>
  place.file === '' ? '' : `${place.file.replace(' ', '/')}:${frame.lineNumber + 1}`;

export function summariseCpuProfile(profile: CpuProfile, window?: { fromUs: number; toUs: number }, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const places = new Map<string, Place>();
  const place = (url: string) => {
    let p = places.get(url);
    if (p === undefined) places.set(url, (p = placeOf(url)));
    return p;
  };

  const selfTime = new Map<string, { name: string; where: string; micros: number }>();
  const fileTime = new Map<string, number>();
  const oursTime = new Map<string, { name: string; where: string; micros: number }>();
  let sampled = 0;
  let samples = 0;
  let t = profile.startTime;
  const from = window?.fromUs ?? profile.startTime;
  const to = window?.toUs ?? profile.endTime;

  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t >= to) continue;
    // A sample stands for the time until the next one, as the DevTools profiler counts it.
    const next = i + 1 < profile.samples.length ? t + (profile.timeDeltas[i + 1] ?? 0) : profile.endTime;
    const weight = Math.max(0, Math.min(next, to) - t);
    const leaf = byId.get(profile.samples[i] ?? -1);
    if (leaf === undefined) continue;
    samples++;
    sampled += weight;

    const frame = leaf.callFrame;
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const own = place(frame.url);
    let where = label(frame, own);
    // Node internals and native code are named by the nearest package or file of ours that called them.
    let caller: ProfileNode | undefined;
    const seenOurs = new Set<string>();
    for (let id = parent.get(leaf.id); id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (node === undefined) break;
      const p = place(node.callFrame.url);
      if (caller === undefined && p.userland) caller = node;
      if (p.ours) {
        const key = `${node.callFrame.functionName}\u0000${node.callFrame.url}\u0000${node.callFrame.lineNumber}`;
        if (!seenOurs.has(key)) {
          seenOurs.add(key);
          const entry = oursTime.get(key) ?? { name: node.callFrame.functionName || '(anonymous)', where: label(node.callFrame, p), micros: 0 };
          entry.micros += weight;
          oursTime.set(key, entry);
        }
      }
    }
    if (own.ours) {
      const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}`;
      if (!seenOurs.has(key)) {
        const entry = oursTime.get(key) ?? { name, where, micros: 0 };
        entry.micros += weight;
        oursTime.set(key, entry);
      }
    }
    if (!own.userland && !name.startsWith('(') && caller !== undefined) {
      const c = caller.callFrame;
      where = `${where === '' ? 'native' : where} ← ${c.functionName || '(anonymous)'} ${label(c, place(c.url))}`;
    }
    const key = `${name}\u0000${where}`;
    const entry = selfTime.get(key) ?? { name, where, micros: 0 };
    entry.micros += weight;
    selfTime.set(key, entry);

    const space = own.file.indexOf(' ');
    const group = own.file === '' ? (name.startsWith('(') ? name : '(native code)') : space === -1 ? own.file : `${own.file.slice(0, space)} (package)`;
    fileTime.set(group, (fileTime.get(group) ?? 0) + weight);
  }

  const share = (micros: number) => (sampled === 0 ? 0 : micros / sampled);
  const ranked = (entries: Iterable<{ name: string; where: string; micros: number }>) =>
    [...entries]
      .sort((a, b) => b.micros - a.micros)
      .slice(0, top)
      .map((e) => ({ ...e, share: share(e.micros) }));
  return {
    windowMicros: to - from,
    sampledMicros: sampled,
    samples,
    functions: ranked(selfTime.values()),
    files: ranked([...fileTime.entries()].map(([name, micros]) => ({ name, where: '', micros }))),
    ours: ranked(oursTime.values()),
  };
}
