import type { ToolCall } from '../../core/messages.js';
import type { Rng } from '../../core/rng.js';
import { CONTENT_WORDS, extensionOf } from './words.js';
import { pick, type DirNode, type TaskWorld } from './world.js';

/**
 * The requests a user turn is made of. Each request has its words (joined with " and " into the turn's message) and
 * its calls in steps: one step, or two when a call reads the result of a lookup call in the same turn (the lookup
 * comes first, in its own step). Building a request does not change the world; `apply` does, once it is chosen.
 */
export interface Request {
  readonly text: string;
  readonly steps: ReadonlyArray<readonly ToolCall[]>;
  readonly apply: () => void;
}

/** Result-dependent requests: a value copied from a result (`find`'s path, `get_user_id`'s id), or a choice by property. */
export type DependentKind = 'path' | 'id' | 'choice';

/** What a lookup made in an earlier turn left for the request of the next turn to read. */
export type Pending =
  | { readonly kind: 'choice' }
  | { readonly kind: 'path'; readonly dir: DirNode; readonly path: string }
  | { readonly kind: 'id'; readonly user: string; readonly id: string };

const call = (name: string, args: Record<string, unknown> = {}): ToolCall => ({ name, arguments: args });
const noChange = (): void => {};

/** The literal requests and their weights: every argument is in the user's words. */
export const LITERAL_REQUESTS: ReadonlyArray<{
  readonly weight: number;
  readonly build: (world: TaskWorld, rng: Rng, pool: readonly string[]) => Request | null;
}> = [
  {
    weight: 1,
    build: (w, rng) => {
      const d = w.freshDirName(rng);
      return d === null ? null : { text: `make folder ${d}`, steps: [[call('mkdir', { dir_name: d })]], apply: () => w.mkdir(d) };
    },
  },
  {
    weight: 1,
    build: (w, rng, pool) => {
      const free = pool.filter((f) => !w.cwd.files.has(f));
      if (free.length === 0) return null;
      const f = pick(rng, free);
      return { text: `create file ${f}`, steps: [[call('touch', { file_name: f })]], apply: () => void w.cwd.files.set(f, '') };
    },
  },
  {
    weight: 1,
    build: (w, rng, pool) => {
      const f = rng.int(2) === 0 && w.cwd.files.size > 0 ? pick(rng, [...w.cwd.files.keys()]) : pick(rng, pool);
      const word = pick(rng, CONTENT_WORDS);
      return {
        text: `write ${word} in ${f}`,
        steps: [[call('echo', { content: word, file_name: f })]],
        apply: () => void w.cwd.files.set(f, word),
      };
    },
  },
  {
    weight: 1,
    build: (w, rng) => {
      if (w.cwd.dirs.size === 0) return null;
      const d = pick(rng, [...w.cwd.dirs.values()]);
      return { text: `open ${d.name}`, steps: [[call('cd', { folder: d.name })]], apply: () => void (w.cwd = d) };
    },
  },
  { weight: 1, build: (w, rng) => fileIntoDir(w, rng, 'move', 'mv', null) },
  { weight: 1, build: (w, rng) => fileIntoDir(w, rng, 'copy', 'cp', null) },
  {
    weight: 1,
    build: (w, rng) => {
      if (w.cwd.files.size === 0) return null;
      const f = pick(rng, [...w.cwd.files.keys()]);
      return { text: `delete ${f}`, steps: [[call('rm', { file_name: f })]], apply: () => void w.cwd.files.delete(f) };
    },
  },
  {
    weight: 1,
    build: (w, rng) => {
      if (w.cwd.files.size === 0) return null;
      const f = pick(rng, [...w.cwd.files.keys()]);
      return { text: `show ${f}`, steps: [[call('cat', { file_name: f })]], apply: noChange };
    },
  },
  // Lookups on their own: the same words as the lookups that a later turn reads, so they do not give that away.
  { weight: 0.5, build: (w, rng) => lookupRequest(w, rng, 'choice').request },
  { weight: 0.5, build: (w, rng) => (w.dirsBelowCwd().length > 0 ? lookupRequest(w, rng, 'path').request : null) },
  { weight: 0.5, build: (w, rng) => (w.users ? lookupRequest(w, rng, 'id').request : null) },
];

