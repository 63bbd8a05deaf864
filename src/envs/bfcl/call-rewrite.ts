/**
 * Port of multi_turn_utils._process_method_calls: before it evaluates a call, the original rewrites the call TEXT
 * with `re.sub(r"\b([a-zA-Z_]\w*)\s*(?=\()", ...)`: every identifier followed by optional whitespace and "(" loses
 * that whitespace, and a known method name gets its instance's name and a dot in front. The text is not parsed
 * first, so string literals are rewritten too ("the system (admin)" becomes "the system(admin)", "see ls() here"
 * gets the instance name written into it), and that is the text the API classes receive.
 *
 * Python's `\w`, `\s` and `\b` are Unicode-aware on str patterns; the classes below are CPython 3.11's (checked
 * code point by code point; JavaScript's Unicode tables are newer, so characters added after Unicode 14.0 count as
 * word characters here and not in Python 3.11).
 */
const WORD = String.raw`\p{L}\p{N}_`;
const SPACE = String.raw`\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const CALL_NAME = new RegExp(String.raw`(?<![${WORD}])([a-zA-Z_][${WORD}]*)[${SPACE}]*(?=\()`, 'gu');

/**
 * The call text as the original evaluates it. `instanceOf(name)` is the name of the instance a method belongs to
 * (undefined for any other name).
 */
export function processMethodCalls(call: string, instanceOf: (name: string) => string | undefined): string {
  return call.replace(CALL_NAME, (_match, name: string) => {
    const instance = instanceOf(name);
    return instance === undefined ? name : `${instance}.${name}`;
  });
}

/**
 * The name the original gives an entry's instance of a class (a module global of the executor):
 * `f"{model_name}_{test_entry_id}_{class_name}_instance"` with "-", "." and "/" made "_". The checker passes
 * `model_name + "_eval"` for the model's side and `model_name + "_ground_truth_eval"` for the ground truth's.
 */
export function instanceName(modelName: string, entryId: string, className: string): string {
  return `${modelName}_${entryId}_${className}_instance`.replace(/[-./]/g, '_');
}
