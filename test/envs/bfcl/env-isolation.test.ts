import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BfclEnv, type BfclEnvOptions } from '../../../src/envs/bfcl/env.js';
import { findEntry } from '../../../src/envs/bfcl/data.js';

/**
 * Episodes whose results depend on the process state the original shares across entries: a tweet posted without
 * mentions stores post_tweet's default list, `mention` extends it, and every later default-mention tweet shows it;
 * in long-context mode TravelAPI's filler cards are shared dicts, so a booking lowers a balance other episodes read.
 */
const call = (name: string, args: Record<string, unknown>): string =>
  `<tool_call>\n${JSON.stringify({ name, arguments: args })}\n</tool_call>`;

interface Episode {
  readonly id: string;
  /** Assistant messages in order; a message without calls answers the current question. */
  readonly steps: readonly string[];
}

const MENTIONER: Episode = {
  id: 'multi_turn_base_5',
  steps: [
    call('post_tweet', { content: 'first' }) + call('mention', { tweet_id: 0, mentioned_usernames: ['@bob'] }),
    'Posted.',
    'Next.',
    'Next.',
    'Next.',
  ],
};
const POSTER: Episode = {
  id: 'multi_turn_base_5',
  steps: [call('post_tweet', { content: 'second', tags: ['#x'] }), 'Done.', 'Next.', 'Next.', 'Next.'],
};
/** A long-context travel entry: book with the filler card, then read the card list. */
const TOKEN = 'abc123xyz';
const FILLER_CARD = '1234567812345678';
const BOOKER: Episode = {
  id: 'multi_turn_long_context_151',
  steps: [
    call('book_flight', {
      access_token: TOKEN,
      card_id: FILLER_CARD,
      travel_date: '2024-11-15',
      travel_from: 'SFO',
      travel_to: 'ORD',
      travel_class: 'economy',
    }) + call('get_credit_card_balance', { access_token: TOKEN, card_id: FILLER_CARD }),
    'Booked.',
  ],
};

/** Everything an episode produced: each step's messages, then the evaluation's results and verdicts. */
type Transcript = string[];

/** Plays episodes round-robin, one step each, on their own env instances (one env when `envs` is 1). */
function play(episodes: readonly Episode[], options: BfclEnvOptions, envCount: number): Transcript[] {
  const envs = Array.from({ length: envCount }, () => new BfclEnv(options));
  const transcripts: Transcript[] = episodes.map(() => []);
  const live = episodes.map((e, i) => {
    const env = envs[i % envCount]!;
    return { env, episode: e, next: 0, done: false, started: false, index: i };
  });
  const finish = (l: (typeof live)[number]): void => {
    const ev = l.env.evaluate();
    transcripts[l.index]!.push(JSON.stringify({ score: ev.score, error: ev.verdict.errorType, results: ev.verdict.modelResults }));
    l.done = true;
  };
  // With one env per episode the episodes interleave step by step; with fewer, each runs to its end in turn.
  const interleave = envCount >= episodes.length;
  for (;;) {
    const active = live.filter((l) => !l.done);
    if (active.length === 0) break;
    for (const l of interleave ? active : active.slice(0, 1)) {
      if (!l.started) {
        l.started = true;
        transcripts[l.index]!.push(...l.env.reset(findEntry(l.episode.id)!).messages.map((m) => m.content));
        continue;
      }
      const step = l.env.step(l.episode.steps[l.next++] ?? 'Done.');
      transcripts[l.index]!.push(...step.messages.map((m) => m.content));
      if (step.done) finish(l);
    }
  }
  return transcripts;
}

const EPISODES = [MENTIONER, POSTER, BOOKER, POSTER, BOOKER];

test('BfclEnv episodes start from a fresh state: the same results in two orders and interleaved', () => {
  const forward = play(EPISODES, {}, 1);
  const backward = play([...EPISODES].reverse(), {}, 1).reverse();
  const interleaved = play(EPISODES, {}, EPISODES.length);
  assert.deepEqual(backward, forward);
  assert.deepEqual(interleaved, forward);
  // The poster's tweet has its own tags and the fresh empty default mentions, whoever ran first.
  assert.ok(forward[1]!.some((m) => m.includes('"content": "second", "tags": ["#x"], "mentions": []')));
});

test('with sharedProcessState the original carry-over shows: a mention changes a later default, a booking a balance', () => {
  const shared = { sharedProcessState: true };
  const [, poster, firstBooking, secondBooking] = play([MENTIONER, POSTER, BOOKER, BOOKER], shared, 1);
  // (The mentioner's evaluation ran its calls again, so the default list may hold more than one mention.)
  assert.ok(poster!.some((m) => m.includes('"content": "second", "tags": ["#x"], "mentions": ["@bob"')));
  const balance = (t: Transcript): string => t.find((m) => m.startsWith('{"card_balance"'))!;
  assert.notEqual(balance(secondBooking!), balance(firstBooking!));
  const fresh = play([BOOKER, BOOKER], {}, 1);
  assert.equal(balance(fresh[1]!), balance(fresh[0]!));
  assert.equal(balance(fresh[0]!), balance(firstBooking!));
});
