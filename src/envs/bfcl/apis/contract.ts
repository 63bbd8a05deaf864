import { PyDict, PyException, attributeError, jsonDumps, pyStr, typeError, type PyValue } from '../python/value.js';
import type { ProcessState } from './process-state.js';

/**
 * The contract every ported API class follows (see src/envs/bfcl/README.md).
 *
 * A class is an `ApiClass`: its Python name, whether it is stateless (MathAPI: the original never calls
 * `_load_scenario` on it), the signatures of its public methods, and a factory. An instance implements the public
 * methods as TypeScript methods named exactly like the Python ones (they are the tool names the model calls), each
 * taking its arguments positionally in Python's parameter order as `PyValue`s; the executor binds the model's
 * positional and keyword arguments against the declared signature exactly as Python would (defaults, TypeError
 * texts), then calls the method.
 */

/** One Python parameter: its name and, when it has one, its default value. */
export interface ParamSpec {
  readonly name: string;
  readonly hasDefault: boolean;
  readonly default: PyValue;
}

/** The parameters of a method after `self`, in order. */
export type Signature = readonly ParamSpec[];

/**
 * Builds a signature: a bare name is a required parameter, `[name, default]` one with a default.
 * `sig('title', ['description', ''], ['priority', 1n])` is `(self, title, description="", priority=1)`.
 */
export function sig(...params: ReadonlyArray<string | readonly [string, PyValue]>): Signature {
  return params.map((p) =>
    typeof p === 'string' ? { name: p, hasDefault: false, default: null } : { name: p[0], hasDefault: true, default: p[1] },
  );
}

/** A clock for the few places where the original reads the machine's time. */
export interface Clock {
  /** `datetime.today()`: the local naive date-time, given as a Date whose UTC fields are the local fields. */
  today(): Date;
}

/** A clock stopped at one instant (the goldens were made on 2026-11-25 with TZ=UTC). */
export function fixedClock(at: Date): Clock {
  const t = at.getTime();
  return { today: () => new Date(t) };
}

/** The date the goldens were generated on: pin `today()` to it to compare against them. */
export const GOLDEN_DATE = new Date(Date.UTC(2026, 10, 25));

/** What an API instance may read from its surroundings (injected, never global). */
export interface ApiContext {
  readonly clock: Clock;
  /**
   * The objects the original shares across entries in one process (post_tweet's default lists, the mutated
   * long_context.py dicts). Default: the process-wide `PROCESS_STATE`, as in the original; an isolated episode
   * passes its own `ProcessState.fresh()`.
   */
  readonly process?: ProcessState;
}

/** An instance of a ported class. Public methods are additional members named like the Python methods. */
export interface ApiInstance {
  /**
   * Python `_load_scenario(scenario, long_context)`. `scenario` is already a deep copy of the entry's initial
   * config for this class (an empty dict when the entry has none), so the instance may keep and mutate it.
   */
  loadScenario(scenario: PyDict, longContext: boolean): void;
  /**
   * `vars(self)` without the names starting with `_`: the attributes the checker compares with `==`, named as in
   * Python, in Python's assignment order. Return the live values (no copies): the checker only reads them.
   */
  publicState(): Record<string, PyValue>;
}

/** A ported class: what the registry holds. */
export interface ApiClass {
  /** The Python class name used in entries' `involved_classes` ("TicketAPI"). */
  readonly className: string;
  /** True for classes the original never loads a scenario into (STATELESS_CLASSES: MathAPI). */
  readonly stateless: boolean;
  /** Public methods (no leading `_`), name → signature, in Python's `inspect.getmembers` order (sorted by name). */
  readonly methods: ReadonlyMap<string, Signature>;
  create(context: ApiContext): ApiInstance;
}

type MethodsOf<T> = { [K in keyof T]?: T[K] extends (...args: never[]) => unknown ? Signature : never };

/**
 * Declares a ported class. Checks at load time that every declared method exists on the prototype and takes as
 * many parameters as its signature lists (a mismatch is a porting bug, so it throws).
 */
