#!/usr/bin/env python3
"""Model-like BFCL multi-turn outputs, replayed through the Python original: the fixtures of test/envs/bfcl/fuzz.test.ts.

Usage: python3 scripts/bfcl-fuzz.py [--shared ../shared/bfcl] [--seed 0] [--per-category 100] [--out FILE]
       python3 scripts/bfcl-fuzz.py --exact [--out FILE]     (the hand-written cases of EXACT_CASES)

(It re-runs itself with TZ=UTC and PYTHONHASHSEED=0, so the output is the same on every run.)

Generates, from the ground truth of each category's entries, what models write (deterministic for a seed): calls
split over several steps, exploratory calls, turns that fail followed by more turns, positional arguments (in order
and swapped), Python keywords as argument names, spaces and method names before "(" inside string arguments and
before a call's "(", post_tweet without tags/mentions followed by mention (the shared default lists carry over to
later lines), long-context bookings on the shared filler cards, comprehensions, builtins and other Python around
an API call, blocked names, missing turns. Then replays every line in order in ONE process, as `seeupo bfcl replay`
does with a whole file, with model name "seeupo" and "today" pinned to 2026-11-25, and writes one JSON line per
case: {"category", "id", "kind", "model", "results", "valid", "error_type"}. Results are the strings (longer than
200 characters: {"sha256", "bytes"} of their UTF-8). They follow the replay contract: up to the failing turn the
checker's own execution; after it, and for a force-terminated line, an execution that restores the shared objects
afterwards (`bfcl replay` computes those on a copy).

Needs python3 and mpmath only (the reference's requirements).
"""
import ast
import copy
import datetime as _dt
import contextlib
import hashlib
import inspect
import io
import json
import os
import random
import sys

ARGS = sys.argv[1:]

if os.environ.get("TZ") != "UTC" or os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "TZ": "UTC", "PYTHONHASHSEED": "0"})


def arg(name, default):
    return ARGS[ARGS.index(name) + 1] if name in ARGS else default


HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.abspath(arg("--shared", os.path.join(HERE, "..", "..", "shared", "bfcl")))
SEED = int(arg("--seed", "0"))
PER_CATEGORY = int(arg("--per-category", "100"))
EXACT = "--exact" in ARGS
OUT = arg("--out", os.path.join(HERE, "..", "test", "fixtures", "bfcl-fuzz", "exact.jsonl" if EXACT else "cases.jsonl"))
MODEL = "seeupo"
CATEGORIES = ["base", "miss_func", "miss_param", "long_context"]

sys.path.insert(0, os.path.join(SHARED, "reference"))
from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING  # noqa: E402
from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_checker as checker_module  # noqa: E402
from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils  # noqa: E402
from bfcl_eval.eval_checker.multi_turn_eval.func_source_code import long_context, posting_api, travel_booking  # noqa: E402
import importlib  # noqa: E402


class PinnedDatetime(_dt.datetime):
    """TravelAPI's datetime with today() pinned to the goldens' date (the port's default clock)."""

    @classmethod
    def today(cls):
        return cls(2026, 11, 25)


travel_booking.datetime = PinnedDatetime


def load(category):
    data = os.path.join(SHARED, "data")
    q = [json.loads(l) for l in open(os.path.join(data, f"BFCL_v4_multi_turn_{category}.json"))]
    a = {x["id"]: x for x in (json.loads(l) for l in open(os.path.join(data, "possible_answer", f"BFCL_v4_multi_turn_{category}.json")))}
    return [(e, a[e["id"]]["ground_truth"]) for e in q]


def signatures(involved):
    """Method name -> parameter names (after self), a later class shadowing an earlier one, as the executor does."""
    out = {}
    for class_name in involved:
        cls = getattr(importlib.import_module(CLASS_FILE_PATH_MAPPING[class_name]), class_name)
        for name, fn in inspect.getmembers(cls, predicate=inspect.isfunction):
            if not name.startswith("_"):
                out[name] = list(inspect.signature(fn).parameters)[1:]
    return out


