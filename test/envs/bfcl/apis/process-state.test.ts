import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOLDEN_DATE, fixedClock } from '../../../../src/envs/bfcl/apis/contract.js';
import { CREDIT_CARD_EXTENSION } from '../../../../src/envs/bfcl/apis/long-context.js';
import { PROCESS_STATE, ProcessState } from '../../../../src/envs/bfcl/apis/process-state.js';
import { findEntry } from '../../../../src/envs/bfcl/data.js';
import { ApiSession } from '../../../../src/envs/bfcl/executor.js';
import { PyDict, pyEq } from '../../../../src/envs/bfcl/python/value.js';

function twitterSession(process?: ProcessState): ApiSession {
  const entry = findEntry('multi_turn_base_5')!;
  return new ApiSession({
    involvedClasses: entry.involvedClasses,
    initialConfig: entry.initialConfig,
    longContext: false,
    context: process ? { clock: fixedClock(GOLDEN_DATE), process } : { clock: fixedClock(GOLDEN_DATE) },
  });
}

test('post_tweet defaults live in the session’s process state: shared by default, separate per fresh state', () => {
  const mention = "mention(tweet_id=0, mentioned_usernames=['@a'])";
  const mine = ProcessState.fresh();
  const a = twitterSession(mine);
  a.execute("post_tweet(content='x')");
  a.execute(mention);
  assert.deepEqual(mine.postTweetMentions, ['@a']);
  // Another session on the same state sees the extended default; one on a fresh state or the process-wide one not.
  assert.match(twitterSession(mine).execute("post_tweet(content='y')"), /"mentions": \["@a"\]\}$/);
  assert.match(twitterSession(ProcessState.fresh()).execute("post_tweet(content='y')"), /"mentions": \[\]\}$/);
  assert.deepEqual(PROCESS_STATE.postTweetMentions, []);
  // A snapshot copies the current values and then goes its own way.
  const copy = mine.snapshot();
  const b = twitterSession(copy);
  b.execute("post_tweet(content='z')");
  b.execute(mention);
  assert.deepEqual(copy.postTweetMentions, ['@a', '@a']);
  assert.deepEqual(mine.postTweetMentions, ['@a']);
});

test('fresh states copy the long-context dicts the classes mutate; the module values stay as loaded', () => {
  const s = ProcessState.fresh();
  assert.ok(pyEq(s.creditCardExtension, CREDIT_CARD_EXTENSION));
  const card = s.creditCardExtension.get('1234567812345678') as PyDict;
  assert.notEqual(card, CREDIT_CARD_EXTENSION.get('1234567812345678'));
  card.set('balance', 0.0);
  assert.equal((CREDIT_CARD_EXTENSION.get('1234567812345678') as PyDict).get('balance'), 5000.0);
});
