import { asDict, asList, asStr, getItem, listRemove, pyIn, pyIter } from '../python/builtins.js';
import { pyAdd, pyInt, pyLen } from '../python/ops.js';
import { PyDict, deepCopy, pyEq, pyStr, pyTruthy, typeError, type PyValue } from '../python/value.js';
import { defineApiClass, scenarioGet, sig, type ApiInstance } from './contract.js';
import { processStateOf, type ProcessState } from './process-state.js';

/** Port of posting_api.py (TwitterAPI): tweets, comments, retweets and follows behind a password login. */
const DEFAULT_STATE = PyDict.of({
  username: 'john',
  password: 'john123',
  authenticated: false,
  tweets: new PyDict(),
  comments: new PyDict(),
  retweets: new PyDict(),
  following_list: ['alice', 'bob'],
  tweet_counter: 0n,
});

/**
 * post_tweet's `tags=[]` and `mentions=[]` defaults are single list objects shared by every call in the process,
 * as in Python (so `mention` on a tweet posted without mentions changes the default for later tweets).
 */
const DEFAULT_TAGS: PyValue[] = [];
const DEFAULT_MENTIONS: PyValue[] = [];

export class TwitterAPI implements ApiInstance {
  username: PyValue = 'john';
  password: PyValue = 'john123';
  authenticated: PyValue = false;
  tweets: PyValue = new PyDict();
  comments: PyValue = new PyDict();
  retweets: PyValue = new PyDict();
  following_list: PyValue = [];
  tweet_counter: PyValue = 0n;

  constructor(private readonly process: ProcessState) {}

  loadScenario(scenario: PyDict): void {
    const d = deepCopy(DEFAULT_STATE);
    this.username = scenarioGet(scenario, 'username', d.getItem('username'));
    this.password = scenarioGet(scenario, 'password', d.getItem('password'));
    this.authenticated = scenarioGet(scenario, 'authenticated', d.getItem('authenticated'));
    const tweets = asDict(scenarioGet(scenario, 'tweets', d.getItem('tweets')), 'items');
    // The original converts the JSON's string keys to ints.
    this.tweets = new PyDict(tweets.entries().map(([k, v]) => [pyInt(k), v] as const));
    this.comments = scenarioGet(scenario, 'comments', d.getItem('comments'));
    this.retweets = scenarioGet(scenario, 'retweets', d.getItem('retweets'));
    this.following_list = scenarioGet(scenario, 'following_list', d.getItem('following_list'));
    this.tweet_counter = scenarioGet(scenario, 'tweet_counter', d.getItem('tweet_counter'));
  }

  publicState(): Record<string, PyValue> {
    return {
      username: this.username,
      password: this.password,
      authenticated: this.authenticated,
      tweets: this.tweets,
      comments: this.comments,
      retweets: this.retweets,
      following_list: this.following_list,
      tweet_counter: this.tweet_counter,
    };
  }

  authenticate_twitter(username: PyValue, password: PyValue): PyValue {
    if (pyEq(username, this.username) && pyEq(password, this.password)) {
      this.authenticated = true;
      return PyDict.of({ authentication_status: true });
    }
    return PyDict.of({ authentication_status: false });
  }

  posting_get_login_status(): PyValue {
    return PyDict.of({ login_status: pyTruthy(this.authenticated) });
  }

  post_tweet(content: PyValue, tags: PyValue, mentions: PyValue): PyValue {
    if (tags === DEFAULT_TAGS) tags = this.process.postTweetTags;
    if (mentions === DEFAULT_MENTIONS) mentions = this.process.postTweetMentions;
    if (!pyTruthy(this.authenticated)) {
      return PyDict.of({ error: 'User not authenticated. Please authenticate before posting.' });
    }
    const tweet = PyDict.of({ id: this.tweet_counter, username: this.username, content, tags, mentions });
    asDict(this.tweets, '__setitem__').set(this.tweet_counter, tweet);
    this.tweet_counter = pyAdd(this.tweet_counter, 1n);
    return tweet;
  }