# ---------------------------------------------------------------- generators of model-like calls

KEYWORD_NAMES = ["from", "class", "import", "in", "is", "lambda", "not", "for", "if", "global", "True", "None", "pass", "with"]
PAREN_TEXTS = [" (admin)", " (see notes)", "(draft)", " (v2) ", "  (final)", "\u3000(wide)", "\xa0(nbsp)", "\n(line)"]
EXPLORE = {
    "GorillaFileSystem": ["ls()", "pwd()", "ls(a=True)"],
    "TwitterAPI": ["posting_get_login_status()", "list_all_following()"],
    "MessageAPI": ["list_users()", "get_user_id(user='Alice')", "view_messages_sent()"],
    "TicketAPI": ["get_user_tickets()"],
    "TradingBot": ["get_watchlist()", "get_current_time()", "get_account_info()"],
    "TravelAPI": ["get_all_credit_cards()", "get_budget_fiscal_year()"],
    "VehicleControlAPI": ["get_outside_temperature_from_google()", "displayCarStatus(option='fuel')", "check_tire_pressure()"],
    "MathAPI": ["mean(numbers=[1, 2, 3.5])", "logarithm(value=8, base=2, precision=10)"],
}
EXPRESSIONS = [  # Python around an API call, which the original's eval evaluates ({c} is the call)
    "[{c} for _ in range(1)]",
    "len({c})",
    "print({c})",
    "str({c})",
    "repr({c})",
    "{c} if True else None",
    "None if {c} else 1",
    "not {c}",
    "{c} or {c}",
    "bool({c}) and {c}",
    "{c}.get('error')",
    "{c}.get('error', 'none')",
    "[x for x in [{c}]]",
    "{{**{c}}}",
    "{{**{c}, 'extra': 1}}",
    "f'{{{c}}}'",
    "f'{{{c}!r}} and {{1 + 2}}'",
    "f'{{{c}}}' + str(len({c}))",
    "{c} is None",
    "{c} == {c}",
    "'error' in {c}",
    "'error' not in {c}",
    "1 < len({c}) <= 3",
    "sorted({c})",
    "list({c}.keys())",
    "list({c}.values())",
    "[k for k, v in {c}.items()]",
    "{{k: v for k, v in {c}.items() if k}}",
    "{{k for k in {c}}}",
    "sum(1 for _ in {c})",
    "[a for a, b, c in {c}.items()]",
    "str({c}).upper()",
    "' '.join(str(x) for x in {c})",
    "[[y for y in x] for x in [[1, 2], [3]]] + [{c}]",
    "min([3, 1, 2]) + max(1, 2)",
    "list(zip([1, 2], ['a', 'b']))",
    "list(enumerate('ab'))",
    "[len(str(v)) for v in {c}.values()][0]",
    "{c}['error']",
    "({c}, {c})",
]
BLOCKED = ["exit()", "quit()", "remove(file_name='a.txt')", "run(cmd='ls')", "kill(pid=1)"]


def parse_call(call):
    node = ast.parse(call, mode="eval").body
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return None
    return node


def fmt(name, args, kwargs, space=""):
    parts = [repr(v) for v in args] + [f"{k}={repr(v)}" for k, v in kwargs]
    return f"{name}{space}({','.join(parts)})"


def literal_call(call):
    """(name, positional values, keyword pairs) of a call with literal arguments, or None."""
    node = parse_call(call)
    if node is None:
        return None
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kwargs = [(k.arg, ast.literal_eval(k.value)) for k in node.keywords]
    except ValueError:
        return None
    if any(k is None for k, _ in kwargs):
        return None
    return node.func.id, args, kwargs


