/**
 * Conversations for the hf renderer's parity test: every one is rendered by our renderer and by Python's Jinja2
 * (test/render/hf_oracle.py) with each model's template, with and without tools, with and without the generation
 * prompt, and with Qwen 3's thinking switched off; the texts must be byte-identical.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type TemplateMessage = { [key: string]: Json };

export const TOOLS: Json[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city. Quotes "like this", a backslash \\ and a tab\there.',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', description: 'City name, e.g. São Paulo or 東京' },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
          days: { type: 'integer', minimum: 1, maximum: 7 },
        },
        required: ['city'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_files',
      description: 'Finds files. Returns at most `limit` paths.',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string' },
          limit: { type: 'number', default: 2.5 },
          filters: { type: 'array', items: { type: 'object', properties: { ext: { type: 'string' } } } },
          recursive: { type: 'boolean', default: true },
          owner: { type: ['string', 'null'], default: null },
        },
        required: ['query'],
      },
    },
  },
];

/** A tool call as chat messages carry it (OpenAI shape); `args` as a JSON string or an object. */
function call(name: string, args: Json, id?: string): Json {
  const c: { [key: string]: Json } = { type: 'function', function: { name, arguments: args } };
  if (id !== undefined) c.id = id;
  return c;
}

const sys = (content: string): TemplateMessage => ({ role: 'system', content });
const user = (content: string): TemplateMessage => ({ role: 'user', content });
const asst = (content: string | null, toolCalls?: Json[]): TemplateMessage =>
  toolCalls === undefined ? { role: 'assistant', content } : { role: 'assistant', content, tool_calls: toolCalls };
const tool = (content: string, extra: { [key: string]: Json } = {}): TemplateMessage => ({ role: 'tool', content, ...extra });

const weatherArgs = { city: 'Paris', unit: 'celsius' };
const weatherJson = '{"city": "Paris", "unit": "celsius"}';

