/**
 * JSON written the way Python's `json.dumps(x, ensure_ascii=False)` writes it (separators ", " and ": "), which is
 * what Hugging Face chat templates' `tojson` filter produces, so tool schemas and call arguments render as the
 * model saw them in pretraining. Differences left: floats with an integral value print as JS prints them ("1", where
 * Python prints "1.0" for a float), and non-finite numbers are rejected (Python would write NaN/Infinity, not JSON).
 */
export function pythonJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} as JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => pythonJson(v ?? null)).join(', ')}]`;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined || typeof v === 'function') continue; // as JSON.stringify: absent keys
        parts.push(`${JSON.stringify(k)}: ${pythonJson(v)}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      throw new TypeError(`cannot write a ${typeof value} as JSON`);
  }
}