def to_positional(call, sigs, rng, swap):
    lc = literal_call(call)
    if lc is None or lc[0] not in sigs:
        return call
    name, args, kwargs = lc
    params = sigs[name]
    values = dict(zip(params, args))
    values.update(kwargs)
    order = [p for p in params if p in values]
    # Only a prefix of parameters can be positional without gaps.
    prefix = []
    for p in params:
        if p not in values:
            break
        prefix.append(p)
    if not prefix:
        return call
    n = rng.randint(1, len(prefix))
    positional = [values[p] for p in prefix[:n]]
    if swap and len(positional) >= 2:
        positional[0], positional[1] = positional[1], positional[0]
    rest = [(p, values[p]) for p in order if p not in prefix[:n]]
    return fmt(name, positional, rest)


def with_keyword_name(call, rng):
    lc = literal_call(call)
    if lc is None:
        return f"{call[:-1]}{',' if call[-2] != '(' else ''}{rng.choice(KEYWORD_NAMES)}='x')"
    name, args, kwargs = lc
    if not kwargs:
        return fmt(name, args, [(rng.choice(KEYWORD_NAMES), "A")])
    i = rng.randrange(len(kwargs))
    kwargs = list(kwargs)
    kwargs[i] = (rng.choice(KEYWORD_NAMES), kwargs[i][1])
    return fmt(name, args, kwargs)


def with_paren_text(call, rng, method_names):
    lc = literal_call(call)
    if lc is None:
        return call
    name, args, kwargs = lc
    strs = [i for i, (_, v) in enumerate(kwargs) if isinstance(v, str)]
    if not strs:
        return fmt(name, args, kwargs, rng.choice([" ", "  ", "\t"]))
    i = rng.choice(strs)
    k, v = kwargs[i]
    if rng.random() < 0.3 and method_names:
        extra = f" then {rng.choice(method_names)}{rng.choice(['', ' ', '  '])}(x) here"
    else:
        extra = rng.choice(PAREN_TEXTS)
    kwargs = list(kwargs)
    kwargs[i] = (k, v + extra)
    return fmt(name, args, kwargs)


def mutate_value(call, rng):
    """A wrong argument value: the call still runs but gives another state or result."""
    lc = literal_call(call)
    if lc is None:
        return call
    name, args, kwargs = lc
    kwargs = list(kwargs)
    if kwargs:
        i = rng.randrange(len(kwargs))
        k, v = kwargs[i]
        if isinstance(v, str):
            v = v + "_x"
        elif isinstance(v, bool):
            v = not v
        elif isinstance(v, (int, float)):
            v = v + 1
        kwargs[i] = (k, v)
    return fmt(name, args, kwargs)


def split_steps(calls, rng, explore):
    steps, cur = [], []
    for c in calls:
        cur.append(c)
        if rng.random() < 0.5:
            steps.append(cur)
            cur = []
    if cur:
        steps.append(cur)
    if explore and rng.random() < 0.5:
        steps.insert(rng.randrange(len(steps) + 1), [rng.choice(explore)])
    return steps or [[]]


def twitter_prelude(entry, rng, counter_hint):
    cfg = entry["initial_config"].get("TwitterAPI", {})
    user, pw = cfg.get("username", "john"), cfg.get("password", "john123")
    tid = cfg.get("tweet_counter", 0)
    calls = [f"authenticate_twitter(username={user!r}, password={pw!r})", f"post_tweet(content={'note ' + str(counter_hint)!r})"]
    if rng.random() < 0.7:
        calls.append(f"mention(tweet_id={tid}, mentioned_usernames=[{'@u' + str(counter_hint)!r}])")
    return calls


def booking_calls(entry, rng):
    cfg = entry["initial_config"].get("TravelAPI", {})
    token = cfg.get("access_token", "abc123xyz")
    card = rng.choice(["1234567812345678", "2345678923456789"])
    return [
        f"book_flight(access_token={token!r}, card_id={card!r}, travel_date='2024-11-15', travel_from='SFO', travel_to='LAX', travel_class='economy')",
        f"get_credit_card_balance(access_token={token!r}, card_id={card!r})",
    ]


KINDS = ["steps", "fail_then_more", "positional", "keyword_name", "paren_text", "expression", "expression", "blocked",
         "missing_turn", "mixed"]


