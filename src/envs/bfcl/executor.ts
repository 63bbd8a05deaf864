import { API_CLASSES } from './apis/index.js';
import { invokeMethod, resultString, type ApiClass, type ApiContext, type ApiInstance } from './apis/contract.js';
import { parsePythonExpression, type Expr } from './call-parser.js';
import { instanceName, processMethodCalls } from './call-rewrite.js';
import { getItem, pyIter } from './python/builtins.js';
import { callBuiltin, compareValues, isBuiltinFunction, valueMethod } from './python/callables.js';
import { pyAdd, pyFloorDiv, pyMod, pyMul, pyNeg, pySub, pyTrueDiv, isPyNum } from './python/ops.js';
import {
  PyDict,
  PyException,
  PySet,
  PyTuple,
  attributeError,
  deepCopy,
  nameError,
  pyRepr,
  pyStr,
  pyTruthy,
  pyTypeName,
  typeError,
  valueError,
  type PyValue,
} from './python/value.js';

/**
 * Port of multi_turn_utils.execute_multi_turn_func_call: the instances of one entry's involved classes (created
 * once, loaded with the entry's initial config, kept across turns) and the execution of call strings against them.
 *
 * Method names resolve as in the original: the call text is first rewritten (`processMethodCalls`), which writes
 * the owning instance's name before every public method name of the involved classes (a later class in
 * `involved_classes` shadowing an earlier one); the instances are the only names the call can reach, so a bare
 * name, a method name included, is Python's NameError.
 */
const BLOCKED = new Set(['kill', 'exit', 'quit', 'remove', 'unlink', 'popen', 'Popen', 'run']);

/** The model name this port uses in instance names when none is given (the original takes it from the run). */
export const DEFAULT_MODEL_NAME = 'seeupo';

interface Owner {
  readonly cls: ApiClass;
  readonly instance: ApiInstance;
  readonly instanceName: string;
}

export interface SessionOptions {
  readonly involvedClasses: readonly string[];
  /** The entry's `initial_config` (class name → config). */
  readonly initialConfig: PyDict;
  readonly longContext: boolean;
  readonly context: ApiContext;
  /** Class registry; defaults to all ported classes. */
  readonly registry?: ReadonlyMap<string, ApiClass>;
  /**
   * The `model_name` the original builds instance names from (with `_eval` or `_ground_truth_eval` appended by the
   * checker); it shows only where a string argument contains a method name followed by "(" (default
   * `DEFAULT_MODEL_NAME`).
   */
  readonly modelName?: string;
  /** The entry id, the other part of the instance names (default: empty). */
  readonly entryId?: string;
}

export class ApiSession {
  /** Instances by class name, in `involved_classes` order. */
  readonly instances = new Map<string, ApiInstance>();
  /** Method name → the class and instance it resolves to. */
  private readonly owners = new Map<string, Owner>();
  /** Instance name (as the original names its globals) → the class and instance. */
  private readonly byInstanceName = new Map<string, Owner>();
  /** The variables of the comprehensions being evaluated, innermost last. */
  private readonly scopes: Array<Map<string, PyValue>> = [];

  constructor(options: SessionOptions) {
    const registry = options.registry ?? API_CLASSES;
    for (const className of options.involvedClasses) {
      const cls = registry.get(className);
      if (!cls) throw new Error(`BFCL class ${className} is not ported (known: ${[...registry.keys()].join(', ')})`);
      let instance = this.instances.get(className);
      if (!instance) {
        instance = cls.create(options.context);
        if (!cls.stateless) {
          const config = options.initialConfig.get(className);
          instance.loadScenario(config instanceof PyDict ? deepCopy(config) : new PyDict(), options.longContext);
        }
        this.instances.set(className, instance);
      }
      const owner = { cls, instance, instanceName: instanceName(options.modelName ?? DEFAULT_MODEL_NAME, options.entryId ?? '', className) };
      this.byInstanceName.set(owner.instanceName, owner);
      for (const name of cls.methods.keys()) this.owners.set(name, owner);
    }
  }

  /** The public method names callable in this session. */
  methodNames(): string[] {
    return [...this.owners.keys()];
  }

