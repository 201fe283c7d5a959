#!/usr/bin/python3
"""The `sift bench` training workload in PyTorch on CPU, for comparison (bench/compare_pytorch.py runs both).

The model is a Llama block written the way Hugging Face transformers' LlamaForCausalLM computes it (eager
attention, as in tests/Sift.Engine.Tests/Golden/make_llama_golden.py): LlamaRMSNorm in float32, rotary
embeddings with rotate_half, repeat_kv for grouped-query attention, causal mask added before a float32
softmax, SwiGLU MLP down(silu(gate(x)) * up(x)), pre-norm residuals, final norm, tied LM head, mean
cross-entropy. One training step = zero_grad, forward, backward, global-norm clipping (1.0) and
torch.optim.AdamW (betas 0.9/0.95, weight decay 0.1 on projections only, as Sift's defaults), on
8,192 tokens (B = 8192 / T sequences of T tokens).

--precision bf16-mixed runs the forward and the loss under torch.autocast("cpu", dtype=torch.bfloat16), PyTorch's
own mixed precision and the counterpart of Sift's train.precision=bf16-mixed: weights, gradients and AdamW stay
float32, autocast's bf16 ops (linear, matmul, bmm) take bf16 inputs, the ops it keeps in float32 stay there.

Run with Debian's python3-torch:  /usr/bin/python3 bench/pytorch_llama.py --config small --threads 2 --json
"""
import argparse, contextlib, json, math, resource, statistics, time
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    # Same shapes as Sift's ModelPresets (tied embeddings, rope_theta 10000, rms_norm_eps 1e-5).
    "tiny": dict(vocab_size=1024, hidden_size=128, num_hidden_layers=4, num_attention_heads=4,
                 num_key_value_heads=4, intermediate_size=384, seq_len=256),
    "small": dict(vocab_size=4096, hidden_size=384, num_hidden_layers=6, num_attention_heads=6,
                  num_key_value_heads=2, intermediate_size=1024, seq_len=256),
}


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.to(torch.float32)
        var = x.pow(2).mean(-1, keepdim=True)
        x = x * torch.rsqrt(var + self.eps)
        return self.weight * x.to(dtype)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(x, n_rep):
    b, h, t, hd = x.shape
    if n_rep == 1:
        return x
    return x[:, :, None, :, :].expand(b, h, n_rep, t, hd).reshape(b, h * n_rep, t, hd)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.h, self.hkv = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
        self.hd = d // self.h
        self.q_proj = nn.Linear(d, self.h * self.hd, bias=False)
        self.k_proj = nn.Linear(d, self.hkv * self.hd, bias=False)
        self.v_proj = nn.Linear(d, self.hkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.h * self.hd, d, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.hkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.hkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = repeat_kv(k, self.h // self.hkv)
        v = repeat_kv(v, self.h // self.hkv)
        w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd) + mask
        w = F.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2).reshape(b, t, self.h * self.hd)
        return self.o_proj(o)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, f = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden_size"], 1e-5)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], 1e-5)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], 1e-5)
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        self.lm_head.weight = self.embed_tokens.weight  # tie_word_embeddings
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
        hd = c["hidden_size"] // c["num_attention_heads"]
        t = c["seq_len"]
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
        freqs = torch.arange(t).float()[:, None] * inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos()[None, None], persistent=False)
        self.register_buffer("sin", emb.sin()[None, None], persistent=False)
        self.register_buffer("mask", torch.full((t, t), float("-inf")).triu(1)[None, None], persistent=False)

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        return self.lm_head(self.norm(x))


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def openblas_core():
    """The OpenBLAS core the GEMMs ran on (Debian's PyTorch calls OpenBLAS), or None where it is not OpenBLAS."""
    import ctypes
    try:
        lib = ctypes.CDLL("libopenblas.so.0")  # the copy already loaded when torch links it
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", choices=sorted(CONFIGS), default="tiny")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens-per-step", type=int, default=8192)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--forward-steps", type=int, default=5, help="0 skips the forward-only measurement")
    ap.add_argument("--precision", choices=["fp32", "bf16-mixed"], default="fp32",
                    help="bf16-mixed: forward and loss under torch.autocast(cpu, bfloat16)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    # A no-op context for fp32; PyTorch's CPU autocast for bf16-mixed.
    amp = (lambda: torch.autocast(device_type="cpu", dtype=torch.bfloat16)) if a.precision == "bf16-mixed" \
        else contextlib.nullcontext

    load_start = load_average()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    c = CONFIGS[a.config]
    t = c["seq_len"]
    b = a.tokens_per_step // t
    rss_import = peak_rss_mb()
    model = Llama(c)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and "embed_tokens" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() == 2 and "embed_tokens" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-4, betas=(0.9, 0.95), eps=1e-8)
    ids = torch.randint(0, c["vocab_size"], (b, t + 1))
    inputs, targets = ids[:, :-1].contiguous(), ids[:, 1:].contiguous()

    def step():
        opt.zero_grad(set_to_none=True)
        with amp():
            logits = model(inputs)
            loss = F.cross_entropy(logits.view(-1, c["vocab_size"]), targets.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    times, loss = [], None
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        loss = step()
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    train_peak = peak_rss_mb()
    fwd = []
    if a.forward_steps > 0:
        with torch.no_grad(), amp():
            for i in range(1 + a.forward_steps):
                t0 = time.perf_counter()
                logits = model(inputs)
                F.cross_entropy(logits.view(-1, c["vocab_size"]), targets.view(-1), reduction="none")
                if i >= 1:
                    fwd.append(time.perf_counter() - t0)
                del logits
    n = b * t
    res = {
        "openblas_core": openblas_core(),
        "config": a.config, "threads": a.threads, "precision": a.precision, "torch": torch.__version__, "tokens_per_step": n,
        "train_step_s": statistics.median(times), "train_step_s_all": times,
        "train_tokens_per_s": n / statistics.median(times), "last_loss": loss,
        "forward_tokens_per_s": n / statistics.median(fwd) if fwd else None,
        "peak_rss_mb": train_peak, "import_rss_mb": rss_import,
        "params": sum(p.numel() for p in model.parameters()),
        "load_average": [load_start, load_average()],
    }
    if a.json:
        print(json.dumps(res))
    else:
        print(f"pytorch {torch.__version__} {a.config} {a.precision} threads {a.threads}: train {res['train_tokens_per_s']:.0f} tok/s "
              f"(median of {a.steps}), forward {res['forward_tokens_per_s'] or 0:.0f} tok/s, peak RSS {train_peak:.0f} MB")


if __name__ == "__main__":
    main()