export function defineApiClass<T extends ApiInstance>(options: {
  className: string;
  stateless?: boolean;
  create: (context: ApiContext) => T;
  prototype: T;
  methods: MethodsOf<T>;
}): ApiClass {
  const entries = Object.entries(options.methods as Record<string, Signature>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  for (const [name, signature] of entries) {
    const fn = (options.prototype as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new Error(`${options.className}.${name} is declared but not implemented`);
    if (fn.length !== signature.length) {
      throw new Error(
        `${options.className}.${name} takes ${fn.length} parameters but its signature lists ${signature.length}`,
      );
    }
    if (name.startsWith('_')) throw new Error(`${options.className}.${name}: private methods are not tools`);
  }
  return {
    className: options.className,
    stateless: options.stateless ?? false,
    methods: new Map(entries),
    create: options.create,
  };
}

function quotedList(names: readonly string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length === 1) return q[0]!;
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

/**
 * Binds a call's arguments to a signature the way CPython 3.11 does for `Class.method(self, ...)`, returning the
 * argument list in parameter order with defaults filled in. Errors are Python's TypeError texts, which the
 * original executor reports to the model ("TicketAPI.get_ticket() missing 1 required positional argument: ...").
 */
export function bindArguments(
  qualname: string,
  signature: Signature,
  positional: readonly PyValue[],
  keywords: ReadonlyArray<readonly [string, PyValue]>,
): PyValue[] {
  const n = signature.length;
  const bound: Array<PyValue | undefined> = new Array(n).fill(undefined);
  for (let i = 0; i < Math.min(positional.length, n); i++) bound[i] = positional[i];
  for (const [name, value] of keywords) {
    const index = signature.findIndex((p) => p.name === name);
    if (index < 0) throw typeError(`${qualname}() got an unexpected keyword argument '${name}'`);
    if (bound[index] !== undefined) throw typeError(`${qualname}() got multiple values for argument '${name}'`);
    bound[index] = value;
  }
  if (positional.length > n) {
    // Python counts `self` in these numbers.
    const required = signature.filter((p) => !p.hasDefault).length + 1;
    const total = n + 1;
    const given = positional.length + 1;
    const takes =
      required === total
        ? `${total} positional argument${total === 1 ? '' : 's'}`
        : `from ${required} to ${total} positional arguments`;
    throw typeError(`${qualname}() takes ${takes} but ${given} ${given === 1 ? 'was' : 'were'} given`);
  }
  const missing = signature.filter((p, i) => bound[i] === undefined && !p.hasDefault).map((p) => p.name);
  if (missing.length > 0) {
    const plural = missing.length === 1 ? 'argument' : 'arguments';
    throw typeError(`${qualname}() missing ${missing.length} required positional ${plural}: ${quotedList(missing)}`);
  }
  return bound.map((v, i) => (v === undefined ? signature[i]!.default : v));
}

/** Reads `scenario.get(key, fallback)`. */
export function scenarioGet(scenario: PyDict, key: string, fallback: PyValue): PyValue {
  const v = scenario.get(key);
  return v === undefined ? fallback : v;
}

/**
 * Calls public method `name` of `instance` with a call's arguments, as `instance.name(*positional, **keywords)`.
 * Unknown names raise Python's AttributeError; binding errors its TypeError.
 */
export function invokeMethod(
  apiClass: ApiClass,
  instance: ApiInstance,
  name: string,
  positional: readonly PyValue[] = [],
  keywords: ReadonlyArray<readonly [string, PyValue]> = [],
): PyValue {
  const signature = apiClass.methods.get(name);
  if (!signature) throw attributeError(`'${apiClass.className}' object has no attribute '${name}'`);
  const args = bindArguments(`${apiClass.className}.${name}`, signature, positional, keywords);
  const fn = (instance as unknown as Record<string, (...a: PyValue[]) => PyValue>)[name]!;
  return fn.apply(instance, args);
}

/**
 * The text the original executor makes of a method's return value: a str as is, a dict through `json.dumps`
 * (falling back to `str()` when it holds something json cannot write), anything else through `str()`.
 */
export function resultString(value: PyValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof PyDict) {
    try {
      return jsonDumps(value);
    } catch (e) {
      if (!(e instanceof PyException)) throw e;
      return pyStr(value);
    }
  }
  return pyStr(value);
}