  /** Executes one call string and returns the result text the model sees (errors included, never thrown). */
  execute(call: string): string {
    const processed = processMethodCalls(call, (name) => this.owners.get(name)?.instanceName);
    try {
      const blocked = blockedName(processed);
      if (BLOCKED.has(blocked)) throw new PyException('Exception', `Function call ${blocked} is not allowed.`);
      return resultString(this.evaluate(parsePythonExpression(processed)));
    } catch (e) {
      return `Error during execution: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Executes a step's calls in order. */
  executeAll(calls: readonly string[]): string[] {
    return calls.map((c) => this.execute(c));
  }

  private evaluate(e: Expr): PyValue {
    switch (e.kind) {
      case 'literal':
        return e.value;
      case 'name': {
        const value = this.lookup(e.name);
        if (value === undefined) throw nameError(`name '${e.name}' is not defined`);
        return value;
      }
      case 'attribute': {
        const owner = this.instanceNamed(e.object);
        if (owner) {
          // `instance.attr`: Python reads the instance's attribute (only public state is modelled).
          const state = owner.instance.publicState();
          if (Object.prototype.hasOwnProperty.call(state, e.name)) return state[e.name]!;
          throw attributeError(`'${owner.cls.className}' object has no attribute '${e.name}'`);
        }
        const root = rootName(e);
        if (root !== null && this.lookup(root) === undefined && !this.byInstanceName.has(root)) {
          throw nameError(`name '${root}' is not defined`);
        }
        const obj = this.evaluate(e.object);
        throw attributeError(`'${pyTypeName(obj)}' object has no attribute '${e.name}'`);
      }
      case 'call':
        return this.call(e);
      case 'subscript': {
        const obj = this.evaluate(e.object);
        return getItem(obj, this.evaluate(e.index));
      }
      case 'list':
        return e.items.map((x) => this.evaluate(x));
      case 'tuple':
        return new PyTuple(e.items.map((x) => this.evaluate(x)));
      case 'set':
        return new PySet(e.items.map((x) => this.evaluate(x)));
      case 'dict': {
        const d = new PyDict();
        for (const [k, v] of e.entries) {
          if (k === null) {
            const other = this.evaluate(v);
            if (!(other instanceof PyDict)) throw typeError(`'${pyTypeName(other)}' object is not a mapping`);
            for (const [key, value] of other) d.set(key, value);
            continue;
          }
          const key = this.evaluate(k);
          d.set(key, this.evaluate(v));
        }
        return d;
      }
      case 'not':
        return !pyTruthy(this.evaluate(e.operand));
      case 'boolean': {
        let value: PyValue = null;
        for (const operand of e.values) {
          value = this.evaluate(operand);
          if (pyTruthy(value) === (e.op === 'or')) return value;
        }
        return value;
      }
      case 'compare': {
        let left = this.evaluate(e.left);
        for (let i = 0; i < e.ops.length; i++) {
          const right = this.evaluate(e.comparators[i]!);
          if (!compareValues(e.ops[i]!, left, right)) return false;
          left = right;
        }
        return true;
      }
      case 'conditional':
        return pyTruthy(this.evaluate(e.test)) ? this.evaluate(e.body) : this.evaluate(e.orelse);
      case 'comprehension':
        return this.comprehension(e);
      case 'fstring':
        return e.parts
          .map((p) => {
            if (typeof p === 'string') return p;
            const v = this.evaluate(p.expr);
            return p.conversion === 'r' || p.conversion === 'a' ? pyRepr(v) : pyStr(v);
          })
          .join('');
      case 'unary': {
        const v = this.evaluate(e.operand);
        if (e.op === '-') return pyNeg(v);
        if (!isPyNum(v)) throw typeError(`bad operand type for unary +: '${pyTypeName(v)}'`);
        return typeof v === 'boolean' ? (v ? 1n : 0n) : v;
      }
      case 'binary': {
        const a = this.evaluate(e.left);
        const b = this.evaluate(e.right);
        switch (e.op) {
          case '+':
            return pyAdd(a, b);
          case '-':
            return pySub(a, b);
          case '*':
            return pyMul(a, b);
          case '/':
            return pyTrueDiv(a, b);
          case '//':
            return pyFloorDiv(a, b);
          case '%':
            return pyMod(a, b);
        }
      }
    }
  }

  /** The instance an expression names (a name that is an instance's global in the original), or undefined. */
  private instanceNamed(e: Expr): Owner | undefined {
    return e.kind === 'name' && this.lookup(e.name) === undefined ? this.byInstanceName.get(e.name) : undefined;
  }

  /** A comprehension variable (innermost first), or undefined. */
  private lookup(name: string): PyValue | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const value = this.scopes[i]!.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /**
   * Python evaluates the callee (name or attribute lookup) before the arguments: `instance.method(...)` is an API
   * call, a builtin's name calls the builtin, `value.method(...)` a method of a str, list or dict.
   */
  private call(e: Extract<Expr, { kind: 'call' }>): PyValue {
    const callee = e.callee;
    const args = (): PyValue[] => e.args.map((a) => this.evaluate(a));
    const keywords = (): Array<readonly [string, PyValue]> => e.keywords.map(([k, v]) => [k, this.evaluate(v)] as const);
    if (callee.kind === 'attribute') {
      const owner = this.instanceNamed(callee.object);
      if (owner) {
        if (!owner.cls.methods.has(callee.name)) {
          throw attributeError(`'${owner.cls.className}' object has no attribute '${callee.name}'`);
        }
        return invokeMethod(owner.cls, owner.instance, callee.name, args(), keywords());
      }
      const method = valueMethod(this.evaluate(callee.object), callee.name);
      return method(args(), keywords());
    }
    if (callee.kind === 'name' && this.lookup(callee.name) === undefined && isBuiltinFunction(callee.name)) {
      return callBuiltin(callee.name, args(), keywords());
    }
    // Anything else: Python fails evaluating the callee (a bare name is not defined), or calling its value.
    const value = this.evaluate(callee);
    throw typeError(`'${pyTypeName(value)}' object is not callable`);
  }

  /** `[x for ...]` and the like: variables live in a scope of their own; the first iterable is read outside it. */
  private comprehension(e: Extract<Expr, { kind: 'comprehension' }>): PyValue {
    const items: PyValue[] = [];
    const dict = new PyDict();
    const scope = new Map<string, PyValue>();
    const first = this.evaluate(e.generators[0]!.iter);
    const run = (g: number): void => {
      if (g === e.generators.length) {
        if (e.type === 'dict') dict.set(this.evaluate(e.element), this.evaluate(e.value!));
        else items.push(this.evaluate(e.element));
        return;
      }
      const clause = e.generators[g]!;
      for (const item of pyIter(g === 0 ? first : this.evaluate(clause.iter))) {
        bindTarget(scope, clause.target, item);
        if (clause.ifs.every((c) => pyTruthy(this.evaluate(c)))) run(g + 1);
      }
    };
    this.scopes.push(scope);
    try {
      run(0);
    } finally {
      this.scopes.pop();
    }
    if (e.type === 'dict') return dict;
    return e.type === 'set' ? new PySet(items) : items;
  }
}

/**
 * The name the original checks against its block list: the rewritten text before the first "(", then the part
 * after the first ".".
 */
function blockedName(processed: string): string {
  let head = processed.includes('(') ? processed.split('(')[0]! : processed;
  if (head.includes('.')) head = head.split('.')[1]!;
  return head;
}

/** Assigns a comprehension's loop value to its target (a name, or a tuple unpacked as Python does). */
function bindTarget(scope: Map<string, PyValue>, target: Expr, value: PyValue): void {
  if (target.kind === 'name') {
    scope.set(target.name, value);
    return;
  }
  if (target.kind !== 'tuple') throw new Error(`not a comprehension target: ${target.kind}`);
  if (!(Array.isArray(value) || value instanceof PyTuple || typeof value === 'string' || value instanceof PyDict || value instanceof PySet)) {
    throw typeError(`cannot unpack non-iterable ${pyTypeName(value)} object`);
  }
  const items = pyIter(value);
  const n = target.items.length;
  if (items.length < n) throw valueError(`not enough values to unpack (expected ${n}, got ${items.length})`);
  if (items.length > n) throw valueError(`too many values to unpack (expected ${n})`);
  target.items.forEach((t, i) => bindTarget(scope, t, items[i]!));
}

function rootName(e: Expr): string | null {
  let cur: Expr = e;
  while (cur.kind === 'attribute') cur = cur.object;
  return cur.kind === 'name' ? cur.name : null;
}
