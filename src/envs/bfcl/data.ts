import { readBfclData } from './data-dir.js';
import { jsonLoads } from './python/json.js';
import { PyDict } from './python/value.js';

/** The four BFCL v4 multi-turn categories. */
export const BFCL_CATEGORIES = ['base', 'miss_func', 'miss_param', 'long_context'] as const;
export type BfclCategory = (typeof BFCL_CATEGORIES)[number];

export function isBfclCategory(s: string): s is BfclCategory {
  return (BFCL_CATEGORIES as readonly string[]).includes(s);
}

/** Which API class file documents each class (executable_backend_config.MULTI_TURN_FUNC_DOC_FILE_MAPPING). */
export const FUNC_DOC_FILES: Readonly<Record<string, string>> = {
  GorillaFileSystem: 'gorilla_file_system.json',
  MathAPI: 'math_api.json',
  MessageAPI: 'message_api.json',
  TwitterAPI: 'posting_api.json',
  TicketAPI: 'ticket_api.json',
  TradingBot: 'trading_bot.json',
  TravelAPI: 'travel_booking.json',
  VehicleControlAPI: 'vehicle_control.json',
};

export interface BfclMessage {
  readonly role: string;
  readonly content: string;
}

/** One multi-turn entry with its ground truth. */
export interface BfclEntry {
  readonly id: string;
  readonly category: BfclCategory;
  /** User messages per turn; a miss_func holdout turn has none. */
  readonly question: ReadonlyArray<readonly BfclMessage[]>;
  readonly involvedClasses: readonly string[];
  /** `initial_config` in the Python value model (ints and floats kept apart). */
  readonly initialConfig: PyDict;
  /** miss_func: turn index → names of the functions withheld until that turn. */
  readonly missedFunctions: ReadonlyMap<number, readonly string[]>;
  /** Ground-truth call strings per turn. */
  readonly groundTruth: ReadonlyArray<readonly string[]>;
}

/** A function doc as in multi_turn_func_doc (BFCL's own schema dialect: "dict", "float", ...). */
export interface FunctionDoc {
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, unknown>;
  readonly response?: Record<string, unknown>;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

const entryCache = new Map<BfclCategory, readonly BfclEntry[]>();

/** All 200 entries of a category, in file order. */
export function loadEntries(category: BfclCategory): readonly BfclEntry[] {
  const cached = entryCache.get(category);
  if (cached) return cached;
  const answers = new Map<string, string[][]>();
  for (const line of lines(readBfclData(`possible_answer/BFCL_v4_multi_turn_${category}.json`))) {
    const a = JSON.parse(line) as { id: string; ground_truth: string[][] };
    answers.set(a.id, a.ground_truth);
  }
  const entries = lines(readBfclData(`questions/BFCL_v4_multi_turn_${category}.json`)).map((line): BfclEntry => {
    const raw = JSON.parse(line) as {
      id: string;
      question: BfclMessage[][];
      involved_classes: string[];
      missed_function?: Record<string, string[]>;
    };
    // initial_config is re-read with the int/float-preserving loader.
    const full = jsonLoads(line) as PyDict;
    const groundTruth = answers.get(raw.id);
    if (!groundTruth) throw new Error(`data/bfcl: no ground truth for ${raw.id}`);
    return {
      id: raw.id,
      category,
      question: raw.question,
      involvedClasses: raw.involved_classes,
      initialConfig: full.getItem('initial_config') as PyDict,
      missedFunctions: new Map(Object.entries(raw.missed_function ?? {}).map(([k, v]) => [Number(k), v] as const)),
      groundTruth,
    };
  });
  entryCache.set(category, entries);
  return entries;
}

/** Finds an entry by id in any category. */
export function findEntry(id: string): BfclEntry | undefined {
  const category = BFCL_CATEGORIES.find((c) => id.startsWith(`multi_turn_${c}_`));
  return category ? loadEntries(category).find((e) => e.id === id) : undefined;
}

const docCache = new Map<string, readonly FunctionDoc[]>();

/** The function docs of one API class, in file order. */
export function functionDocs(className: string): readonly FunctionDoc[] {
  const cached = docCache.get(className);
  if (cached) return cached;
  const file = FUNC_DOC_FILES[className];
  if (!file) throw new Error(`no function docs for class ${className}`);
  const docs = lines(readBfclData(`multi_turn_func_doc/${file}`)).map((l) => JSON.parse(l) as FunctionDoc);
  docCache.set(className, docs);
  return docs;
}

/** The paper's split of multi_turn_base: entries 0–99 train, 100–199 test. */
export function baseSplit(split: 'train' | 'test'): readonly BfclEntry[] {
  const entries = loadEntries('base');
  const index = (e: BfclEntry): number => Number(e.id.slice(e.id.lastIndexOf('_') + 1));
  return entries.filter((e) => (split === 'train' ? index(e) < 100 : index(e) >= 100));
}
