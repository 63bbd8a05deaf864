import { asStr, getItem, pyIn } from '../python/builtins.js';
import { pyCompare, pyTrueDiv, toFloat } from '../python/ops.js';
import { formatFixed, sortedStrings, splitWhitespace, splitlines, strip, utf8Length } from '../python/strings.js';
import {
  PyDict,
  PyObject,
  attributeError,
  pyEq,
  pyStr,
  pyTruthy,
  pyTypeName,
  typeError,
  valueError,
  type PyValue,
} from '../python/value.js';
import { defineApiClass, sig, type ApiInstance } from './contract.js';
import { FILE_CONTENT_EXTENSION, FILES_TAIL_USED, POPULATE_FILE_EXTENSION } from './long-context.js';

/** Port of gorilla_file_system.py (GorillaFileSystem with its File and Directory nodes). */

export class File extends PyObject {
  readonly pyClassName = 'File';
  constructor(
    public name: PyValue,
    public content: PyValue = '',
  ) {
    super();
  }
  pyRepr(): string {
    return `<<File: ${pyStr(this.name)}, Content: ${pyStr(this.content)}>>`;
  }
  override pyEquals(other: PyValue): boolean {
    return other instanceof File && pyEq(this.name, other.name) && pyEq(this.content, other.content);
  }
  override publicAttributes(): Record<string, PyValue> {
    return { name: this.name, content: this.content };
  }
  /** `_read()`: the content, which every caller then treats as a str. */
  read(): PyValue {
    return this.content;
  }
}

export class Directory extends PyObject {
  readonly pyClassName = 'Directory';
  contents = new PyDict();
  constructor(
    public name: PyValue,
    public parent: Directory | null = null,
  ) {
    super();
  }
  pyRepr(): string {
    return `<Directory: ${pyStr(this.name)}, Parent: ${this.parent ? pyStr(this.parent.name) : 'None'}, Contents: ${pyStr(this.contents)}>`;
  }
  override pyEquals(other: PyValue): boolean {
    return other instanceof Directory && pyEq(this.name, other.name) && pyEq(this.contents, other.contents);
  }
  override publicAttributes(): Record<string, PyValue> {
    return { name: this.name, parent: this.parent, contents: this.contents };
  }
  addFile(fileName: PyValue, content: PyValue = ''): void {
    if (this.contents.has(fileName)) {
      throw valueError(`File '${pyStr(fileName)}' already exists in directory '${pyStr(this.name)}'.`);
    }
    this.contents.set(fileName, new File(fileName, content));
  }
  addDirectory(dirName: PyValue): void {
    if (this.contents.has(dirName)) {
      throw valueError(`Directory '${pyStr(dirName)}' already exists in directory '${pyStr(this.name)}'.`);
    }
    this.contents.set(dirName, new Directory(dirName, this));
  }
  getItem(itemName: PyValue): PyValue {
    if (pyEq(itemName, '.')) return this;
    return this.contents.get(itemName) ?? null;
  }
}

const INVALID_NAME_CHARS = [...'|/\\?%*:"><'];

/** `_validate_file_or_directory_name`. */
function validName(name: PyValue): boolean {
  return !INVALID_NAME_CHARS.some((c) => pyIn(c, name));
}

/** The text of a file, for methods that call str methods on it. */
function text(file: File, method: string): string {
  return asStr(file.read(), method);
}

export class GorillaFileSystem implements ApiInstance {
  long_context: PyValue = false;
  root = new Directory('/', null);
  private currentDir: Directory = this.root;

  loadScenario(scenario: PyDict, longContext: boolean): void {
    this.long_context = longContext;
    this.root = new Directory('/', null);
    const rootConfig = scenario.get('root');
    if (rootConfig !== undefined) {
      if (!(rootConfig instanceof PyDict)) throw attributeError(`'${pyTypeName(rootConfig)}' object has no attribute 'keys'`);
      const rootName = getItem(rootConfig.keys(), 0n);
      const rootDir = new Directory(rootName, null);
      this.root = this.loadDirectory(getItem(rootConfig.getItem(rootName), 'contents'), rootDir);
    }
    this.currentDir = this.root;
  }

