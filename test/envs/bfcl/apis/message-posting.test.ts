import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOLDEN_DATE, fixedClock } from '../../../../src/envs/bfcl/apis/contract.js';
import { ApiSession } from '../../../../src/envs/bfcl/executor.js';
import { jsonLoads } from '../../../../src/envs/bfcl/python/json.js';
import { PyDict, pyRepr } from '../../../../src/envs/bfcl/python/value.js';

/**
 * MessageAPI and TwitterAPI on a hand-made scenario (seeded message ids, list-valued inbox content, duplicate
 * messages, the shared `mentions=[]` default of post_tweet). Expected strings printed by the original classes
 * through execute_multi_turn_func_call (CPython 3.11.7), same calls in the same order.
 */
const CONFIG = {"MessageAPI": {"random_seed": 1234, "user_count": 3, "user_map": {"Ann": "USR001", "Ben": "USR002", "Cy": "USR003"}, "inbox": [{"USR002": "Hello Ben"}, {"USR003": ["list content"]}, {"USR002": "Hello Ben"}], "message_count": 3, "current_user": null}, "TwitterAPI": {"username": "john", "password": "pw", "authenticated": false, "tweets": {"0": {"id": 0, "username": "john", "content": "Budget day", "tags": ["#Money"], "mentions": []}}, "tweet_counter": 1}};

const CASES: Array<[string, string]> = [
  ["send_message(receiver_id='USR002', message='x')", "{\"error\": \"No user is currently logged in.\"}"],
  ["message_login(user_id='USR001')", "{\"login_status\": true, \"message\": \"User 'USR001' logged in successfully.\"}"],
  ["message_get_login_status()", "{\"login_status\": true}"],
  ["send_message(receiver_id='USR002', message='Again')", "{\"sent_status\": true, \"message_id\": {\"new_id\": 67767}, \"message\": \"Message sent to 'USR002' successfully.\"}"],
  ["send_message(receiver_id='USR009', message='x')", "{\"error\": \"Receiver ID 'USR009' not found.\"}"],
  ["view_messages_sent()", "{\"messages\": {\"USR002\": [\"Hello Ben\", \"Hello Ben\", \"Again\"], \"USR003\": [[\"list content\"]]}}"],
  ["search_messages(keyword='hello')", "Error during execution: 'list' object has no attribute 'lower'"],
  ["get_message_stats()", "{\"stats\": {\"received_count\": 4, \"total_contacts\": 2}}"],
  ["delete_message(receiver_id='USR002')", "{\"deleted_status\": true, \"message_id\": \"USR002\", \"message\": \"Receiver USR002's first message deleted successfully.\"}"],
  ["add_contact(user_name='Dee')", "{\"added_status\": true, \"user_id\": \"USR004\", \"message\": \"Contact 'Dee' added successfully.\"}"],
  ["add_contact(user_name='Ann')", "{\"error\": \"User name 'Ann' already exists.\"}"],
  ["get_user_id(user='Dee')", "{\"user_id\": \"USR004\"}"],
  ["get_user_id(user='Zed')", "{\"error\": \"User 'Zed' not found in the workspace.\"}"],
  ["list_users()", "{\"user_list\": [\"Ann\", \"Ben\", \"Cy\", \"Dee\"]}"],
  ["comment(tweet_id=0, comment_content='c')", "Error during execution: exceptions must derive from BaseException"],
  ["authenticate_twitter(username='john', password='pw')", "{\"authentication_status\": true}"],
  ["comment(tweet_id=0, comment_content='c')", "{\"comment_status\": \"Comment added successfully\"}"],
  ["post_tweet(content='second')", "{\"id\": 1, \"username\": \"john\", \"content\": \"second\", \"tags\": [], \"mentions\": []}"],
  ["mention(tweet_id=1, mentioned_usernames=['ann'])", "{\"mention_status\": \"Users mentioned successfully\"}"],
  ["post_tweet(content='third')", "{\"id\": 2, \"username\": \"john\", \"content\": \"third\", \"tags\": [], \"mentions\": [\"ann\"]}"],
  ["get_tweet(tweet_id=2)", "{\"id\": 2, \"username\": \"john\", \"content\": \"third\", \"tags\": [], \"mentions\": [\"ann\"]}"],
  ["search_tweets(keyword='#money')", "[{'id': 0, 'username': 'john', 'content': 'Budget day', 'tags': ['#Money'], 'mentions': []}]"],
  ["retweet(tweet_id=0)", "{\"retweet_status\": \"Successfully retweeted\"}"],
  ["retweet(tweet_id=0)", "{\"retweet_status\": \"Already retweeted\"}"],
  ["get_user_stats(username='john')", "{\"tweet_count\": 3, \"following_count\": 2, \"retweet_count\": 1}"],
  ["follow_user(username_to_follow='bob')", "{\"follow_status\": false}"],
  ["unfollow_user(username_to_unfollow='alice')", "{\"unfollow_status\": true}"],
  ["list_all_following()", "['bob']"],
  ["get_tweet_comments(tweet_id=0)", "[{'username': 'john', 'content': 'c'}]"],
  ["get_user_tweets(username='john')", "[{'id': 0, 'username': 'john', 'content': 'Budget day', 'tags': ['#Money'], 'mentions': []}, {'id': 1, 'username': 'john', 'content': 'second', 'tags': [], 'mentions': ['ann']}, {'id': 2, 'username': 'john', 'content': 'third', 'tags': [], 'mentions': ['ann']}]"],
  ["search_messages(keyword='list')", "Error during execution: 'list' object has no attribute 'lower'"],
];

test('MessageAPI and TwitterAPI reproduce the original results and final states', () => {
  const session = new ApiSession({
    involvedClasses: ['MessageAPI', 'TwitterAPI'],
    initialConfig: jsonLoads(JSON.stringify(CONFIG)) as PyDict,
    longContext: false,
    context: { clock: fixedClock(GOLDEN_DATE) },
  });
  for (const [call, want] of CASES) assert.equal(session.execute(call), want, call);
  assert.equal(
    pyRepr(PyDict.of(session.instances.get('MessageAPI')!.publicState())),
    "{'generated_ids': {67767}, 'user_count': 4, 'user_map': {'Ann': 'USR001', 'Ben': 'USR002', 'Cy': 'USR003', 'Dee': 'USR004'}, 'inbox': [{'USR002': 'Hello Ben'}, {'USR003': ['list content']}, {'USR002': 'Hello Ben'}], 'message_count': 4, 'current_user': 'USR001'}",
  );
  assert.equal(
    pyRepr(PyDict.of(session.instances.get('TwitterAPI')!.publicState())),
    "{'username': 'john', 'password': 'pw', 'authenticated': True, 'tweets': {0: {'id': 0, 'username': 'john', 'content': 'Budget day', 'tags': ['#Money'], 'mentions': []}, 1: {'id': 1, 'username': 'john', 'content': 'second', 'tags': [], 'mentions': ['ann']}, 2: {'id': 2, 'username': 'john', 'content': 'third', 'tags': [], 'mentions': ['ann']}}, 'comments': {0: [{'username': 'john', 'content': 'c'}]}, 'retweets': {'john': [0]}, 'following_list': ['bob'], 'tweet_counter': 3}",
  );
});
