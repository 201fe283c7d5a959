#!/usr/bin/python3
"""Golden outputs for Sift's architectures from an independent PyTorch implementation.

Each family follows its Hugging Face modeling code line by line (float32 throughout):
  * LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM (transformers' modeling_llama, modeling_mistral,
    modeling_qwen2): RMSNorm in float32, rotary embeddings from modeling_rope_utils' init functions (default,
    linear: inv_freq / factor, dynamic: NTK base from the sequence length, llama3: the wavelength rewrite),
    rotate_half, repeat_kv for GQA, eager attention (q·kᵀ·head_dim^-0.5 + mask, softmax in float32), SwiGLU MLP.
    Mistral's sliding window masks key j for query i when j <= i - sliding_window; Qwen2 adds q/k/v biases and uses
    the window only with use_sliding_window, on layers >= max_window_layers.
  * InternLM2ForCausalLM (remote code modeling_internlm2.py): fused wqkv viewed as [T, kv heads, group + 2, hd]
    (the group's query heads, then k, then v), linear RoPE scaling by dividing positions, names tok_embeddings,
    attention.wqkv/wo, feed_forward.w1/w3/w2, attention_norm, ffn_norm, output.
  * *ForSequenceClassification: a bias-free score head over the final norm's output, pooled at the last non-pad
    token (token_indices * non_pad_mask).argmax(-1).
For each case it writes a model folder (config.json + model.safetensors), golden.json (tokens; per-token losses
and last logits, or per-position scores and the pooled score; HF-style incremental decode logits where it
matters) and grads.safetensors (autograd gradients of the mean loss, or of sum_l w_l * pooled_l).

Run with Debian's python3-torch:  /usr/bin/python3 make_arch_golden.py
"""
import json, math, os, struct
import torch

torch.manual_seed(1)
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


def head_dim_of(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


# ---- modeling_rope_utils: inverse frequencies -------------------------------------------------------------
def default_inv_freq(base, dim):
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))


def llama_inv_freq(cfg, seq_len):
    """The inverse frequencies transformers' LlamaRotaryEmbedding uses for a forward whose max position is seq_len - 1."""
    dim, base = head_dim_of(cfg), cfg["rope_theta"]
    rs = cfg.get("rope_scaling")
    if rs is None:
        return default_inv_freq(base, dim)
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        return default_inv_freq(base, dim) / rs["factor"]
    if kind == "dynamic":
        max_pos = cfg["max_position_embeddings"]
        seq_len = torch.tensor(seq_len)
        if seq_len <= max_pos:
            return default_inv_freq(base, dim)
        factor = rs["factor"]
        base = base * ((factor * seq_len / max_pos) - (factor - 1)) ** (dim / (dim - 2))
        return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    assert kind == "llama3"
    inv_freq = default_inv_freq(base, dim)
    factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old_context_len = rs["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low
    high_freq_wavelen = old_context_len / high
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low) / (high - low)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)


def cos_sin(inv_freq, positions):
    freqs = positions.float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