def pick_kind(entry, rng):
    involved = entry["involved_classes"]
    if "TwitterAPI" in involved and rng.random() < 0.5:
        return "twitter_shared"
    if "TravelAPI" in involved and rng.random() < 0.3:
        return "travel_shared"
    return rng.choice(KINDS)


def make_case(entry, gt, rng, kind):
    involved = entry["involved_classes"]
    sigs = signatures(involved)
    method_names = sorted(sigs)
    explore = [c for cls in involved for c in EXPLORE.get(cls, [])]
    turns = copy.deepcopy(gt)
    with_calls = [i for i, t in enumerate(turns) if t]

    def pick_call():
        i = rng.choice(with_calls)
        return i, rng.randrange(len(turns[i]))

    if kind == "fail_then_more" and with_calls:
        i, j = pick_call()
        if rng.random() < 0.5:
            del turns[i][j]
        else:
            turns[i][j] = mutate_value(turns[i][j], rng)
    elif kind == "positional" and with_calls:
        for _ in range(rng.randint(1, 3)):
            i, j = pick_call()
            turns[i][j] = to_positional(turns[i][j], sigs, rng, swap=rng.random() < 0.3)
    elif kind == "keyword_name" and with_calls:
        i, j = pick_call()
        turns[i][j] = with_keyword_name(turns[i][j], rng)
    elif kind == "paren_text" and with_calls:
        for _ in range(rng.randint(1, 2)):
            i, j = pick_call()
            turns[i][j] = with_paren_text(turns[i][j], rng, method_names)
    elif kind == "twitter_shared" and "TwitterAPI" in involved:
        i = rng.randrange(len(turns))
        turns[i] = twitter_prelude(entry, rng, rng.randrange(100)) + turns[i]
    elif kind == "travel_shared" and "TravelAPI" in involved:
        i = rng.randrange(len(turns))
        turns[i] = booking_calls(entry, rng) + turns[i]
    elif kind == "expression" and with_calls:
        i, j = pick_call()
        inner = explore[0] if explore and rng.random() < 0.5 else turns[i][j]
        turns[i][j] = rng.choice(EXPRESSIONS).format(c=inner)
    elif kind == "blocked":
        i = rng.randrange(len(turns))
        turns[i] = turns[i] + [rng.choice(BLOCKED)]
    elif kind == "mixed" and with_calls:
        for _ in range(rng.randint(2, 4)):
            i, j = pick_call()
            f = rng.choice([lambda c: to_positional(c, sigs, rng, False), lambda c: with_paren_text(c, rng, method_names),
                            lambda c: mutate_value(c, rng), lambda c: c + " "])
            turns[i][j] = f(turns[i][j])
    model = [split_steps(t, rng, explore) if t else ([] if rng.random() < 0.7 else [[rng.choice(explore)]] if explore else [])
             for t in turns]
    if kind == "missing_turn" and len(model) > 1:
        del model[rng.randrange(len(model))]
    return model


# ---------------------------------------------------------------- replay, as `seeupo bfcl replay` does

def shared_objects():
    tags, mentions = posting_api.TwitterAPI.post_tweet.__defaults__
    return [tags, mentions, long_context.LONG_WEATHER_EXTENSION, long_context.CREDIT_CARD_EXTENSION,
            long_context.BOOKING_RECORD_EXTENSION]


def restore(obj, saved):
    if isinstance(obj, list):
        obj[:] = saved
    else:
        obj.clear()
        obj.update(saved)


def forget_instances():
    for name in [n for n in vars(multi_turn_utils) if n.endswith("_instance")]:
        del vars(multi_turn_utils)[name]


def execute(calls, entry, long_ctx, model_name):
    results, _ = multi_turn_utils.execute_multi_turn_func_call(
        calls, entry["initial_config"], entry["involved_classes"], model_name, entry["id"],
        long_context=long_ctx, is_evaL_run=True)
    return results