  private loadDirectory(current: PyValue, parent: Directory): Directory {
    if (!(current instanceof PyDict)) throw attributeError(`'${pyTypeName(current)}' object has no attribute 'items'`);
    let bottommost = true;
    for (const [name, data] of current) {
      const type = getItem(data, 'type');
      if (pyEq(type, 'directory')) {
        bottommost = false;
        const dir = this.loadDirectory(getItem(data, 'contents'), new Directory(name, parent));
        parent.contents.set(name, dir);
      } else if (pyEq(type, 'file')) {
        let content = getItem(data, 'content');
        if (pyTruthy(this.long_context) && !pyIn(name, FILES_TAIL_USED)) {
          content = asStr(content, '__add__') + FILE_CONTENT_EXTENSION;
        }
        parent.contents.set(name, new File(name, content));
      }
    }
    if (bottommost && pyTruthy(this.long_context)) {
      for (const name of POPULATE_FILE_EXTENSION) parent.addFile(pyStr(name));
    }
    return parent;
  }

  publicState(): Record<string, PyValue> {
    return { long_context: this.long_context, root: this.root };
  }

  pwd(): PyValue {
    const path: string[] = [];
    // The original stops at `dir.name != self.root` (a str against a Directory: never equal), so the walk always
    // goes up to the top and includes the root's own name.
    for (let dir: Directory | null = this.currentDir; dir !== null; dir = dir.parent) path.push(pyStr(dir.name));
    return PyDict.of({ current_working_directory: '/' + path.reverse().join('/') });
  }

  ls(a: PyValue): PyValue {
    let contents = this.currentDir.contents.keys();
    if (!pyTruthy(a)) contents = contents.filter((item) => !asStr(item, 'startswith').startsWith('.'));
    return PyDict.of({ current_directory_content: contents });
  }

  cd(folder: PyValue): PyValue {
    if (pyEq(folder, '..')) {
      if (this.currentDir.parent) this.currentDir = this.currentDir.parent;
      else if (this.root.pyEquals(this.currentDir)) {
        return PyDict.of({ error: 'Cuurent directory is already the root. Cannot go back.' });
      } else return PyDict.of({ error: 'cd: ..: No such directory' });
      return new PyDict();
    }
    const target = this.navigateToDirectory(folder);
    if (target instanceof PyDict) {
      return PyDict.of({ error: `cd: ${pyStr(folder)}: No such directory. You cannot use path to change directory.` });
    }
    this.currentDir = target;
    return PyDict.of({ current_working_directory: target.name });
  }

  mkdir(dir_name: PyValue): PyValue {
    if (!validName(dir_name)) {
      return PyDict.of({ error: `mkdir: cannot create directory '${pyStr(dir_name)}': Invalid character` });
    }
    if (this.currentDir.contents.has(dir_name)) {
      return PyDict.of({ error: `mkdir: cannot create directory '${pyStr(dir_name)}': File exists` });
    }
    this.currentDir.addDirectory(dir_name);
    return null;
  }

  touch(file_name: PyValue): PyValue {
    if (!validName(file_name)) return PyDict.of({ error: `touch: cannot touch '${pyStr(file_name)}': Invalid character` });
    if (this.currentDir.contents.has(file_name)) {
      return PyDict.of({ error: `touch: cannot touch '${pyStr(file_name)}': File exists` });
    }
    this.currentDir.addFile(file_name);
    return null;
  }

  echo(content: PyValue, file_name: PyValue): PyValue {
    if (file_name === null) return PyDict.of({ terminal_output: content });
    if (!validName(file_name)) return PyDict.of({ error: `echo: cannot touch '${pyStr(file_name)}': Invalid character` });
    if (!pyTruthy(file_name)) return PyDict.of({ terminal_output: content });
    if (this.currentDir.contents.has(file_name)) {
      const item = this.currentDir.getItem(file_name);
      if (!(item instanceof File)) throw attributeError(`'${pyTypeName(item)}' object has no attribute '_write'`);
      item.content = content;
    } else this.currentDir.addFile(file_name, content);
    return null;
  }

