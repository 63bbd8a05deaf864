import type { Rng } from '../../core/rng.js';
import { PyDict, type PyValue } from '../bfcl/python/value.js';
import { CONTENT_WORDS, DIR_NAMES, ROOT_DIR_NAME, USER_IDS, USER_NAMES, extensionOf } from './words.js';

/**
 * The generator's own model of a task's state: the file tree (with the working directory) and the messaging users.
 * Actions update it as the API classes will when the ground truth runs, so each request is drawn against the state it
 * will meet; a test plays every generated ground truth through the real classes and finds no error result.
 */
export interface DirNode {
  readonly name: string;
  readonly parent: DirNode | null;
  /** File name → content, in creation order. */
  readonly files: Map<string, string>;
  /** Subdirectories by name, in creation order. */
  readonly dirs: Map<string, DirNode>;
}

export interface MessagingUsers {
  /** User name → id. */
  readonly ids: ReadonlyMap<string, string>;
  /** The id of the logged-in user (the agent's own account). */
  readonly self: string;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[rng.int(items.length)]!;
}

function newDir(name: string, parent: DirNode | null): DirNode {
  const dir: DirNode = { name, parent, files: new Map(), dirs: new Map() };
  parent?.dirs.set(name, dir);
  return dir;
}

export class TaskWorld {
  readonly root: DirNode;
  cwd: DirNode;
  readonly users: MessagingUsers | null;
  /** Directory names anywhere in the tree (kept unique, so `find` by name has one match). */
  private readonly dirNamesUsed = new Set<string>();

  private constructor(root: DirNode, users: MessagingUsers | null) {
    this.root = root;
    this.cwd = root;
    this.users = users;
  }

  /**
   * A random start state: the root holds 2–3 files and 2–3 directories; each directory 1–2 files and, half the
   * time, one subdirectory with 1–2 files. Files in one directory have distinct extensions, so "the pdf file" names
   * one file. File names come from `pool` (the split's stem + extension pairs).
   */
  static generate(rng: Rng, pool: readonly string[], messaging: boolean): TaskWorld {
    const world = new TaskWorld(newDir(ROOT_DIR_NAME, null), messaging ? drawUsers(rng) : null);
    world.dirNamesUsed.add(ROOT_DIR_NAME);
    world.addFiles(rng, world.root, pool, 2 + rng.int(2));
    const topDirs = 2 + rng.int(2);
    for (let i = 0; i < topDirs; i++) {
      const dir = newDir(world.freshDirName(rng)!, world.root);
      world.dirNamesUsed.add(dir.name);
      world.addFiles(rng, dir, pool, 1 + rng.int(2));
      if (rng.int(2) === 0) {
        const sub = newDir(world.freshDirName(rng)!, dir);
        world.dirNamesUsed.add(sub.name);
        world.addFiles(rng, sub, pool, 1 + rng.int(2));
      }
    }
    return world;
  }

  /** A directory name not used anywhere in the tree, or null when all are taken. */
  freshDirName(rng: Rng): string | null {
    const free = DIR_NAMES.filter((d) => !this.dirNamesUsed.has(d));
    return free.length === 0 ? null : pick(rng, free);
  }

  mkdir(name: string): void {
    newDir(name, this.cwd);
    this.dirNamesUsed.add(name);
  }

  /** The directories strictly below the working directory, with the path `find(path='.')` reports for each. */
  dirsBelowCwd(): Array<{ dir: DirNode; path: string }> {
    const out: Array<{ dir: DirNode; path: string }> = [];
    const walk = (dir: DirNode, path: string): void => {
      for (const sub of dir.dirs.values()) {
        out.push({ dir: sub, path: `${path}/${sub.name}` });
        walk(sub, `${path}/${sub.name}`);
      }
    };
    walk(this.cwd, '.');
    return out;
  }

  /** Files of the working directory whose extension no other file there has. */
  filesWithUniqueExtension(): string[] {
    const names = [...this.cwd.files.keys()];
    return names.filter((n) => names.filter((m) => extensionOf(m) === extensionOf(n)).length === 1);
  }

  /** The state as BFCL's `initial_config` (call before any action changes it). */
  initialConfig(): PyDict {
    const config = PyDict.of({ GorillaFileSystem: PyDict.of({ root: PyDict.of({ [this.root.name]: dirConfig(this.root) }) }) });
    if (this.users) {
      config.set(
        'MessageAPI',
        PyDict.of({
          user_count: BigInt(this.users.ids.size),
          user_map: new PyDict([...this.users.ids]),
          inbox: [],
          message_count: 0n,
          current_user: this.users.self,
        }),
      );
    }
    return config;
  }

  private addFiles(rng: Rng, dir: DirNode, pool: readonly string[], count: number): void {
    for (const name of rng.shuffled(pool)) {
      if (dir.files.size >= count) return;
      if (![...dir.files.keys()].some((f) => extensionOf(f) === extensionOf(name))) dir.files.set(name, pick(rng, CONTENT_WORDS));
    }
  }
}

function drawUsers(rng: Rng): MessagingUsers {
  const names = rng.shuffled(USER_NAMES).slice(0, 3);
  const ids = rng.shuffled(USER_IDS);
  return { ids: new Map(names.map((n, i) => [n, ids[i]!] as const)), self: ids[names.length]! };
}

function dirConfig(dir: DirNode): PyDict {
  const contents = new PyDict();
  for (const [name, content] of dir.files) contents.set(name, PyDict.of({ type: 'file', content }));
  for (const sub of dir.dirs.values()) contents.set(sub.name, dirConfig(sub));
  return PyDict.of({ type: 'directory', contents: contents as PyValue });
}
