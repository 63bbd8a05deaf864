import { functionDocs } from '../envs/bfcl/data.js';
import type { CompactVocabulary } from '../render/compact.js';

/** JSON scaffolding of tool results, each one token in the compact format. */
const JSON_PIECES = ['{"', '"}', '": "', '", "', '": ', ', "', '["', '"]', '"]}', '": ["', '": {"', '[]', '{}', 'true', 'false', 'null'];

/**
 * The compact renderer's vocabulary for tasks over these API classes: every tool and argument key of their function
 * docs, and as text pieces the task words, the keys of the tools' results (as they appear in result JSON) and the
 * JSON scaffolding.
 */
export function compactVocabulary(classes: readonly string[], words: readonly string[]): CompactVocabulary {
  const docs = classes.flatMap((c) => functionDocs(c));
  const tools = [...new Set(docs.map((d) => d.name))];
  const argKeys = [...new Set(docs.flatMap((d) => Object.keys(propertiesOf(d.parameters))))];
  const resultKeys = [...new Set(docs.flatMap((d) => Object.keys(propertiesOf(d.response))))];
  const pieces = [
    ...JSON_PIECES,
    ...resultKeys.map((k) => `"${k}": `),
    // Each word alone, never fused with a neighbouring space, dot or quote: a name is then the same tokens in the
    // user's text, in a tool result and in the argument the model writes, so writing it is a copy.
    ...words,
  ];
  return { tools, argKeys, pieces: [...new Set(pieces)] };
}

function propertiesOf(schema: unknown): Record<string, unknown> {
  const props = (schema as { properties?: unknown } | undefined)?.properties;
  return typeof props === 'object' && props !== null ? (props as Record<string, unknown>) : {};
}