  cat(file_name: PyValue): PyValue {
    if (!validName(file_name)) return PyDict.of({ error: `cat: '${pyStr(file_name)}': Invalid character` });
    if (!this.currentDir.contents.has(file_name)) {
      return PyDict.of({ error: `cat: ${pyStr(file_name)}: No such file or directory` });
    }
    const item = this.currentDir.getItem(file_name);
    if (item instanceof File) return PyDict.of({ file_content: item.read() });
    return PyDict.of({ error: `cat: ${pyStr(file_name)}: Is a directory` });
  }

  find(path: PyValue, name: PyValue): PyValue {
    const matches: PyValue[] = [];
    const search = (directory: Directory, basePath: string): void => {
      for (const [itemName, item] of directory.contents) {
        const itemPath = `${basePath}/${pyStr(itemName)}`;
        if (name === null || pyIn(name, itemName)) matches.push(itemPath);
        if (item instanceof Directory) search(item, itemPath);
      }
    };
    search(this.currentDir, strip(asStr(path, 'rstrip'), '/', 'right'));
    return PyDict.of({ matches });
  }

  wc(file_name: PyValue, mode: PyValue): PyValue {
    if (!pyIn(mode, ['l', 'w', 'c'])) return PyDict.of({ error: `wc: invalid mode '${pyStr(mode)}'` });
    if (this.currentDir.contents.has(file_name)) {
      const file = this.currentDir.getItem(file_name);
      if (file instanceof File) {
        if (pyEq(mode, 'l')) {
          return PyDict.of({ count: BigInt(splitlines(text(file, 'splitlines')).length), type: 'lines' });
        }
        if (pyEq(mode, 'w')) return PyDict.of({ count: BigInt(splitWhitespace(text(file, 'split')).length), type: 'words' });
        return PyDict.of({ count: BigInt([...text(file, '__len__')].length), type: 'characters' });
      }
    }
    return PyDict.of({ error: `wc: ${pyStr(file_name)}: No such file or directory` });
  }

  sort(file_name: PyValue): PyValue {
    if (this.currentDir.contents.has(file_name)) {
      const file = this.currentDir.getItem(file_name);
      if (file instanceof File) {
        return PyDict.of({ sorted_content: sortedStrings(splitlines(text(file, 'splitlines'))).join('\n') });
      }
    }
    return PyDict.of({ error: `sort: ${pyStr(file_name)}: No such file or directory` });
  }

  grep(file_name: PyValue, pattern: PyValue): PyValue {
    if (this.currentDir.contents.has(file_name)) {
      const file = this.currentDir.getItem(file_name);
      if (file instanceof File) {
        const lines = splitlines(text(file, 'splitlines'));
        return PyDict.of({ matching_lines: lines.filter((line) => pyIn(pattern, line)) });
      }
    }
    return PyDict.of({ error: `grep: ${pyStr(file_name)}: No such file or directory` });
  }

  du(human_readable: PyValue): PyValue {
    const size = (item: PyValue): bigint => {
      if (item instanceof File) return BigInt(utf8Length(text(item, 'encode')));
      if (item instanceof Directory) return item.contents.values().reduce<bigint>((s, c) => s + size(c), 0n);
      return 0n;
    };
    let total: bigint | number = size(this.currentDir);
    if (!pyTruthy(human_readable)) return PyDict.of({ disk_usage: `${total} bytes` });
    for (const unit of ['B', 'KB', 'MB', 'GB', 'TB']) {
      if (pyCompare('<', total, 1024n)) return PyDict.of({ disk_usage: `${formatFixed(toFloat(total), 2)} ${unit}` });
      total = pyTrueDiv(total, 1024n);
    }
    return PyDict.of({ disk_usage: `${formatFixed(toFloat(total), 2)} PB` });
  }

  tail(file_name: PyValue, lines: PyValue): PyValue {
    if (this.currentDir.contents.has(file_name)) {
      const file = this.currentDir.getItem(file_name);
      if (file instanceof File) {
        const content = splitlines(text(file, 'splitlines'));
        let n = lines;
        if (pyCompare('>', n, BigInt(content.length))) n = BigInt(content.length);
        return PyDict.of({ last_lines: sliceFrom(content, n).join('\n') });
      }
    }
    return PyDict.of({ error: `tail: ${pyStr(file_name)}: No such file or directory` });
  }

