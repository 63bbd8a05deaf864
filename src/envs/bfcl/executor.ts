import { API_CLASSES } from './apis/index.js';
import { invokeMethod, resultString, type ApiClass, type ApiContext, type ApiInstance } from './apis/contract.js';
import { parsePythonExpression, type Expr } from './call-parser.js';
import { getItem } from './python/builtins.js';
import { pyAdd, pyFloorDiv, pyMod, pyMul, pyNeg, pySub, pyTrueDiv, isPyNum } from './python/ops.js';
import {
  PyDict,
  PyException,
  PySet,
  PyTuple,
  attributeError,
  deepCopy,
  nameError,
  pyTypeName,
  typeError,
  type PyValue,
} from './python/value.js';

/**
 * Port of multi_turn_utils.execute_multi_turn_func_call: the instances of one entry's involved classes (created
 * once, loaded with the entry's initial config, kept across turns) and the execution of call strings against them.
 *
 * Method names resolve as in the original: every public method of every involved class is callable by its bare
 * name, a later class in `involved_classes` shadowing an earlier one; any other name is Python's NameError.
 */
const BLOCKED = new Set(['kill', 'exit', 'quit', 'remove', 'unlink', 'popen', 'Popen', 'run']);
const CALL_NAME = /\b([a-zA-Z_]\w*)\s*(?=\()/g;

export interface SessionOptions {
  readonly involvedClasses: readonly string[];
  /** The entry's `initial_config` (class name → config). */
  readonly initialConfig: PyDict;
  readonly longContext: boolean;
  readonly context: ApiContext;
  /** Class registry; defaults to all ported classes. */
  readonly registry?: ReadonlyMap<string, ApiClass>;
}

export class ApiSession {
  /** Instances by class name, in `involved_classes` order. */
  readonly instances = new Map<string, ApiInstance>();
  private readonly owners = new Map<string, { cls: ApiClass; instance: ApiInstance }>();

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
      for (const name of cls.methods.keys()) this.owners.set(name, { cls, instance });
    }
  }

  /** The public method names callable in this session. */
  methodNames(): string[] {
    return [...this.owners.keys()];
  }

  /** Executes one call string and returns the result text the model sees (errors included, never thrown). */
  execute(call: string): string {
    try {
      const blocked = this.blockedName(call);
      if (BLOCKED.has(blocked)) throw new PyException('Exception', `Function call ${blocked} is not allowed.`);
      return resultString(this.evaluate(parsePythonExpression(call)));
    } catch (e) {
      return `Error during execution: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Executes a step's calls in order. */
  executeAll(calls: readonly string[]): string[] {
    return calls.map((c) => this.execute(c));
  }

  /**
   * The name the original checks against its block list: the text before the first "(" after method names were
   * prefixed with their instance, then the part after the first ".".
   */
  private blockedName(call: string): string {
    const processed = call.replace(CALL_NAME, (_m, name: string) => (this.owners.has(name) ? `instance.${name}` : name));
    let head = processed.includes('(') ? processed.split('(')[0]! : processed;
    if (head.includes('.')) head = head.split('.')[1]!;
    return head;
  }

  private evaluate(e: Expr): PyValue {
    switch (e.kind) {
      case 'literal':
        return e.value;
      case 'name':
        throw nameError(`name '${e.name}' is not defined`);
      case 'attribute': {
        const root = rootName(e);
        if (root !== null) throw nameError(`name '${root}' is not defined`);
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
          const key = this.evaluate(k);
          d.set(key, this.evaluate(v));
        }
        return d;
      }
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

  private call(e: Extract<Expr, { kind: 'call' }>): PyValue {
    if (e.callee.kind !== 'name') {
      // `x.method(...)`: Python fails looking up the root name (instances are not reachable by any other name).
      this.evaluate(e.callee);
      throw typeError(`object is not callable`);
    }
    const owner = this.owners.get(e.callee.name);
    if (!owner) throw nameError(`name '${e.callee.name}' is not defined`);
    const args = e.args.map((a) => this.evaluate(a));
    const keywords = e.keywords.map(([k, v]) => [k, this.evaluate(v)] as const);
    return invokeMethod(owner.cls, owner.instance, e.callee.name, args, keywords);
  }
}

function rootName(e: Expr): string | null {
  let cur: Expr = e;
  while (cur.kind === 'attribute') cur = cur.object;
  return cur.kind === 'name' ? cur.name : null;
}
