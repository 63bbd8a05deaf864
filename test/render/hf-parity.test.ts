import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatTemplate } from '../../src/render/hf-template.js';
import { CONVERSATIONS, KWARG_VARIANTS, TOOLS } from './hf-cases.js';
import { DEEPSEEK_V3_DIR, oracleUnavailable, QWEN3_DIR, renderWithPython, type OracleCase, type OracleResult } from './hf-oracle.js';

// Parity of the hf renderer's template rendering with Python's Jinja2 rendering as transformers does it
// (test/render/hf_oracle.py). Needs python3-jinja2 (CI installs it); skipped with the reason where it is missing.
const unavailable = oracleUnavailable();

function casesFor(kwargVariants: ReadonlyArray<Record<string, unknown>>): Array<OracleCase & { name: string }> {
  const cases: Array<OracleCase & { name: string }> = [];
  for (const conv of CONVERSATIONS) {
    for (const tools of [undefined, TOOLS]) {
      for (const agp of [false, true]) {
        for (const kwargs of kwargVariants) {
          const c: OracleCase & { name: string } = {
            name: `${conv.name}${tools ? ', tools' : ''}${agp ? ', generation prompt' : ''}${Object.keys(kwargs).length ? ` ${JSON.stringify(kwargs)}` : ''}`,
            messages: conv.messages,
            add_generation_prompt: agp,
            kwargs: kwargs as OracleCase['kwargs'],
          };
          if (tools) c.tools = tools;
          cases.push(c);
        }
      }
    }
  }
  return cases;
}

function renderWithJs(template: ChatTemplate, c: OracleCase): OracleResult {
  try {
    return { text: template.render(c.messages, { tools: c.tools, addGenerationPrompt: c.add_generation_prompt, kwargs: c.kwargs ?? {} }) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Compares both renderings of every case; returns the counts, and the names of cases that differ. */
function compare(dir: string, cases: ReadonlyArray<OracleCase & { name: string }>) {
  const template = ChatTemplate.fromDir(dir);
  const expected = renderWithPython(dir, cases);
  let identical = 0;
  let refusedByBoth = 0;
  const differ: string[] = [];
  cases.forEach((c, i) => {
    const py = expected[i]!;
    const js = renderWithJs(template, c);
    if ('text' in py && 'text' in js && py.text === js.text) identical++;
    else if ('error' in py && 'error' in js) refusedByBoth++;
    else differ.push(`${c.name}: python ${JSON.stringify(py).slice(0, 300)} js ${JSON.stringify(js).slice(0, 300)}`);
  });
  return { cases: cases.length, identical, refusedByBoth, differ };
}

test('Qwen 3 chat template: byte-identical to Python Jinja2 on every conversation', { skip: unavailable ?? false }, (t) => {
  const r = compare(QWEN3_DIR, casesFor(KWARG_VARIANTS));
  t.diagnostic(`qwen3: ${r.cases} renderings, ${r.identical} identical, ${r.refusedByBoth} refused by both, ${r.differ.length} different`);
  assert.deepEqual(r.differ.slice(0, 5), []);
  assert.equal(r.cases, CONVERSATIONS.length * 2 * 2 * KWARG_VARIANTS.length);
  // Qwen 3's template reads message.content as a string: the conversations with `content: null` fail in both.
  const nullContent = CONVERSATIONS.filter((c) => c.messages.some((m) => m.role === 'assistant' && m.content === null)).length;
  assert.equal(nullContent, 4);
  assert.equal(r.refusedByBoth, nullContent * 2 * 2 * KWARG_VARIANTS.length);
});

test('DeepSeek V3 chat template: byte-identical to Python Jinja2 on every conversation', { skip: unavailable ?? false }, (t) => {
  const r = compare(DEEPSEEK_V3_DIR, casesFor([{}]));
  t.diagnostic(`deepseek_v3: ${r.cases} renderings, ${r.identical} identical, ${r.refusedByBoth} refused by both, ${r.differ.length} different`);
  assert.deepEqual(r.differ.slice(0, 5), []);
  assert.equal(r.cases, CONVERSATIONS.length * 2 * 2);
});

/** Small templates that exercise what transformers adds to Jinja2 and the Python string methods templates use. */
const HELPER_TEMPLATES: ReadonlyArray<{ name: string; template: string }> = [
  { name: 'tojson with indent', template: '{{ tools | tojson(indent=2) }}|{{ messages[0] | tojson(indent=4) }}' },
  { name: 'tojson of unicode and escapes', template: '{{ messages | tojson }}' },
  { name: 'tojson separators and sort_keys', template: '{{ messages[0] | tojson(separators=(",", ":"), sort_keys=true) }}' },
  { name: 'raise_exception', template: '{% if messages[0].role != "system" %}{{ raise_exception("system message first") }}{% endif %}ok' },
  { name: 'strftime_now', template: '{{ strftime_now("%Y-%m-%d %b %B %a %A %j %y") }}' },
  { name: 'strip family with and without characters', template: '{% for m in messages %}[{{ m.content.strip() }}|{{ m.content.lstrip(" \\n") }}|{{ m.content.rstrip("\\n") }}|{{ m.content | trim }}]{% endfor %}' },
  { name: 'loop controls', template: '{% for m in messages %}{% if loop.index0 == 1 %}{% continue %}{% endif %}{% if loop.index0 > 2 %}{% break %}{% endif %}{{ m.role }};{% endfor %}' },
  { name: 'special tokens as variables', template: '{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{{ additional_special_tokens | length }}' },
];

test('the environment transformers renders in: tojson, raise_exception, strftime_now, Python string methods, loop controls, special tokens', { skip: unavailable ?? false }, (t) => {
  const messages = [
    { role: 'user', content: ' \n\t Grüße "quoted" \\ back 😀 \n ' },
    { role: 'assistant', content: '\ufeff x \u0085' },
    { role: 'tool', content: '\n\n{"a": 1}\n' },
    { role: 'user', content: 'end' },
  ];
  const cases = HELPER_TEMPLATES.map((h) => ({ name: h.name, template: h.template, messages, tools: TOOLS, add_generation_prompt: false }));
  const withSystem = { name: 'raise_exception not raised', template: HELPER_TEMPLATES[3]!.template, messages: [{ role: 'system', content: 's' }], add_generation_prompt: false };
  const all = [...cases, withSystem];
  const expected = renderWithPython(QWEN3_DIR, all);
  all.forEach((c, i) => {
    const template = new ChatTemplate(c.template, ChatTemplate.fromDir(QWEN3_DIR).specialTokens, c.name);
    const js = renderWithJs(template, c);
    const py = expected[i]!;
    if ('error' in py) {
      assert.ok('error' in js, `${c.name}: Python refused (${py.error}), we rendered ${JSON.stringify(js)}`);
      assert.match((js as { error: string }).error, /system message first/);
    } else assert.deepEqual(js, py, c.name);
  });
  t.diagnostic(`${all.length} helper templates, all identical`);
});