# ---- decoder layers -----------------------------------------------------------------------------------------
def attend(q, k, v, H, Hkv, hd, mask):
    k = k.repeat_interleave(H // Hkv, dim=0)
    v = v.repeat_interleave(H // Hkv, dim=0)
    att = torch.softmax(q @ k.transpose(1, 2) * hd ** -0.5 + mask, dim=-1, dtype=torch.float32)
    return (att @ v).transpose(0, 1).reshape(q.shape[1], H * hd)


def causal_mask(q_pos, k_pos, window):
    masked = k_pos[None, :] > q_pos[:, None]
    if window is not None:
        masked = masked | (k_pos[None, :] <= q_pos[:, None] - window)
    return torch.zeros(masked.shape).masked_fill(masked, float("-inf"))


def layer_window(family, cfg, layer):
    if family == "mistral":
        return cfg.get("sliding_window")
    if family == "qwen2" and cfg.get("use_sliding_window") and layer >= cfg["max_window_layers"]:
        return cfg["sliding_window"]
    return None


def llama_qkv(p, pre, h, T, H, Hkv, hd, bias):
    q = h @ p[pre + "self_attn.q_proj.weight"].T
    k = h @ p[pre + "self_attn.k_proj.weight"].T
    v = h @ p[pre + "self_attn.v_proj.weight"].T
    if bias:
        q = q + p[pre + "self_attn.q_proj.bias"]
        k = k + p[pre + "self_attn.k_proj.bias"]
        v = v + p[pre + "self_attn.v_proj.bias"]
    return (q.view(T, H, hd).transpose(0, 1), k.view(T, Hkv, hd).transpose(0, 1), v.view(T, Hkv, hd).transpose(0, 1))


def internlm2_qkv(p, pre, h, T, H, Hkv, hd):
    G = H // Hkv
    qkv = (h @ p[pre + "attention.wqkv.weight"].T).view(T, Hkv, G + 2, hd)  # rearrange "(h gs d) -> h gs d"
    q = qkv[..., :G, :].reshape(T, H, hd).transpose(0, 1)
    k = qkv[..., -2, :].transpose(0, 1)
    v = qkv[..., -1, :].transpose(0, 1)
    return q, k, v


NAMES = {
    "llama": dict(embed="model.embed_tokens.weight", attn_norm="input_layernorm.weight", o="self_attn.o_proj.weight",
                  mlp_norm="post_attention_layernorm.weight", gate="mlp.gate_proj.weight", up="mlp.up_proj.weight",
                  down="mlp.down_proj.weight", head="lm_head.weight"),
    "internlm2": dict(embed="model.tok_embeddings.weight", attn_norm="attention_norm.weight", o="attention.wo.weight",
                      mlp_norm="ffn_norm.weight", gate="feed_forward.w1.weight", up="feed_forward.w3.weight",
                      down="feed_forward.w2.weight", head="output.weight"),
}


class Decoder:
    """One family's forward, with an optional KV cache (transformers' DynamicCache: keys cached after RoPE)."""

    def __init__(self, family, cfg, p):
        self.family, self.cfg, self.p = family, cfg, p
        self.names = NAMES["internlm2" if family == "internlm2" else "llama"]
        self.H, self.Hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.hd = head_dim_of(cfg)
        self.cache = [(torch.zeros(self.Hkv, 0, self.hd), torch.zeros(self.Hkv, 0, self.hd)) for _ in range(cfg["num_hidden_layers"])]

    def rope(self, positions):
        cfg = self.cfg
        seq_len = int(positions.max()) + 1
        if self.family == "internlm2":
            inv = default_inv_freq(cfg["rope_theta"], self.hd)
            rs = cfg.get("rope_scaling")
            if rs is not None and rs["type"] == "linear":
                positions = positions.float() / rs["factor"]
            return cos_sin(inv, positions)
        return cos_sin(llama_inv_freq(cfg, seq_len), positions)

    def hidden(self, ids, start=0):
        cfg, p, n, H, Hkv, hd = self.cfg, self.p, self.names, self.H, self.Hkv, self.hd
        T = ids.shape[0]
        positions = torch.arange(start, start + T)
        cos, sin = self.rope(positions)
        x = p[n["embed"]][ids]
        for l in range(cfg["num_hidden_layers"]):
            pre = f"model.layers.{l}."
            h = rms_norm(x, p[pre + n["attn_norm"]], cfg["rms_norm_eps"])
            if self.family == "internlm2":
                q, k, v = internlm2_qkv(p, pre, h, T, H, Hkv, hd)
            else:
                q, k, v = llama_qkv(p, pre, h, T, H, Hkv, hd, bias=self.family == "qwen2")
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = torch.cat((self.cache[l][0], k), dim=1)
            v = torch.cat((self.cache[l][1], v), dim=1)
            self.cache[l] = (k.detach(), v.detach())
            mask = causal_mask(positions, torch.arange(k.shape[1]), layer_window(self.family, cfg, l))
            x = x + attend(q, k, v, H, Hkv, hd, mask) @ p[pre + n["o"]].T
            h = rms_norm(x, p[pre + n["mlp_norm"]], cfg["rms_norm_eps"])
            g = h @ p[pre + n["gate"]].T
            u = h @ p[pre + n["up"]].T
            x = x + (torch.nn.functional.silu(g) * u) @ p[pre + n["down"]].T
        return rms_norm(x, p["model.norm.weight"], cfg["rms_norm_eps"])

    def logits(self, ids, start=0):
        x = self.hidden(ids, start)
        if "score.weight" in self.p:
            return x @ self.p["score.weight"].T
        head = self.p[self.names["embed"]] if self.cfg["tie_word_embeddings"] else self.p[self.names["head"]]
        return x @ head.T


def init_params(family, cfg, score_labels):
    d, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, Hkv, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim_of(cfg)
    n = NAMES["internlm2" if family == "internlm2" else "llama"]
    p = {n["embed"]: torch.randn(V, d) * 0.5, "model.norm.weight": 1 + 0.1 * torch.randn(d)}
    for l in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{l}."
        p[pre + n["attn_norm"]] = 1 + 0.1 * torch.randn(d)
        p[pre + n["mlp_norm"]] = 1 + 0.1 * torch.randn(d)
        if family == "internlm2":
            p[pre + "attention.wqkv.weight"] = torch.randn((H + 2 * Hkv) * hd, d) * 0.3
        else:
            p[pre + "self_attn.q_proj.weight"] = torch.randn(H * hd, d) * 0.3
            p[pre + "self_attn.k_proj.weight"] = torch.randn(Hkv * hd, d) * 0.3
            p[pre + "self_attn.v_proj.weight"] = torch.randn(Hkv * hd, d) * 0.3
            if family == "qwen2":
                p[pre + "self_attn.q_proj.bias"] = torch.randn(H * hd) * 0.5
                p[pre + "self_attn.k_proj.bias"] = torch.randn(Hkv * hd) * 0.5
                p[pre + "self_attn.v_proj.bias"] = torch.randn(Hkv * hd) * 0.5
        p[pre + n["o"]] = torch.randn(d, H * hd) * 0.3
        p[pre + n["gate"]] = torch.randn(F, d) * 0.3
        p[pre + n["up"]] = torch.randn(F, d) * 0.3
        p[pre + n["down"]] = torch.randn(d, F) * 0.3
    if score_labels:
        p["score.weight"] = torch.randn(score_labels, d) * 0.5
    elif not cfg["tie_word_embeddings"]:
        p[n["head"]] = torch.randn(V, d) * 0.5
    for t in p.values():
        t.requires_grad_(True)
    return p


def make(name, family, architecture, cfg, tokens=13, score_labels=0, pads=None, decode_prefix=None):
    p = init_params(family, cfg, score_labels)
    V = cfg["vocab_size"]
    ids = torch.randint(1, V, (tokens,))
    out = {"architecture": architecture, "torch": torch.__version__}
    if score_labels:
        for pos in pads:
            ids[pos] = cfg["pad_token_id"]
        scores = Decoder(family, cfg, p).logits(ids)
        non_pad_mask = (ids != cfg["pad_token_id"]).to(torch.int32)
        token_indices = torch.arange(ids.shape[-1], dtype=torch.int32)
        last = int((token_indices * non_pad_mask).argmax(-1))
        pooled = scores[last]
        w = torch.randn(score_labels)
        (pooled * w).sum().backward()
        out.update(tokens=ids.tolist(), scores=scores.reshape(-1).tolist(), pooled_index=last, pooled=pooled.tolist(),
                   loss_weights=w.tolist())
    else:
        logits = Decoder(family, cfg, p).logits(ids[:-1])
        losses = torch.nn.functional.cross_entropy(logits, ids[1:], reduction="none")
        losses.mean().backward()
        out.update(tokens=ids.tolist(), losses=losses.tolist(), last_logits=logits[-1].tolist())
        if decode_prefix is not None:
            # transformers' generate for one sequence: prefill the prefix, then one token per forward.
            with torch.no_grad():
                dec = Decoder(family, cfg, p)
                dec.logits(ids[:decode_prefix])
                for t in range(decode_prefix, tokens - 1):
                    step = dec.logits(ids[t:t + 1], start=t)
            out.update(decode_prefix=decode_prefix, decode_logits=step[-1].tolist())
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    full = dict(cfg, architectures=[architecture], hidden_act="silu", torch_dtype="float32")
    if score_labels:  # save_pretrained records num_labels as the label maps
        full.update(id2label={str(i): f"LABEL_{i}" for i in range(score_labels)},
                    label2id={f"LABEL_{i}": i for i in range(score_labels)})
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(full, f, indent=2)
    write_safetensors(os.path.join(folder, "model.safetensors"), p)
    write_safetensors(os.path.join(folder, "grads.safetensors"), {k: v.grad for k, v in p.items()})
    with open(os.path.join(folder, "golden.json"), "w") as f:
        json.dump(out, f)


BASE = dict(vocab_size=37, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=2,
            num_key_value_heads=1, rms_norm_eps=1e-5, rope_theta=10000.0, max_position_embeddings=256,
            tie_word_embeddings=False)

# head_dim 8: wavelengths 2*pi*{1, 10, 100, 1000}; with original context 64 and factors 1/4 the first is kept,
# the second smoothed, the last two divided by the factor.
make("llama3_rope", "llama", "LlamaForCausalLM", dict(BASE, model_type="llama", rope_scaling=dict(
    factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=64, rope_type="llama3")))
make("llama_linear_headdim", "llama", "LlamaForCausalLM", dict(BASE, model_type="llama", hidden_size=12, head_dim=8,
                                                                rope_scaling=dict(type="linear", factor=2.0)))
# 12 positions past a max_position_embeddings of 8: the NTK base grows with the sequence length.
make("llama_dynamic", "llama", "LlamaForCausalLM", dict(BASE, model_type="llama", max_position_embeddings=8,
                                                         rope_scaling=dict(type="dynamic", factor=2.0)),
     decode_prefix=9)
make("mistral_window", "mistral", "MistralForCausalLM", dict(BASE, model_type="mistral", hidden_size=24,
                                                              num_attention_heads=3, sliding_window=4), decode_prefix=3)
make("qwen2_tied", "qwen2", "Qwen2ForCausalLM", dict(BASE, model_type="qwen2", tie_word_embeddings=True,
                                                      sliding_window=3, use_sliding_window=False, max_window_layers=0))
make("qwen2_window", "qwen2", "Qwen2ForCausalLM", dict(BASE, model_type="qwen2", sliding_window=5,
                                                        use_sliding_window=True, max_window_layers=1), decode_prefix=2)
make("internlm2", "internlm2", "InternLM2ForCausalLM", dict(BASE, model_type="internlm2", hidden_size=24,
                                                             num_attention_heads=6, num_key_value_heads=2,
                                                             rope_theta=1000000, bias=False,
                                                             rope_scaling=dict(type="linear", factor=2.0)))
make("llama_score", "llama", "LlamaForSequenceClassification", dict(BASE, model_type="llama", pad_token_id=0),
     tokens=12, score_labels=3, pads=[9, 10, 11])
make("qwen2_score", "qwen2", "Qwen2ForSequenceClassification", dict(BASE, model_type="qwen2", pad_token_id=5,
                                                                     use_sliding_window=False),
     tokens=12, score_labels=1, pads=[3, 10, 11])