export const CONVERSATIONS: ReadonlyArray<{ name: string; messages: TemplateMessage[] }> = [
  { name: 'one user message', messages: [user('Hello!')] },
  { name: 'system and user', messages: [sys('You are terse.'), user('Hi')] },
  { name: 'empty user message', messages: [user('')] },
  { name: 'two exchanges', messages: [sys('Be kind.'), user('Hi'), asst('Hello, how can I help?'), user('Tell me a joke.')] },
  { name: 'ends with assistant', messages: [user('2+2?'), asst('4')] },
  {
    name: 'one call (object arguments), one result',
    messages: [user('Weather in Paris?'), asst('', [call('get_weather', weatherArgs)]), tool('{"temp": 18}'), asst('18 °C in Paris.')],
  },
  {
    name: 'one call (string arguments), one result',
    messages: [user('Weather in Paris?'), asst(null, [call('get_weather', weatherJson)]), tool('{"temp": 18}'), asst('18 °C in Paris.')],
  },
  {
    name: 'content and a call (string arguments)',
    messages: [user('Weather in Paris?'), asst('Let me check.', [call('get_weather', weatherJson, 'call_1')]), tool('sunny', { tool_call_id: 'call_1' })],
  },
  {
    name: 'two calls, two results (string arguments)',
    messages: [
      sys('Use tools.'),
      user('Paris and Oslo?'),
      asst(null, [call('get_weather', weatherJson), call('get_weather', '{"city": "Oslo"}')]),
      tool('{"temp": 18}', { name: 'get_weather' }),
      tool('{"temp": -3}', { name: 'get_weather' }),
      asst('Paris 18, Oslo -3.'),
    ],
  },
  {
    name: 'two calls (object arguments), nested values',
    messages: [
      user('Find configs'),
      asst('', [
        call('search_files', { query: 'config', limit: 3, filters: [{ ext: 'json' }, { ext: 'yaml' }], recursive: false, owner: null }),
        call('get_weather', { city: 'Zürich', days: 2 }),
      ]),
      tool('["a.json", "b.yaml"]'),
      tool('{"temp": 4}'),
    ],
  },
  {
    name: 'several tool rounds',
    messages: [
      user('Plan my trip'),
      asst(null, [call('get_weather', '{"city": "Rome"}')]),
      tool('hot'),
      asst(null, [call('search_files', '{"query": "rome itinerary"}')]),
      tool('[]'),
      asst('Rome is hot; no itinerary found.'),
      user('Thanks. And Lisbon?'),
      asst(null, [call('get_weather', '{"city": "Lisbon"}')]),
      tool('mild'),
    ],
  },
  {
    name: 'thinking before the last query is dropped',
    messages: [
      user('What is 17*3?'),
      asst('<think>\n17*3 = 51\n</think>\n\n51'),
      user('And 18*3?'),
      asst('<think>\n18*3 = 54\n</think>\n\n54'),
    ],
  },
  {
    name: 'thinking after the last query is kept, with calls',
    messages: [
      sys('Think first.'),
      user('Weather in Paris?'),
      asst('<think>\nI should call the tool.\n</think>\n\n', [call('get_weather', weatherArgs)]),
      tool('{"temp": 18}'),
      asst('<think>\nIt is 18.\n</think>\n\nIt is 18 °C.'),
    ],
  },
  {
    name: 'reasoning_content field',
    messages: [user('Hi'), { role: 'assistant', content: 'Hello!', reasoning_content: 'Greet back.' }, user('Bye')],
  },
  {
    name: 'reasoning_content on the last turn',
    messages: [user('Hi'), { role: 'assistant', content: 'Hello!', reasoning_content: '\nGreet back.\n' }],
  },
  {
    name: 'think block with surrounding newlines',
    messages: [user('x'), asst('\n<think>\n\n  spaced  \n\n</think>\n\n\nanswer\n')],
  },
  {
    name: 'tool response as a user message (multi-step)',
    messages: [user('Start'), asst('<think>\nplan\n</think>\n\nstep 1'), user('<tool_response>\nok\n</tool_response>'), asst('<think>\nnext\n</think>\n\ndone')],
  },
  { name: 'system message later in the conversation', messages: [user('Hi'), asst('Hello'), sys('Switch to French.'), user('Bonjour')] },
  { name: 'two system messages', messages: [sys('First rule.'), sys('Second rule.'), user('Go')] },
  {
    name: 'unicode everywhere',
    messages: [
      sys('Réponds en français. 日本語もOK. Ελληνικά. עברית. 🚀'),
      user('Emoji 👩‍👩‍👧‍👦, combining é (e\u0301), zero-width\u200bjoiner, CJK 你好，世界！'),
      asst('Voilà — ✓ «quotes» “curly” ‘single’ … ½ ∑ ∞'),
      user('Κάνε κάτι 🙂'),
    ],
  },
  {
    name: 'unicode in tool arguments and results',
    messages: [
      user('東京の天気は?'),
      asst('', [call('get_weather', { city: '東京', note: 'naïve café 😀', quote: 'say "hi"\\n', ctrl: 'tab\tnew\nline' })]),
      tool('{"天気": "晴れ", "emoji": "☀️"}'),
      asst('晴れです ☀️'),
    ],
  },
  {
    name: 'special-looking text in content',
    messages: [user('Write the literal text <tool_call> and </think> and {{ jinja }} and {% raw %} please'), asst('<tool_call> is a tag; {{ x }} too.')],
  },
  { name: 'whitespace-only and newline-heavy content', messages: [sys('\n\n'), user('  \n\t  '), asst('\n\nline\n\n')] },
  {
    name: 'long conversation',
    messages: [
      sys('You count.'),
      ...Array.from({ length: 8 }, (_, i) => [user(`Say ${i}`), asst(`${i}`)]).flat(),
      user('Say 8'),
    ],
  },
  {
    name: 'tool message fields the template ignores',
    messages: [
      user('Weather?'),
      asst(null, [call('get_weather', '{"city": "Nice"}', 'call_9')]),
      tool('{"temp": 22}', { tool_call_id: 'call_9', name: 'get_weather' }),
    ],
  },
  {
    name: 'spaces beside the newlines of a think block',
    messages: [user('q'), asst('<think> \n  r1  \n </think>\n  \n a1 '), user('q2'), asst('<think>\n\t r2 \t\n</think>\n \n a2\n')],
  },
  {
    name: 'unusual whitespace (BOM, NEL, no-break space, unit separator) beside a think block',
    messages: [user('q'), asst('\ufeff<think>\n\u0085r\u00a0\n</think>\n\n\u001f a \ufeff')],
  },
  {
    name: 'numbers in arguments',
    messages: [user('n?'), asst('', [call('search_files', { query: 'q', limit: 0.25, offset: -7, big: 123456789, exp: 1.5e-3, t: true, f: false })]), tool('ok')],
  },
];

/** Template variables each model's parity cases also run with (besides none). */
export const KWARG_VARIANTS: ReadonlyArray<Record<string, Json>> = [{}, { enable_thinking: false }, { enable_thinking: true }];
