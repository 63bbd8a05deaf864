"""PyTorch CPU baseline for the local policy benchmark (design.md, "Benchmarks").

The exact architecture of the shared policy spec (docs/policy.md): a GPT-2-style pre-LayerNorm decoder with learned
positions, a tied output head, GELU (tanh) MLP and parameter names in nn.Linear layout, so a seeupo checkpoint's
`model.safetensors` loads into it by name. It measures, for a given thread count:

- training tok/s: forward (per-token log-probs of the next token), backward and one AdamW step per iteration;
  tokens per step = batch x context;
- generation tok/s: autoregressive sampling with a KV cache (temperature 1, full vocabulary), batch prompts of
  `prompt_len` tokens each generating `gen_tokens` tokens; tokens = batch x gen_tokens.

It prints one JSON object on stdout. Run it with Debian's interpreter (`/usr/bin/python3`, python3-torch) and
OpenBLAS selected as the BLAS alternative (libopenblas0-pthread); with the reference BLAS torch is ~10x slower.

It also serves as an independent reference for the TypeScript back ends (`reference` mode): it loads a seeupo
checkpoint directory (model.safetensors, optimizer.safetensors, state.json), prints the per-token log-probs of given
sequences and, given dL/dlogp and AdamW settings, the weights after one step (forward, backward with dL/dlogp,
clip_grad_norm_, torch.optim.AdamW with decay only on linear-layer matrices).

Usage: /usr/bin/python3 bench/pytorch_gpt.py [--threads N] [--steps S] ...            (benchmark)
       /usr/bin/python3 bench/pytorch_gpt.py reference --checkpoint DIR --input FILE  (reference; JSON on stdout)
"""

import argparse
import json
import math
import os
import sys
import time


def parse_args():
    if sys.argv[1:2] == ["reference"]:
        p = argparse.ArgumentParser(prog="pytorch_gpt.py reference",
                                    description="log-probs and one AdamW step of a seeupo checkpoint in PyTorch")
        p.add_argument("--checkpoint", required=True, help="seeupo checkpoint directory")
        p.add_argument("--input", required=True,
                       help='JSON: {"sequences": [{"tokens": [...], "responseStart": n}], '
                            '"dLdLogp": [[...]] (optional), "optim": {"lr", "beta1", "beta2", "eps", "weightDecay", '
                            '"maxGradNorm"} (optional)}')
        args = p.parse_args(sys.argv[2:])
        args.mode, args.threads, args.blas_threads = "reference", 1, 1
        return args
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vocab", type=int, default=512, help="vocabulary size")
    p.add_argument("--ctx", type=int, default=256, help="context length (training sequence length)")
    p.add_argument("--d-model", type=int, default=128, help="model width")
    p.add_argument("--layers", type=int, default=4, help="number of transformer blocks")
    p.add_argument("--heads", type=int, default=4, help="attention heads")
    p.add_argument("--batch", type=int, default=8, help="sequences per training step and prompts per generation run")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="OpenBLAS threads (torch.set_num_threads does not bound them; 1 is fastest here)")
    p.add_argument("--warmup", type=int, default=2, help="untimed training steps before timing")
    p.add_argument("--steps", type=int, default=10, help="timed training steps")
    p.add_argument("--prompt-len", type=int, default=16, help="prompt tokens per sequence for generation")
    p.add_argument("--gen-tokens", type=int, default=128, help="generated tokens per sequence")
    p.add_argument("--seed", type=int, default=0, help="torch seed for weights, data and sampling")
    args = p.parse_args()
    args.mode = "bench"
    return args