  diff(file_name1: PyValue, file_name2: PyValue): PyValue {
    if (this.currentDir.contents.has(file_name1) && this.currentDir.contents.has(file_name2)) {
      const file1 = this.currentDir.getItem(file_name1);
      const file2 = this.currentDir.getItem(file_name2);
      if (file1 instanceof File && file2 instanceof File) {
        const a = splitlines(text(file1, 'splitlines'));
        const b = splitlines(text(file2, 'splitlines'));
        const out: string[] = [];
        for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) out.push(`- ${a[i]}\n+ ${b[i]}`);
        return PyDict.of({ diff_lines: out.join('\n') });
      }
    }
    return PyDict.of({ error: `diff: ${pyStr(file_name1)} or ${pyStr(file_name2)}: No such file or directory` });
  }

  mv(source: PyValue, destination: PyValue): PyValue {
    const cwd = this.currentDir;
    if (!cwd.contents.has(source)) return PyDict.of({ error: `mv: cannot move '${pyStr(source)}': No such file or directory` });
    const item = cwd.getItem(source);
    if (!(item instanceof File || item instanceof Directory)) {
      return PyDict.of({ error: `mv: cannot move '${pyStr(source)}': Not a file or directory` });
    }
    if (pyIn('/', destination)) {
      return PyDict.of({
        error: 'mv: no path allowed in destination. Only file name and folder name is supported for this operation.',
      });
    }
    if (cwd.contents.has(destination)) {
      const dest = cwd.getItem(destination);
      if (!(dest instanceof Directory)) {
        return PyDict.of({ error: `mv: cannot move '${pyStr(source)}' to '${pyStr(destination)}': Not a directory` });
      }
      if (dest.contents.has(pyStr(source))) {
        return PyDict.of({
          error: `mv: cannot move '${pyStr(source)}' to '${pyStr(destination)}/${pyStr(source)}': File exists`,
        });
      }
      cwd.contents.pop(source);
      if (item instanceof File) dest.addFile(source, item.content);
      else {
        dest.addDirectory(source);
        (dest.contents.getItem(source) as Directory).contents = item.contents;
      }
      return PyDict.of({ result: `'${pyStr(source)}' moved to '${pyStr(destination)}/${pyStr(source)}'` });
    }
    cwd.contents.pop(source);
    if (item instanceof File) cwd.addFile(destination, item.content);
    else {
      cwd.addDirectory(destination);
      (cwd.contents.getItem(destination) as Directory).contents = item.contents;
    }
    return PyDict.of({ result: `'${pyStr(source)}' moved to '${pyStr(destination)}'` });
  }

  rm(file_name: PyValue): PyValue {
    if (!this.currentDir.contents.has(file_name)) {
      return PyDict.of({ error: `rm: cannot remove '${pyStr(file_name)}': No such file or directory` });
    }
    const item = this.currentDir.getItem(file_name);
    if (item instanceof File || item instanceof Directory) {
      this.currentDir.contents.pop(file_name);
      return PyDict.of({ result: `'${pyStr(file_name)}' removed` });
    }
    return PyDict.of({ error: `rm: cannot remove '${pyStr(file_name)}': Not a file or directory` });
  }

  rmdir(dir_name: PyValue): PyValue {
    if (!this.currentDir.contents.has(dir_name)) {
      return PyDict.of({ error: `rmdir: cannot remove '${pyStr(dir_name)}': No such file or directory` });
    }
    const item = this.currentDir.getItem(dir_name);
    if (!(item instanceof Directory)) return PyDict.of({ error: `rmdir: cannot remove '${pyStr(dir_name)}': Not a directory` });
    if (item.contents.size > 0) {
      return PyDict.of({ error: `rmdir: failed to remove '${pyStr(dir_name)}': Directory not empty` });
    }
    this.currentDir.contents.pop(dir_name);
    return PyDict.of({ result: `'${pyStr(dir_name)}' removed` });
  }

  cp(source: PyValue, destination: PyValue): PyValue {
    const cwd = this.currentDir;
    if (!cwd.contents.has(source)) return PyDict.of({ error: `cp: cannot copy '${pyStr(source)}': No such file or directory` });
    const item = cwd.getItem(source);
    if (!(item instanceof File || item instanceof Directory)) {
      return PyDict.of({ error: `cp: cannot copy '${pyStr(source)}': Not a file or directory` });
    }
    if (pyIn('/', destination)) {
      return PyDict.of({
        error: "cp: don't allow path in destination. Only file name and folder name is supported for this operation.",
      });
    }
    if (cwd.contents.has(destination)) {
      const dest = cwd.getItem(destination);
      if (!(dest instanceof Directory)) {
        return PyDict.of({ error: `cp: cannot copy '${pyStr(source)}' to '${pyStr(destination)}': Not a directory` });
      }
      // The original looks for "destination/source" among the directory's names, which never holds a "/".
      if (dest.contents.has(`${pyStr(destination)}/${pyStr(source)}`)) {
        return PyDict.of({
          error: `cp: cannot copy '${pyStr(source)}' to '${pyStr(destination)}/${pyStr(source)}': File exists`,
        });
      }
      if (item instanceof File) dest.addFile(source, item.content);
      else {
        dest.addDirectory(source);
        (dest.contents.getItem(source) as Directory).contents = item.contents.copy();
      }
      return PyDict.of({ result: `'${pyStr(source)}' copied to '${pyStr(destination)}/${pyStr(source)}'` });
    }
    if (item instanceof File) cwd.addFile(destination, item.content);
    else {
      cwd.addDirectory(destination);
      (cwd.contents.getItem(destination) as Directory).contents = item.contents.copy();
    }
    return PyDict.of({ result: `'${pyStr(source)}' copied to '${pyStr(destination)}'` });
  }

  /** `_navigate_to_directory`: a Directory, or the error dict. */
  private navigateToDirectory(path: PyValue): Directory | PyDict {
    if (path === null || pyEq(path, '.')) return this.currentDir;
    if (pyEq(path, '/')) return this.root;
    const p = asStr(path, 'strip');
    let dir = p.startsWith('/') ? this.root : this.currentDir;
    for (const name of strip(p, '/').split('/')) {
      const next = dir.getItem(name);
      if (!(next instanceof Directory)) return PyDict.of({ error: `cd: '${p}': No such file or directory` });
      dir = next;
    }
    return dir;
  }
}

