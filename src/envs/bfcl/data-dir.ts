import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The BFCL data shipped with the package (`data/bfcl/` at the package root). Found by walking up from this module,
 * so it works from `src/` and from `dist/src/` alike; the product never reads the developers' shared folder at run time.
 */
function findDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'data', 'bfcl');
    if (existsSync(join(candidate, 'NOTICE'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('seeupo: data/bfcl not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

let cached: string | null = null;

export function bfclDataDir(): string {
  cached ??= findDataDir();
  return cached;
}

/** Reads a file under data/bfcl as UTF-8 text. */
export function readBfclData(relativePath: string): string {
  return readFileSync(join(bfclDataDir(), relativePath), 'utf8');
}