def replay(category, entry, gt, model):
    long_ctx = "long_context" in category or "composite" in category
    forget_instances()
    if len(model) != len(gt):
        saved = copy.deepcopy(shared_objects())
        with contextlib.redirect_stdout(io.StringIO()):
            results = [[execute(step, entry, long_ctx, MODEL) for step in turn] for turn in model]
        for obj, s in zip(shared_objects(), saved):
            restore(obj, s)
        return results, False, "multi_turn:force_terminated"
    events = []
    original = checker_module.execute_multi_turn_func_call

    def recording(**kw):
        out = original(**kw)
        events.append((kw["model_name"] == MODEL, out[0]))
        return out

    checker_module.execute_multi_turn_func_call = recording
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # a model's print(...) calls
            verdict = checker_module.multi_turn_checker(model, gt, entry, f"multi_turn_{category}", MODEL)
    finally:
        checker_module.execute_multi_turn_func_call = original
    results, turn = [], []
    for is_model, out in events:
        if is_model:
            turn.append(out)
        else:
            results.append(turn)
            turn = []
    if len(results) < len(gt):
        saved = copy.deepcopy(shared_objects())
        with contextlib.redirect_stdout(io.StringIO()):
            for k in range(len(results), len(gt)):
                results.append([execute(step, entry, long_ctx, MODEL) for step in model[k]])
                execute(gt[k], entry, long_ctx, MODEL + "_ground_truth")
        for obj, s in zip(shared_objects(), saved):
            restore(obj, s)
    forget_instances()
    return results, bool(verdict["valid"]), verdict.get("error_type")


def compact(result):
    if len(result) <= 200:
        return result
    data = result.encode("utf-8", "surrogatepass")
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


# ---------------------------------------------------------------- hand-written cases (replayed in this order)

