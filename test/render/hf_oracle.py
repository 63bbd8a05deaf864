#!/usr/bin/env python3
"""Test oracle for the hf renderer: renders a model's chat template with Python's Jinja2 the way Hugging Face
transformers' apply_chat_template(tokenize=False) does, without transformers itself: the same sandboxed environment
(trim_blocks, lstrip_blocks, loop controls), its tojson filter (json.dumps, ensure_ascii=False, indent, separators,
sort_keys), the raise_exception and strftime_now globals, and the tokenizer's special tokens as template variables
({**special_tokens_map, **kwargs}).

stdin:  {"model_dir": DIR, "cases": [{"messages": [...], "tools": [...] or null, "add_generation_prompt": bool,
         "kwargs": {...}, "template": optional template text used instead of the model's}]}
stdout: one JSON array, in case order, of {"text": rendered} or {"error": message}.
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

SPECIAL_TOKEN_KEYS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]


def token_text(value):
    # tokenizer_config.json spells a token as a string or as a serialised AddedToken ({"content": ...}).
    return value["content"] if isinstance(value, dict) else value


def special_tokens_map(config):
    out = {}
    for key in SPECIAL_TOKEN_KEYS:
        if config.get(key) is not None:
            out[key] = token_text(config[key])
    extra = config.get("additional_special_tokens")
    if extra:
        out["additional_special_tokens"] = [token_text(t) for t in extra]
    return out


def model_template(model_dir, config, has_tools):
    jinja_file = os.path.join(model_dir, "chat_template.jinja")
    if os.path.exists(jinja_file):
        with open(jinja_file, encoding="utf-8") as f:
            return f.read()
    template = config.get("chat_template")
    if isinstance(template, list):
        named = {t["name"]: t["template"] for t in template}
        if has_tools and "tool_use" in named:
            return named["tool_use"]
        return named["default"]
    return template


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.now().strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    request = json.load(sys.stdin)
    model_dir = request["model_dir"]
    with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    specials = special_tokens_map(config)
    env = environment()
    compiled = {}  # compiling a template takes longer than rendering it: once per template text
    out = []
    for case in request["cases"]:
        tools = case.get("tools")
        source = case.get("template") or model_template(model_dir, config, tools is not None)
        try:
            if source not in compiled:
                compiled[source] = env.from_string(source)
            text = compiled[source].render(
                messages=case["messages"],
                tools=tools,
                documents=None,
                add_generation_prompt=case.get("add_generation_prompt", False),
                **{**specials, **case.get("kwargs", {})},
            )
            out.append({"text": text})
        except Exception as e:  # the renderer under test must fail on the same cases
            out.append({"error": f"{type(e).__name__}: {e}"})
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