  retweet(tweet_id: PyValue): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return PyDict.of({ error: 'User not authenticated. Please authenticate before retweeting.' });
    }
    if (!pyIn(tweet_id, this.tweets)) return PyDict.of({ error: `Tweet with ID ${pyStr(tweet_id)} not found.` });
    const retweets = asDict(this.retweets, '__setitem__');
    if (!pyIn(this.username, retweets)) retweets.set(this.username, []);
    const mine = retweets.getItem(this.username);
    if (pyIn(tweet_id, mine)) return PyDict.of({ retweet_status: 'Already retweeted' });
    asList(mine, 'append').push(tweet_id);
    return PyDict.of({ retweet_status: 'Successfully retweeted' });
  }

  comment(tweet_id: PyValue, comment_content: PyValue): PyValue {
    if (!pyTruthy(this.authenticated)) {
      // The original `raise`s a dict here, which Python rejects with this TypeError.
      throw typeError('exceptions must derive from BaseException');
    }
    if (!pyIn(tweet_id, this.tweets)) return PyDict.of({ error: `Tweet with ID ${pyStr(tweet_id)} not found.` });
    const comments = asDict(this.comments, '__setitem__');
    if (!pyIn(tweet_id, comments)) comments.set(tweet_id, []);
    asList(comments.getItem(tweet_id), 'append').push(PyDict.of({ username: this.username, content: comment_content }));
    return PyDict.of({ comment_status: 'Comment added successfully' });
  }

  mention(tweet_id: PyValue, mentioned_usernames: PyValue): PyValue {
    if (!pyIn(tweet_id, this.tweets)) return PyDict.of({ error: `Tweet with ID ${pyStr(tweet_id)} not found.` });
    const tweet = getItem(this.tweets, tweet_id);
    asList(getItem(tweet, 'mentions'), 'extend').push(...pyIter(mentioned_usernames));
    return PyDict.of({ mention_status: 'Users mentioned successfully' });
  }

  follow_user(username_to_follow: PyValue): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return PyDict.of({ error: 'User not authenticated. Please authenticate before following.' });
    }
    if (pyIn(username_to_follow, this.following_list)) return PyDict.of({ follow_status: false });
    asList(this.following_list, 'append').push(username_to_follow);
    return PyDict.of({ follow_status: true });
  }

  list_all_following(): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return PyDict.of({ error: 'User not authenticated. Please authenticate before listing following.' });
    }
    return this.following_list;
  }

  unfollow_user(username_to_unfollow: PyValue): PyValue {
    if (!pyTruthy(this.authenticated)) {
      return PyDict.of({ error: 'User not authenticated. Please authenticate before unfollowing.' });
    }
    if (!pyIn(username_to_unfollow, this.following_list)) return PyDict.of({ unfollow_status: false });
    listRemove(asList(this.following_list, 'remove'), username_to_unfollow);
    return PyDict.of({ unfollow_status: true });
  }

  get_tweet(tweet_id: PyValue): PyValue {
    if (!pyIn(tweet_id, this.tweets)) return PyDict.of({ error: `Tweet with ID ${pyStr(tweet_id)} not found.` });
    return getItem(this.tweets, tweet_id);
  }

  get_user_tweets(username: PyValue): PyValue {
    return asDict(this.tweets, 'values')
      .values()
      .filter((t) => pyEq(getItem(t, 'username'), username));
  }

  search_tweets(keyword: PyValue): PyValue {
    return asDict(this.tweets, 'values')
      .values()
      .filter((t) => {
        const k = asStr(keyword, 'lower').toLowerCase();
        if (asStr(getItem(t, 'content'), 'lower').toLowerCase().includes(k)) return true;
        return pyIter(getItem(t, 'tags')).some((tag) => asStr(tag, 'lower').toLowerCase() === k);
      });
  }

  get_tweet_comments(tweet_id: PyValue): PyValue {
    if (!pyIn(tweet_id, this.tweets)) return PyDict.of({ error: `Tweet with ID ${pyStr(tweet_id)} not found.` });
    return asDict(this.comments, 'get').get(tweet_id) ?? [];
  }

  get_user_stats(username: PyValue): PyValue {
    const tweetCount = asDict(this.tweets, 'values')
      .values()
      .filter((t) => pyEq(getItem(t, 'username'), username)).length;
    const followingCount = pyEq(username, this.username) ? pyLen(this.following_list) : 0n;
    const retweets = asDict(this.retweets, 'get').get(username) ?? [];
    return PyDict.of({
      tweet_count: BigInt(tweetCount),
      following_count: followingCount,
      retweet_count: pyLen(retweets),
    });
  }
}

export const TwitterApiClass = defineApiClass({
  className: 'TwitterAPI',
  create: (context) => new TwitterAPI(processStateOf(context)),
  prototype: TwitterAPI.prototype,
  methods: {
    authenticate_twitter: sig('username', 'password'),
    comment: sig('tweet_id', 'comment_content'),
    follow_user: sig('username_to_follow'),
    get_tweet: sig('tweet_id'),
    get_tweet_comments: sig('tweet_id'),
    get_user_stats: sig('username'),
    get_user_tweets: sig('username'),
    list_all_following: sig(),
    mention: sig('tweet_id', 'mentioned_usernames'),
    post_tweet: sig('content', ['tags', DEFAULT_TAGS], ['mentions', DEFAULT_MENTIONS]),
    posting_get_login_status: sig(),
    retweet: sig('tweet_id'),
    search_tweets: sig('keyword'),
    unfollow_user: sig('username_to_unfollow'),
  },
});