BASE0_REST = [[], [], []]  # multi_turn_base_0 has 4 turns
EXACT_CASES = [
    # The textual rewrite: whitespace before "(" goes, inside strings too; method names get the instance's name.
    ("rewrite", "base", "multi_turn_base_0", [[[
        "mkdir(dir_name='the system (admin)')",
        "mkdir(dir_name='tabs\t(and)\nlines\n (x)')",
        "mkdir(dir_name='wide\u3000(x) nbsp\xa0(y) zero-width\u200b(z)')",
        "mkdir(dir_name='caf\xe9 (x) \xe9a (y) 2x (z) _u (w)')",
        "ls()",
        "echo(content='see ls () and cd(folder) and print (x)', file_name='notes.txt')",
        "cat(file_name='notes.txt')",
        "touch (file_name='a b.txt')",
        "cd\n(folder='document')",
        "pwd ()",
        "ls\\\n()",
    ]], *BASE0_REST]),
    ("rewrite", "base", "multi_turn_base_0", [[[
        "authenticate_twitter(username='analyst_pro', password='Kj8#mP9$vL2')",
        "post_tweet(content='reply (soon) via mention(x)', tags=['#a (b)'], mentions=['@c (d)'])",
        "posting_get_login_status ( )",
        "exit ()",
        "remove (file_name='x')",
    ]], *BASE0_REST]),
    # Python keywords as argument names: CPython's parser errors.
    ("keyword_name", "base", "multi_turn_base_0", [[[
        "cd(from='document')",
        "mkdir(dir_name='x', class='y')",
        "cd(True='document')",
        "cd(folder='document', None=1)",
        "ls(a=True, in=1)",
        "cd(lambda='x')",
        "cd(not='x')",
        "from(x=1)",
        "cd(folder=from)",
        "cd(\nfrom='x')",
        "cd(folder='document', import='x', y=0777)",
        "cd(folder='document' from='x')",
        "cd(False)",
        "pwd(is=None)",
        "ls(a=True).from",
    ]], *BASE0_REST]),
    # Stop at the first failing turn. Turn 0 is empty (fails); turns 1-3 post and mention: the original never runs
    # them, so the shared default lists stay empty for the next line; their results come from an isolated run.
    ("stop", "base", "multi_turn_base_5", [[], [["post_tweet(content='later')", "mention(tweet_id=0, mentioned_usernames=['@late'])"]], [["post_tweet(content='later 2')"]], [["comment(tweet_id=1, comment_content='c')"]]]),
    ("stop", "base", "multi_turn_base_5", [[["post_tweet(content='after a failed line')"]], [], [], []]),
    # Turn 1 fails (state); turn 2 mentions in the isolated run only.
    ("stop", "base", "multi_turn_base_5", [[["cd(folder='project')", "mv(source='analysis_report.csv',destination='archive')"]], [["cat(file_name='archive_summary.txt')"]], [["post_tweet(content='x')", "mention(tweet_id=0, mentioned_usernames=['@iso'])"]], [[]]]),
    ("stop", "base", "multi_turn_base_5", [[["post_tweet(content='still empty')"]], [], [], []]),
    # A force-terminated line (3 turns for 4) runs nothing in the checker; its results come from an isolated run.
    ("stop", "base", "multi_turn_base_5", [[["post_tweet(content='ft')", "mention(tweet_id=0, mentioned_usernames=['@ft'])"]], [], []]),
    ("stop", "base", "multi_turn_base_5", [[["post_tweet(content='still empty too')"]], [], [], []]),
    # What the original does run carries over: a mention in a checked turn extends the default for later lines.
    ("carry_over", "base", "multi_turn_base_5", [[["post_tweet(content='first')", "mention(tweet_id=0, mentioned_usernames=['@kept'])"]], [], [], []]),
    ("carry_over", "base", "multi_turn_base_5", [[["post_tweet(content='sees the mention')"]], [], [], []]),
    # A call may name an instance (a global of the original's executor) itself.
    ("instance_name", "base", "multi_turn_base_0", [[[
        "seeupo_eval_multi_turn_base_0_GorillaFileSystem_instance.ls()",
        "seeupo_eval_multi_turn_base_0_TwitterAPI_instance.tweet_counter",
        "seeupo_eval_multi_turn_base_0_TwitterAPI_instance.nothing",
        "len(seeupo_eval_multi_turn_base_0_TwitterAPI_instance.tweets)",
        "seeupo_eval_multi_turn_base_0_TwitterAPI_instance.username.upper()",
        "[x for x in seeupo_eval_multi_turn_base_0_TwitterAPI_instance.following_list]",
        "seeupo_multi_turn_base_0_TwitterAPI_instance.tweet_counter",
    ]], *BASE0_REST]),
]


def main():
    os.makedirs(os.path.dirname(os.path.abspath(OUT)), exist_ok=True)
    n = 0
    with open(OUT, "w") as out:
        if EXACT:
            entries = {e["id"]: (e, gt) for c in CATEGORIES for e, gt in load(c)}
            for kind, category, entry_id, model in EXACT_CASES:
                entry, gt = entries[entry_id]
                results, valid, error_type = replay(category, entry, gt, model)
                out.write(json.dumps({"category": category, "id": entry_id, "kind": kind, "model": model,
                                      "results": [[[compact(r) for r in step] for step in turn] for turn in results],
                                      "valid": valid, "error_type": error_type}) + "\n")
                n += 1
            print(f"{n} cases written to {OUT}", file=sys.stderr)
            return
        for category in CATEGORIES:
            rng = random.Random(f"{SEED}:{category}")
            entries = load(category)
            chosen = sorted(rng.sample(range(len(entries)), min(PER_CATEGORY, len(entries))))
            for idx in chosen:
                entry, gt = entries[idx]
                kind = pick_kind(entry, rng)
                model = make_case(entry, gt, rng, kind)
                results, valid, error_type = replay(category, entry, gt, model)
                out.write(json.dumps({"category": category, "id": entry["id"], "kind": kind, "model": model,
                                      "results": [[[compact(r) for r in step] for step in turn] for turn in results],
                                      "valid": valid, "error_type": error_type}) + "\n")
                n += 1
    print(f"{n} cases written to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
