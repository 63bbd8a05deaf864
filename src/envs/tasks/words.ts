/**
 * The generator's vocabulary. Every user message, file and directory name, message content and argument value of a
 * generated task is made of these words joined by the separators below, so a renderer for small models can give each
 * word one token (`compact`) and spell only tool results (which also hold the API's own text) in bytes.
 *
 * The word rule: split a text on {@link TASK_WORD_SEPARATORS} (space, "." and "/"), drop the empty pieces, and every
 * piece is in {@link TASK_WORDS}. A file name is `stem.ext` (the stem word, ".", the extension word); a path that
 * `find` returns is `./dir/sub` (words joined by "/", after "."). Words are only ever appended to the lists below, so
 * a vocabulary built from `TASK_WORDS` keeps the ids of earlier versions.
 */

/** The words of the user's requests (templates in actions.ts). */
export const REQUEST_WORDS = [
  'make', 'folder', 'create', 'file', 'write', 'in', 'open', 'move', 'to', 'copy', 'delete', 'show', 'list',
  'files', 'find', 'and', 'go', 'there', 'get', 'id', 'of', 'send', 'them', 'the',
] as const;

/** File stems: a file is named `stem.ext`. */
export const FILE_STEMS = [
  'report', 'notes', 'budget', 'draft', 'summary', 'invoice', 'plan', 'todo', 'memo', 'letter', 'image', 'recipe',
  'story', 'song', 'poem', 'agenda',
] as const;

/** File extensions: "the pdf file" picks a file by its extension. */
export const FILE_EXTENSIONS = ['pdf', 'txt', 'md', 'csv', 'doc'] as const;

/**
 * Directory names. None is a substring of another name (checked by a test), so `find(name=d)` matches exactly the
 * directory named d.
 */
export const DIR_NAMES = [
  'docs', 'archive', 'projects', 'backup', 'music', 'photos', 'shared', 'private', 'temp', 'media', 'misc', 'games',
  'vault', 'trash',
] as const;

/** The name of the file system's root directory (it shows in `pwd` and in `cd` results). */
export const ROOT_DIR_NAME = 'workspace';

/** MessageAPI users, and the ids the generator assigns to them (shuffled per task, so ids must be read, not known). */
export const USER_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const;
export const USER_IDS = ['USR001', 'USR002', 'USR003', 'USR004', 'USR005', 'USR006', 'USR007', 'USR008', 'USR009'] as const;

/** File contents and message texts. */
export const CONTENT_WORDS = ['hello', 'thanks', 'ready', 'done', 'later', 'yes', 'soon', 'maybe'] as const;

/** Every word that can appear in a task's user text, names, contents and argument values, each once. */
export const TASK_WORDS: readonly string[] = [
  ...REQUEST_WORDS,
  ...FILE_STEMS,
  ...FILE_EXTENSIONS,
  ...DIR_NAMES,
  ROOT_DIR_NAME,
  ...USER_NAMES,
  ...USER_IDS,
  ...CONTENT_WORDS,
];

/** The separators that join words into names, paths and sentences. */
export const TASK_WORD_SEPARATORS: readonly string[] = [' ', '.', '/'];

/** The words of a text under the word rule (empty pieces dropped). */
export function taskTextWords(text: string): string[] {
  return text.split(/[ ./]/).filter((w) => w !== '');
}

/** A file name as the generator writes it. */
export function fileName(stem: string, ext: string): string {
  return `${stem}.${ext}`;
}

/** The extension of a generated file name. */
export function extensionOf(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/**
 * Whether a stem + extension pair is held out: such names appear only in the held-out split, never in train or test
 * tasks. One pair in five, chosen so that every stem and every extension still occurs in training (in other pairs):
 * the held-out split asks for new combinations of known words.
 */
export function isHeldOutPair(stem: string, ext: string): boolean {
  const i = (FILE_STEMS as readonly string[]).indexOf(stem);
  const j = (FILE_EXTENSIONS as readonly string[]).indexOf(ext);
  if (i < 0 || j < 0) throw new Error(`not a generator file name: ${stem}.${ext}`);
  return (i + j) % 5 === 0;
}

/** The file names a split draws from: the held-out pairs for `heldout`, all other pairs for train and test. */
export function fileNamePool(heldOut: boolean): readonly string[] {
  const out: string[] = [];
  for (const stem of FILE_STEMS) {
    for (const ext of FILE_EXTENSIONS) if (isHeldOutPair(stem, ext) === heldOut) out.push(fileName(stem, ext));
  }
  return out;
}