/** "move notes.txt to docs" (literal) or "move the txt file to docs" (chosen by extension from `files`). */
function fileIntoDir(w: TaskWorld, rng: Rng, verb: 'move' | 'copy', tool: 'mv' | 'cp', byExtension: readonly string[] | null): Request | null {
  const files = byExtension ?? [...w.cwd.files.keys()];
  const options = files.flatMap((f) => [...w.cwd.dirs.values()].filter((d) => !d.files.has(f)).map((d) => ({ f, d })));
  if (options.length === 0) return null;
  const { f, d } = pick(rng, options);
  const named = byExtension ? `the ${extensionOf(f)} file` : f;
  return {
    text: `${verb} ${named} to ${d.name}`,
    steps: [[call(tool, { source: f, destination: d.name })]],
    apply: () => {
      const content = w.cwd.files.get(f)!;
      if (tool === 'mv') w.cwd.files.delete(f);
      d.files.set(f, content);
    },
  };
}

/** Which result-dependent requests the world allows now. */
export function feasibleDependentKinds(w: TaskWorld): DependentKind[] {
  const kinds: DependentKind[] = [];
  if (w.filesWithUniqueExtension().length > 0) kinds.push('choice');
  if (w.dirsBelowCwd().length > 0) kinds.push('path');
  if (w.users) kinds.push('id');
  return kinds;
}

/** Draws what a lookup will look up (the listing of the working directory, a directory to find, a user). */
function drawLookup(w: TaskWorld, rng: Rng, kind: DependentKind): Pending {
  switch (kind) {
    case 'choice':
      return { kind };
    case 'path':
      return { kind, ...pick(rng, w.dirsBelowCwd()) };
    case 'id': {
      const [user, id] = pick(rng, [...w.users!.ids]);
      return { kind, user, id };
    }
  }
}

function lookupCall(p: Pending): ToolCall {
  if (p.kind === 'choice') return call('ls');
  if (p.kind === 'path') return call('find', { name: p.dir.name });
  return call('get_user_id', { user: p.user });
}

function lookupText(p: Pending): string {
  if (p.kind === 'choice') return 'list files';
  if (p.kind === 'path') return `find ${p.dir.name}`;
  return `get id of ${p.user}`;
}

/** The lookup a dependent request will read, as a request of its own (the earlier turn's last), and what it leaves. */
export function lookupRequest(w: TaskWorld, rng: Rng, kind: DependentKind): { request: Request; pending: Pending } {
  const pending = drawLookup(w, rng, kind);
  return { request: { text: lookupText(pending), steps: [[lookupCall(pending)]], apply: noChange }, pending };
}

/**
 * A result-dependent request. With `pending` (the lookup ran in the previous turn) it is one step whose words point
 * back ("go there", "send hello to them"); without, its own lookup comes first, in a step of its own.
 */
export function dependentRequest(w: TaskWorld, rng: Rng, kind: DependentKind, pending: Pending | null): Request {
  const lookup = pending ?? drawLookup(w, rng, kind);
  const before = pending ? [] : [[lookupCall(lookup)]];
  const withLookup = (r: Request): Request => ({ ...r, steps: [...before, ...r.steps] });
  switch (lookup.kind) {
    case 'choice': {
      const files = w.filesWithUniqueExtension();
      const options: Array<() => Request | null> = [
        () => fileIntoDir(w, rng, 'move', 'mv', files),
        () => fileIntoDir(w, rng, 'copy', 'cp', files),
        () => {
          const f = pick(rng, files);
          return { text: `delete the ${extensionOf(f)} file`, steps: [[call('rm', { file_name: f })]], apply: () => void w.cwd.files.delete(f) };
        },
        () => {
          const f = pick(rng, files);
          return { text: `show the ${extensionOf(f)} file`, steps: [[call('cat', { file_name: f })]], apply: noChange };
        },
      ];
      for (const option of rng.shuffled(options)) {
        const r = option();
        if (r) return withLookup(r);
      }
      throw new Error('unreachable: delete and show are always possible with a file');
    }
    case 'path': {
      const { dir, path } = lookup;
      const text = pending ? 'go there' : `find ${dir.name} and go there`;
      return withLookup({ text, steps: [[call('cd', { folder: path })]], apply: () => void (w.cwd = dir) });
    }
    case 'id': {
      const word = pick(rng, CONTENT_WORDS);
      const text = pending ? `send ${word} to them` : `send ${word} to ${lookup.user}`;
      return withLookup({ text, steps: [[call('send_message', { receiver_id: lookup.id, message: word })]], apply: noChange });
    }
  }
}