/** `content[-n:]` with Python's slice rules (n = 0 gives the whole list; a negative n drops from the front). */
function sliceFrom(content: string[], n: PyValue): string[] {
  if (typeof n !== 'bigint' && typeof n !== 'boolean') {
    throw typeError('slice indices must be integers or None or have an __index__ method');
  }
  let start = -Number(typeof n === 'boolean' ? (n ? 1n : 0n) : n);
  const len = content.length;
  if (start < 0) start = Math.max(0, start + len);
  return content.slice(Math.min(start, len));
}

export const GorillaFileSystemClass = defineApiClass({
  className: 'GorillaFileSystem',
  create: () => new GorillaFileSystem(),
  prototype: GorillaFileSystem.prototype,
  methods: {
    cat: sig('file_name'),
    cd: sig('folder'),
    cp: sig('source', 'destination'),
    diff: sig('file_name1', 'file_name2'),
    du: sig(['human_readable', false]),
    echo: sig('content', ['file_name', null]),
    find: sig(['path', '.'], ['name', null]),
    grep: sig('file_name', 'pattern'),
    ls: sig(['a', false]),
    mkdir: sig('dir_name'),
    mv: sig('source', 'destination'),
    pwd: sig(),
    rm: sig('file_name'),
    rmdir: sig('dir_name'),
    sort: sig('file_name'),
    tail: sig('file_name', ['lines', 10n]),
    touch: sig('file_name'),
    wc: sig('file_name', ['mode', 'l']),
  },
});
