"""infermark's standard workloads written as plain PyTorch eager code, the way Hugging Face's
eager implementations compute them, with the op semantics of suites/graph.hpp and the graph of
suites/lower.cpp: encoders return the final hidden states [B*S, hidden], decoders the logits of
each sequence's last position [B, vocab].

Weights are nn.Linear-style [out, in] tensors used through F.linear; bf16 workloads hold weights,
activations and the KV cache in torch.bfloat16 (softmax and RMSNorm computed in f32 and cast back,
as Hugging Face does).
"""

import math

import numpy as np
import torch
import torch.nn.functional as F


class Workload:
    """One workload, built once (weights converted, KV cache loaded); `forward()` is what is timed.

    m: the model (checkpoint.BUILTIN_MODELS form); shape: dict(phase, batch, seq, context,
    precision, layers); weights: canonical name → float32 array; token_ids, position_ids: int32
    arrays [B*S]; state: "layer.<i>.cache.k|v" → float32 [B*(context+S), kv_heads*hd] (decoders).
    """

    def __init__(self, m, shape, weights, token_ids, position_ids, state=None):
        self.m, self.shape = m, shape
        self.dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[shape["precision"]]
        self.B, self.S = shape["batch"], shape["seq"]
        self.C = shape.get("context", 0) if shape["phase"] == "decode" else 0
        self.layers = shape["layers"]
        self.w = {k: torch.from_numpy(np.ascontiguousarray(v)).to(self.dtype) for k, v in weights.items()}
        self.ids = torch.from_numpy(np.asarray(token_ids, dtype=np.int64))
        self.pos = torch.from_numpy(np.asarray(position_ids, dtype=np.int64))
        self.types = torch.zeros_like(self.ids)
        self.hd, self.heads, self.kvh = m["head_dim"], m["heads"], m["kv_heads"]
        self.scale = 1.0 / math.sqrt(self.hd)
        self.causal = m["family"] == "decoder"
        self.cached = m["family"] == "decoder"  # prefill and decode write the KV cache
        L = self.C + self.S
        # KV cache in Hugging Face's layout [B, kv_heads, L, hd], filled from infermark's state.
        self.cache = {}
        if self.cached:
            for i in range(self.layers):
                for kv in ("k", "v"):
                    a = (state or {}).get(f"layer.{i}.cache.{kv}")
                    if a is None:
                        if self.C > 0:
                            raise ValueError(f"decode needs layer.{i}.cache.{kv} (infermark --save-tensors)")
                        a = np.zeros((self.B * L, self.kvh * self.hd), np.float32)
                    if list(a.shape) != [self.B * L, self.kvh * self.hd]:
                        raise ValueError(f"layer.{i}.cache.{kv}: shape {list(a.shape)}, expected "
                                         f"{[self.B * L, self.kvh * self.hd]}")
                    t = torch.from_numpy(np.ascontiguousarray(a)).view(self.B, L, self.kvh, self.hd)
                    self.cache[(i, kv)] = t.permute(0, 2, 1, 3).contiguous().to(self.dtype)
        # Additive causal mask over [query row, key]: query s sees keys 0 … C + s. None when every
        # query sees every key (encoders; a single decode step).
        self.mask = None
        if self.causal and self.S > 1:
            s = torch.arange(self.S)[:, None]
            t = torch.arange(L)[None, :]
            mask = torch.zeros(self.S, L, dtype=self.dtype)
            mask.masked_fill_(t > self.C + s, float("-inf"))
            self.mask = mask.repeat(self.heads // self.kvh, 1)  # rows (group, s), as q is grouped

    # ---- ops (suites/graph.hpp) -------------------------------------------------------------

    def linear(self, x, prefix):
        return F.linear(x, self.w[prefix + ".weight"], self.w.get(prefix + ".bias"))

    def norm(self, x, prefix):
        g = self.w[prefix + ".weight"]
        if self.m["norm"] == "layernorm":
            return F.layer_norm(x, (x.shape[-1],), g, self.w[prefix + ".bias"], self.m["norm_eps"])
        # RMSNorm as Hugging Face's LlamaRMSNorm: in f32, cast back before the gain.
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.m["norm_eps"])
        return g * xf.to(x.dtype)

    def rope(self, x, n_heads):
        # Rotate-half RoPE; angles in f64 (as infermark's reference), applied in the workload dtype.
        half = self.hd // 2
        inv = self.m["rope_theta"] ** (-2.0 * torch.arange(half, dtype=torch.float64) / self.hd)
        ang = self.pos.to(torch.float64)[:, None] * inv[None, :]
        cos = torch.cat([ang.cos(), ang.cos()], -1).to(x.dtype).view(self.B, self.S, 1, self.hd)
        sin = torch.cat([ang.sin(), ang.sin()], -1).to(x.dtype).view(self.B, self.S, 1, self.hd)
        x = x.view(self.B, self.S, n_heads, self.hd)
        rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rotated * sin

    def attention(self, x, i):
        B, S, hd, H, KV = self.B, self.S, self.hd, self.heads, self.kvh
        L = f"layer.{i}."
        q = self.linear(x, L + "attn.q")
        k = self.linear(x, L + "attn.k")
        v = self.linear(x, L + "attn.v")
        if self.m["position"] == "rope":
            q, k = self.rope(q, H), self.rope(k, KV)
        q = q.view(B, S, H, hd).transpose(1, 2)   # [B, H, S, hd]
        k = k.view(B, S, KV, hd).transpose(1, 2)  # [B, KV, S, hd]
        v = v.view(B, S, KV, hd).transpose(1, 2)
        if self.cached:  # append at rows C … C+S−1, then attend over the whole cache
            kc, vc = self.cache[(i, "k")], self.cache[(i, "v")]
            kc[:, :, self.C:self.C + S] = k
            vc[:, :, self.C:self.C + S] = v
            k, v = kc, vc
        # GQA without copying K/V: the H/KV query heads sharing a KV head become rows of one matmul.
        g = H // KV
        qg = q.reshape(B, KV, g * S, hd)
        scores = torch.matmul(qg, k.transpose(-1, -2)) * self.scale
        if self.mask is not None:
            scores = scores + self.mask
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(probs, v).view(B, H, S, hd).transpose(1, 2).reshape(B * S, H * hd)
        return self.linear(out, L + "attn.o")

    def ffn(self, x, i):
        L = f"layer.{i}."
        act = self.m["activation"]
        if act == "silu_glu":
            h = F.silu(self.linear(x, L + "ffn.gate")) * self.linear(x, L + "ffn.up")
        elif act == "gelu":
            h = F.gelu(self.linear(x, L + "ffn.up"))
        else:
            h = F.gelu(self.linear(x, L + "ffn.up"), approximate="tanh")
        return self.linear(h, L + "ffn.down")

    # ---- the graph (suites/lower.cpp) ---------------------------------------------------------

    def forward(self):
        w = self.w
        x = F.embedding(self.ids, w["embed.token"])
        if self.m["family"] == "encoder":
            x = x + F.embedding(self.pos, w["embed.position"]) + F.embedding(self.types, w["embed.type"])
            x = self.norm(x, "embed.norm")
            for i in range(self.layers):  # post-LN
                x = self.norm(self.attention(x, i) + x, f"layer.{i}.attn_norm")
                x = self.norm(self.ffn(x, i) + x, f"layer.{i}.ffn_norm")
            return x
        if self.m["position"] == "learned":
            x = x + F.embedding(self.pos, w["embed.position"])
        for i in range(self.layers):  # pre-norm
            x = x + self.attention(self.norm(x, f"layer.{i}.attn_norm"), i)
            x = x + self.ffn(self.norm(x, f"layer.{i}.ffn_norm"), i)
        x = x.view(self.B, self.S, -1)[:, self.S - 1]
        x = self.norm(x, "final_norm")
        head = w["embed.token"] if self.m["tied_embeddings"] else w["lm_head.weight"]
        return F.linear(x, head)


def nmse(out, ref):
    """Σ(a−b)²/Σb² in f64, as harness/correctness.cpp computes it (b: infermark's output)."""
    a = np.asarray(out, dtype=np.float64)
    b = np.asarray(ref, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    if not np.all(np.isfinite(a)):
        return math.inf
    den = float(np.sum(b * b))
    num = float(np.sum((a - b) ** 2))
    return num / den if den > 0 else (math.inf if num > 0 else 0.0)
