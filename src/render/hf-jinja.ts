import { Environment, Interpreter, type Template } from '@huggingface/jinja';

/**
 * @huggingface/jinja's interpreter with Python's string stripping. The library strips with JavaScript's trim() and
 * ignores the argument of `strip`/`lstrip`/`rstrip`, where chat templates rely on Python's: Qwen 3's template
 * writes `reasoning_content.strip('\n')` and `content.lstrip('\n')`, which keep the spaces beside the newlines. So
 * here `s.strip(chars)`, `s.lstrip(chars)`, `s.rstrip(chars)` and the `trim` filter on strings strip exactly what
 * Python strips (the given characters, or Python's whitespace when none or None is given).
 *
 * The library's evaluation methods are private in its typings, so they are reached through the prototype.
 */
class PythonStringsInterpreter extends (Interpreter as unknown as new (env: unknown) => { run(program: unknown): { value: unknown } }) {}

/** The library's environment; its typings do not resolve under NodeNext, hence the narrow type here. */
type JinjaEnvironment = { set(name: string, value: unknown): unknown };
const JinjaEnvironment = Environment as unknown as new () => JinjaEnvironment;

/**
 * Renders a parsed template with exactly these variables (globals included): Template.render would declare the
 * library's own globals first and refuses to redeclare one, so the environment is built here.
 */
export function renderTemplate(template: Template, variables: Readonly<Record<string, unknown>>): string {
  const env = new JinjaEnvironment();
  for (const [name, value] of Object.entries(variables)) env.set(name, value);
  return new PythonStringsInterpreter(env).run(template.parsed).value as string;
}

type Node = { type: string; [key: string]: unknown };
type Value = { type: string; value: unknown };
interface Internals {
  evaluate(node: Node, env: unknown): Value;
  evaluateArguments(args: Node[], env: unknown): [Value[], Map<string, Value>];
  evaluateCallExpression(expr: Node, env: unknown): Value;
  applyFilter(operand: Value, filter: Node, env: unknown): Value;
}

const base = Interpreter.prototype as unknown as Internals;
const patched = PythonStringsInterpreter.prototype as unknown as Internals;
const STRIP_METHODS = new Set(['strip', 'lstrip', 'rstrip']);

patched.evaluateCallExpression = function (this: Internals, expr: Node, env: unknown): Value {
  const callee = expr.callee as Node;
  const method = callee.type === 'MemberExpression' && !callee.computed ? ((callee.property as Node).value as string) : '';
  if (STRIP_METHODS.has(method)) {
    const target = this.evaluate(callee.object as Node, env);
    if (target.type === 'StringValue') {
      const [args, kwargs] = this.evaluateArguments(expr.args as Node[], env);
      if (args.length > 1 || kwargs.size > 0) throw new Error(`${method}() takes at most 1 argument`);
      return stringLike(target, pythonStrip(target.value as string, charsArgument(args[0], method), method as StripMode));
    }
  }
  return base.evaluateCallExpression.call(this, expr, env);
};

patched.applyFilter = function (this: Internals, operand: Value, filter: Node, env: unknown): Value {
  if (operand.type === 'StringValue') {
    if (filter.type === 'Identifier' && filter.value === 'trim') return stringLike(operand, pythonStrip(operand.value as string, null, 'strip'));
    if (filter.type === 'CallExpression' && (filter.callee as Node).type === 'Identifier' && (filter.callee as Node).value === 'trim') {
      const [args] = this.evaluateArguments(filter.args as Node[], env);
      return stringLike(operand, pythonStrip(operand.value as string, charsArgument(args[0], 'trim'), 'strip'));
    }
  }
  return base.applyFilter.call(this, operand, filter, env);
};

function charsArgument(arg: Value | undefined, method: string): string | null {
  if (arg === undefined || arg.type === 'NullValue' || arg.type === 'UndefinedValue') return null;
  if (arg.type !== 'StringValue') throw new Error(`${method} arg must be None or str`);
  return arg.value as string;
}

/** A new string value of the library's own class (which it does not export). */
function stringLike(template: Value, text: string): Value {
  const Ctor = template.constructor as new (value: string) => Value;
  return new Ctor(text);
}

/** The characters Python's str.isspace() accepts (str.strip() with no argument strips these). */
const PYTHON_WHITESPACE = new Set(
  '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000',
);

export type StripMode = 'strip' | 'lstrip' | 'rstrip';

/** Python's str.strip/lstrip/rstrip: `chars` as a set of characters (code points), or whitespace when null. */
export function pythonStrip(text: string, chars: string | null, mode: StripMode): string {
  const strip = chars === null ? PYTHON_WHITESPACE : new Set(chars);
  const cps = Array.from(text);
  let start = 0;
  let end = cps.length;
  if (mode !== 'rstrip') while (start < end && strip.has(cps[start]!)) start++;
  if (mode !== 'lstrip') while (end > start && strip.has(cps[end - 1]!)) end--;
  return cps.slice(start, end).join('');
}
