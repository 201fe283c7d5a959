#!/usr/bin/python3
"""Golden outputs for Sift's Llama engine from an independent PyTorch implementation.

The model below follows Hugging Face transformers' LlamaForCausalLM line by line (LlamaRMSNorm computed in
float32, rotary embeddings with inv_freq = 1/(theta^(arange(0, hd, 2)/hd)) and rotate_half, repeat_kv for GQA,
softmax in float32, SwiGLU MLP down(silu(gate(x)) * up(x)), pre-norm residuals, final norm, tied or untied head).
For each config it writes a Hugging Face model folder (config.json + model.safetensors), the per-token losses,
the last position's logits, and the gradients of the mean loss (grads.safetensors) from autograd.

Run with Debian's python3-torch:  /usr/bin/python3 make_llama_golden.py
"""
import json, math, os, struct
import torch

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rms_norm(x, w, eps):
    var = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def forward(p, cfg, ids):
    T = ids.shape[0]
    d, H, Hkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = d // H
    eps = cfg["rms_norm_eps"]
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    freqs = torch.arange(T).float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    x = p["model.embed_tokens.weight"][ids]
    mask = torch.full((T, T), float("-inf")).triu(1)
    for l in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{l}."
        h = rms_norm(x, p[pre + "input_layernorm.weight"], eps)
        q = (h @ p[pre + "self_attn.q_proj.weight"].T).view(T, H, hd).transpose(0, 1)
        k = (h @ p[pre + "self_attn.k_proj.weight"].T).view(T, Hkv, hd).transpose(0, 1)
        v = (h @ p[pre + "self_attn.v_proj.weight"].T).view(T, Hkv, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // Hkv, dim=0)
        v = v.repeat_interleave(H // Hkv, dim=0)
        att = torch.softmax((q @ k.transpose(1, 2)) / math.sqrt(hd) + mask, dim=-1, dtype=torch.float32)
        o = (att @ v).transpose(0, 1).reshape(T, H * hd)
        x = x + o @ p[pre + "self_attn.o_proj.weight"].T
        h = rms_norm(x, p[pre + "post_attention_layernorm.weight"], eps)
        g = h @ p[pre + "mlp.gate_proj.weight"].T
        u = h @ p[pre + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(g) * u) @ p[pre + "mlp.down_proj.weight"].T
    x = rms_norm(x, p["model.norm.weight"], eps)
    head = p["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else p["lm_head.weight"]
    return x @ head.T


def make(name, cfg):
    d, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, Hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = d // H
    p = {"model.embed_tokens.weight": torch.randn(V, d) * 0.5, "model.norm.weight": 1 + 0.1 * torch.randn(d)}
    for l in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{l}."
        p[pre + "input_layernorm.weight"] = 1 + 0.1 * torch.randn(d)
        p[pre + "post_attention_layernorm.weight"] = 1 + 0.1 * torch.randn(d)
        p[pre + "self_attn.q_proj.weight"] = torch.randn(H * hd, d) * 0.3
        p[pre + "self_attn.k_proj.weight"] = torch.randn(Hkv * hd, d) * 0.3
        p[pre + "self_attn.v_proj.weight"] = torch.randn(Hkv * hd, d) * 0.3
        p[pre + "self_attn.o_proj.weight"] = torch.randn(d, H * hd) * 0.3
        p[pre + "mlp.gate_proj.weight"] = torch.randn(F, d) * 0.3
        p[pre + "mlp.up_proj.weight"] = torch.randn(F, d) * 0.3
        p[pre + "mlp.down_proj.weight"] = torch.randn(d, F) * 0.3
    if not cfg["tie_word_embeddings"]:
        p["lm_head.weight"] = torch.randn(V, d) * 0.5
    for t in p.values():
        t.requires_grad_(True)
    ids = torch.randint(0, V, (13,))
    logits = forward(p, cfg, ids[:-1])
    losses = torch.nn.functional.cross_entropy(logits, ids[1:], reduction="none")
    losses.mean().backward()
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    full = dict(cfg, architectures=["LlamaForCausalLM"], model_type="llama", hidden_act="silu",
                max_position_embeddings=64, rope_scaling=None, torch_dtype="float32")
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(full, f, indent=2)
    write_safetensors(os.path.join(out, "model.safetensors"), p)
    write_safetensors(os.path.join(out, "grads.safetensors"), {k: v.grad for k, v in p.items()})
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump({"tokens": ids.tolist(), "losses": losses.tolist(), "last_logits": logits[-1].tolist(),
                   "torch": torch.__version__}, f)


make("llama_gqa_untied", dict(vocab_size=37, hidden_size=16, intermediate_size=40, num_hidden_layers=2,
                              num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=10000.0,
                              tie_word_embeddings=False))
make("llama_tied", dict(vocab_size=29, hidden_size=12, intermediate_size=20, num_hidden_layers=1,
                        num_attention_heads=3, num_key_value_heads=3, rms_norm_eps=1e-6, rope_theta=500.0,
                        tie_word_embeddings=True))