ARGS = parse_args()
# Must be set before torch (and with it OpenBLAS) is loaded.
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.blas_threads)
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Attention(nn.Module):
    def __init__(self, d, n_heads):
        super().__init__()
        self.n_heads = n_heads
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)

    def split_heads(self, x):
        b, t, d = x.shape
        return x.view(b, t, self.n_heads, d // self.n_heads).transpose(1, 2)  # [B, h, T, hd]

    def forward(self, x, cache=None, pos=0):
        b, t, d = x.shape
        hd = d // self.n_heads
        q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = self.split_heads(q), self.split_heads(k), self.split_heads(v)
        if cache is not None:
            # KV cache: write this step's keys/values at pos, attend over positions [0, pos + t).
            k_cache, v_cache = cache
            k_cache[:, :, pos:pos + t] = k
            v_cache[:, :, pos:pos + t] = v
            k, v = k_cache[:, :, :pos + t], v_cache[:, :, :pos + t]
        n = k.shape[2]
        # Additive causal mask (query i at absolute position pos + i sees keys 0 .. pos + i); baddbmm fuses the
        # 1/sqrt(hd) scale and the mask into the score matmul, the fastest formulation measured with torch 1.13.
        mask = torch.zeros(t, n).masked_fill(torch.ones(t, n, dtype=torch.bool).tril(diagonal=pos).logical_not(),
                                             float("-inf"))
        att = torch.baddbmm(mask.expand(b * self.n_heads, t, n), q.reshape(b * self.n_heads, t, hd),
                            k.reshape(b * self.n_heads, n, hd).transpose(1, 2), alpha=1.0 / math.sqrt(hd))
        y = (F.softmax(att, dim=-1) @ v.reshape(b * self.n_heads, n, hd)).view(b, self.n_heads, t, hd)
        return self.c_proj(y.transpose(1, 2).reshape(b, t, d))


class Mlp(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, d, n_heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.attn = Attention(d, n_heads)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.mlp = Mlp(d)

    def forward(self, x, cache=None, pos=0):
        x = x + self.attn(self.ln_1(x), cache, pos)
        return x + self.mlp(self.ln_2(x))


class Gpt(nn.Module):
    """Parameter names equal the checkpoint names (wte.weight, h.0.attn.c_attn.weight, ..., ln_f.bias)."""

    def __init__(self, vocab, ctx, d, n_layers, n_heads):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(ctx, d)
        self.h = nn.ModuleList([Block(d, n_heads) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d, eps=1e-5)
        std_proj = 0.02 / math.sqrt(2 * n_layers)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif ".ln_" in name or name.startswith("ln_"):
                nn.init.ones_(p)
            else:
                nn.init.normal_(p, std=std_proj if name.endswith("c_proj.weight") else 0.02)

    def forward(self, tokens, caches=None, pos=0):
        t = tokens.shape[1]
        x = self.wte(tokens) + self.wpe(torch.arange(pos, pos + t))
        for i, block in enumerate(self.h):
            x = block(x, None if caches is None else caches[i], pos)
        return self.ln_f(x) @ self.wte.weight.t()  # tied output head


def read_safetensors(path):
    """name -> float32 tensor, and the metadata (standard safetensors: u64 header length, JSON header, data)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    data = bytearray(raw[8 + n:])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {info['dtype']}, expected F32")
        start, end = info["data_offsets"]
        tensors[name] = torch.frombuffer(data[start:end], dtype=torch.float32).reshape(info["shape"]).clone()
    return tensors, header.get("__metadata__", {})


def load_checkpoint(ckpt_dir):
    with open(os.path.join(ckpt_dir, "state.json")) as f:
        state = json.load(f)
    c = state["config"]
    model = Gpt(c["vocabSize"], c["contextLength"], c["dModel"], c["nLayers"], c["nHeads"])
    weights, _ = read_safetensors(os.path.join(ckpt_dir, "model.safetensors"))
    model.load_state_dict(weights, strict=True)
    moments, meta = read_safetensors(os.path.join(ckpt_dir, "optimizer.safetensors"))
    return model, moments, int(meta["step"])


def token_logprobs(model, seq):
    tokens = torch.tensor(seq["tokens"], dtype=torch.long).unsqueeze(0)
    logp = F.log_softmax(model(tokens[:, :-1]), dim=-1)[0]  # position p-1 predicts token p
    start = seq["responseStart"]
    return logp[start - 1:].gather(1, tokens[0, start:].unsqueeze(1)).squeeze(1)


def reference(args):
    with open(args.input) as f:
        spec = json.load(f)
    model, moments, step = load_checkpoint(args.checkpoint)
    out = {}
    if "dLdLogp" not in spec:
        with torch.no_grad():
            out["logprobs"] = [token_logprobs(model, s).tolist() for s in spec["sequences"]]
        return out
    o = spec["optim"]
    opt = torch.optim.AdamW(decay_groups(model, o.get("weightDecay", 0.0)), lr=o["lr"],
                            betas=(o.get("beta1", 0.9), o.get("beta2", 0.95)), eps=o.get("eps", 1e-8))
    if step > 0:  # resume the moments the checkpoint carries
        for name, p in model.named_parameters():
            opt.state[p] = {"step": torch.tensor(float(step)), "exp_avg": moments[f"exp_avg.{name}"],
                            "exp_avg_sq": moments[f"exp_avg_sq.{name}"]}
    logps = [token_logprobs(model, s) for s in spec["sequences"]]
    out["logprobs"] = [lp.tolist() for lp in logps]
    # The vector-Jacobian product the back ends compute: d/dtheta of sum(dL/dlogp * logp).
    surrogate = sum((lp * torch.tensor(g, dtype=torch.float32)).sum() for lp, g in zip(logps, spec["dLdLogp"]))
    opt.zero_grad(set_to_none=True)
    surrogate.backward()
    params = list(model.parameters())
    if o.get("maxGradNorm") is not None:
        out["gradNorm"] = torch.nn.utils.clip_grad_norm_(params, o["maxGradNorm"]).item()
    else:
        out["gradNorm"] = torch.norm(torch.stack([p.grad.norm() for p in params])).item()
    opt.step()
    out["weights"] = {name: p.detach().flatten().tolist() for name, p in model.named_parameters()}
    return out


def decay_groups(model, weight_decay):
    """AdamW decay only on the matrices of the linear layers (not biases, LayerNorm weights or embeddings)."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        is_linear_weight = name.endswith(".weight") and ("c_attn" in name or "c_proj" in name or "c_fc" in name)
        (decay if is_linear_weight else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def bench_training(model, args):
    opt = torch.optim.AdamW(decay_groups(model, 0.01), lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    tokens = torch.randint(0, args.vocab, (args.batch, args.ctx))

    def step():
        logp = F.log_softmax(model(tokens[:, :-1]), dim=-1)
        token_logp = logp.gather(2, tokens[:, 1:].unsqueeze(2)).squeeze(2)  # per-token log-probs
        loss = -token_logp.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    seconds = time.perf_counter() - t0
    if not math.isfinite(loss):
        raise RuntimeError(f"training loss is {loss}")
    return args.steps * args.batch * args.ctx / seconds, seconds / args.steps


@torch.no_grad()
def bench_generation(model, args):
    d, h = args.d_model, args.heads
    total = args.prompt_len + args.gen_tokens
    if total > args.ctx:
        raise ValueError(f"prompt-len + gen-tokens = {total} exceeds ctx {args.ctx}")
    gen = torch.Generator().manual_seed(args.seed + 1)
    prompts = torch.randint(0, args.vocab, (args.batch, args.prompt_len), generator=gen)

    def run():
        caches = [(torch.empty(args.batch, h, total, d // h), torch.empty(args.batch, h, total, d // h))
                  for _ in range(args.layers)]
        logits = model(prompts, caches, 0)[:, -1]
        pos = args.prompt_len
        out, logps = [], []
        for _ in range(args.gen_tokens):
            logp = F.log_softmax(logits, dim=-1)
            tok = torch.multinomial(logp.exp(), 1, generator=gen)  # temperature 1, top-p 1
            out.append(tok)
            logps.append(logp.gather(1, tok))
            logits = model(tok, caches, pos)[:, -1]
            pos += 1
        return torch.cat(out, 1), torch.cat(logps, 1)

    run()  # warm-up
    t0 = time.perf_counter()
    _, logps = run()
    seconds = time.perf_counter() - t0
    if not torch.isfinite(logps).all():
        raise RuntimeError("non-finite sampling log-probs")
    return args.batch * args.gen_tokens / seconds


def loaded_blas_libraries():
    """The BLAS shared objects actually mapped into this process (the Debian alternative decides which)."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in os.path.basename(path):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def main():
    args = ARGS
    torch.set_num_threads(args.threads)
    if args.mode == "reference":
        print(json.dumps(reference(args)))
        return
    torch.manual_seed(args.seed)
    model = Gpt(args.vocab, args.ctx, args.d_model, args.layers, args.heads)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"pytorch {torch.__version__}, {args.threads} thread(s), OpenBLAS threads {args.blas_threads}, "
          f"{n_params} params", file=sys.stderr)
    train_tok_s, step_s = bench_training(model, args)
    print(f"training: {train_tok_s:.0f} tok/s ({step_s * 1000:.1f} ms/step)", file=sys.stderr)
    gen_tok_s = bench_generation(model, args)
    print(f"generation: {gen_tok_s:.0f} tok/s", file=sys.stderr)
    print(json.dumps({
        "torch": torch.__version__,
        "blas": loaded_blas_libraries(),
        "threads": args.threads,
        "blasThreads": args.blas_threads,
        "params": n_params,
        "trainTokPerSec": train_tok_s,
        "trainMsPerStep": step_s * 1000,
        "genTokPerSec": gen_tok_s,
        "config": {"vocabSize": args.vocab, "contextLength": args.ctx, "dModel": args.d_model,
                   "nLayers": args.layers, "nHeads": args.heads, "batch": args.batch, "steps": args.steps,
                   "promptLen": args.prompt_len, "genTokens": args.gen_tokens},
    }))


if __name__ == "__main__":
    main()
