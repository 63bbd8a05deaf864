import { pythonJson } from '../../core/python-json.js';
import { functionDocs, type FunctionDoc } from './data.js';

/**
 * Tool schemas in OpenAI's function format, converted from BFCL's function docs the way BFCL converts them for
 * OpenAI-style models: BFCL type names mapped to JSON-schema ones ("dict" → "object", "float" → "number" with a
 * note, "tuple" → "array", unknown → "string"), the parameters object typed "object", and the "response" schema,
 * which OpenAI's format has no field for, appended to the description.
 */
export type OpenAiTool = {
  readonly type: 'function';
  readonly function: {
    readonly name: string;
    readonly description: string;
    readonly parameters: Record<string, unknown>;
  };
};

const GORILLA_TO_OPENAPI: Readonly<Record<string, string>> = {
  integer: 'integer',
  number: 'number',
  float: 'number',
  string: 'string',
  boolean: 'boolean',
  bool: 'boolean',
  array: 'array',
  list: 'array',
  dict: 'object',
  object: 'object',
  tuple: 'array',
  any: 'string',
};

type Schema = Record<string, unknown>;

function castType(schema: Schema): Schema {
  const out: Schema = { ...schema };
  const type = typeof schema['type'] === 'string' ? (schema['type'] as string) : undefined;
  if (type === undefined) out['type'] = 'string';
  else {
    if (type === 'float') {
      out['format'] = 'float';
      out['description'] = `${typeof schema['description'] === 'string' ? schema['description'] : ''} This is a float type value.`;
    }
    out['type'] = GORILLA_TO_OPENAPI[type] ?? 'string';
  }
  if (schema['properties'] && typeof schema['properties'] === 'object') {
    out['properties'] = castProperties(schema['properties'] as Record<string, Schema>);
  }
  if (schema['items'] && typeof schema['items'] === 'object') out['items'] = castType(schema['items'] as Schema);
  return out;
}

function castProperties(properties: Record<string, Schema>): Record<string, Schema> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, castType(v)]));
}

/** One function doc as an OpenAI tool. */
export function openAiTool(doc: FunctionDoc): OpenAiTool {
  const params = doc.parameters as Schema;
  const parameters: Schema = { ...params, type: 'object' };
  if (params['properties']) parameters['properties'] = castProperties(params['properties'] as Record<string, Schema>);
  const description = doc.response
    ? `${doc.description} The response field has the following schema: ${pythonJson(doc.response)}`
    : doc.description;
  return { type: 'function', function: { name: doc.name, description, parameters } };
}

/** The function docs of an entry's classes, without the names in `exclude` (miss_func's withheld functions). */
export function entryFunctionDocs(involvedClasses: readonly string[], exclude: ReadonlySet<string> = new Set()): FunctionDoc[] {
  return involvedClasses.flatMap((c) => functionDocs(c)).filter((d) => !exclude.has(d.name));
}
