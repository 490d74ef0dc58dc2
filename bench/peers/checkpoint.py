"""Model dimensions and Hugging Face checkpoints for the peer comparison.

The peer writes one checkpoint per model in the naming and layout of the Hugging Face class a
real checkpoint of that family comes from (BertForMaskedLM, GPT2LMHeadModel with its Conv1D
[in, out] weights and packed c_attn, LlamaForCausalLM), infermark reads it with `--weights`, and
the PyTorch side reads the same file back into infermark's canonical [out, in] tensors. A naming
or layout mistake on either side therefore shows up as disagreeing outputs.
"""

import zlib

import numpy as np

import safetensors_np as st

# The built-in models of suites/model_config.cpp, keyed as model_to_json writes them (and as a
# suite file's inline model takes them); the peer checks each against the model block infermark
# writes in its result file, so a change on either side is caught.
BUILTIN_MODELS = {
    "bert-base": dict(family="encoder", hidden=768, heads=12, kv_heads=12, head_dim=64, ffn=3072,
                      layers=12, vocab=30522, norm="layernorm", activation="gelu",
                      position="learned", max_seq=512, norm_eps=1e-12, type_vocab=2,
                      attention_bias=True, mlp_bias=True),
    "bert-large": dict(family="encoder", hidden=1024, heads=16, kv_heads=16, head_dim=64,
                       ffn=4096, layers=24, vocab=30522, norm="layernorm", activation="gelu",
                       position="learned", max_seq=512, norm_eps=1e-12, type_vocab=2,
                       attention_bias=True, mlp_bias=True),
    "gpt2": dict(family="decoder", hidden=768, heads=12, kv_heads=12, head_dim=64, ffn=3072,
                 layers=12, vocab=50257, norm="layernorm", activation="gelu_tanh",
                 position="learned", max_seq=1024, norm_eps=1e-5, tied_embeddings=True,
                 attention_bias=True, mlp_bias=True),
    "llama-1.1b": dict(family="decoder", hidden=2048, heads=32, kv_heads=4, head_dim=64, ffn=5632,
                       layers=22, vocab=32000, norm="rmsnorm", activation="silu_glu",
                       position="rope", max_seq=2048, norm_eps=1e-5, rope_theta=10000.0,
                       tied_embeddings=False, attention_bias=False, mlp_bias=False),
}

def scheme(m):
    """The Hugging Face naming infermark expects for a model (suites/hf_checkpoint.cpp)."""
    if m["family"] == "encoder":
        return "bert"
    return "gpt2" if m["position"] == "learned" else "llama"


def canonical_shapes(m, layers):
    """Every weight the graph of `layers` layers reads: canonical name → (shape, kind); kind picks
    the synthetic distribution. Mirrors suites/lower.cpp."""
    H, F, V = m["hidden"], m["ffn"], m["vocab"]
    qw, kvw = m["heads"] * m["head_dim"], m["kv_heads"] * m["head_dim"]
    out = {"embed.token": ([V, H], "embedding")}
    if m["position"] == "learned":
        out["embed.position"] = ([m["max_seq"], H], "embedding")
    if m["family"] == "encoder":
        out["embed.type"] = ([m["type_vocab"], H], "embedding")

    def norm(prefix):
        out[prefix + ".weight"] = ([H], "gain")
        if m["norm"] == "layernorm":
            out[prefix + ".bias"] = ([H], "bias")

    def linear(prefix, n_out, n_in, bias):
        out[prefix + ".weight"] = ([n_out, n_in], "projection")
        if bias:
            out[prefix + ".bias"] = ([n_out], "bias")

    if m["family"] == "encoder":
        norm("embed.norm")
    for i in range(layers):
        L = f"layer.{i}."
        linear(L + "attn.q", qw, H, m["attention_bias"])
        linear(L + "attn.k", kvw, H, m["attention_bias"])
        linear(L + "attn.v", kvw, H, m["attention_bias"])
        linear(L + "attn.o", H, qw, m["attention_bias"])
        if m["activation"] == "silu_glu":
            linear(L + "ffn.gate", F, H, m["mlp_bias"])
        linear(L + "ffn.up", F, H, m["mlp_bias"])
        linear(L + "ffn.down", H, F, m["mlp_bias"])
        norm(L + "attn_norm")
        norm(L + "ffn_norm")
    if m["family"] == "decoder":
        norm("final_norm")
        if not m["tied_embeddings"]:
            out["lm_head.weight"] = ([V, H], "embedding")
    return out


def synthetic(name, shape, kind, seed):
    """Deterministic weights of the magnitudes infermark's synthetic ones have (README: projections
    ±√(3/in), norm gains 1 ± 0.1, biases ±0.1, embeddings ±1), rounded to bf16 so that the f32
    and bf16 workloads run on exactly the same values on both sides."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    center, half = {"embedding": (0.0, 1.0), "gain": (1.0, 0.1), "bias": (0.0, 0.1),
                    "projection": (0.0, float(np.sqrt(3.0 / shape[-1])))}[kind]
    x = rng.random(size=shape, dtype=np.float32)
    x = (center + half * (2.0 * x - 1.0)).astype(np.float32)
    return st.bf16_bits_to_f32(st.f32_to_bf16_bits(x))


# ---- canonical ↔ Hugging Face names ---------------------------------------------------------

_BERT_LINEAR = {"attn.q": "attention.self.query", "attn.k": "attention.self.key",
                "attn.v": "attention.self.value", "attn.o": "attention.output.dense",
                "ffn.up": "intermediate.dense", "ffn.down": "output.dense",
                "attn_norm": "attention.output.LayerNorm", "ffn_norm": "output.LayerNorm"}
_LLAMA = {"attn.q": "self_attn.q_proj", "attn.k": "self_attn.k_proj", "attn.v": "self_attn.v_proj",
          "attn.o": "self_attn.o_proj", "ffn.gate": "mlp.gate_proj", "ffn.up": "mlp.up_proj",
          "ffn.down": "mlp.down_proj", "attn_norm": "input_layernorm",
          "ffn_norm": "post_attention_layernorm"}
_GPT2 = {"attn.o": "attn.c_proj", "ffn.up": "mlp.c_fc", "ffn.down": "mlp.c_proj",
         "attn_norm": "ln_1", "ffn_norm": "ln_2"}


def _split(canonical):
    """"layer.3.attn.q.weight" → (3, "attn.q", "weight"); other names → (None, stem, suffix)."""
    stem, suffix = canonical.rsplit(".", 1)
    if stem.startswith("layer."):
        _, i, rest = stem.split(".", 2)
        return int(i), rest, suffix
    return None, stem, suffix


# Tensors outside the layers: canonical name → the name in the checkpoint body.
_TOP = {
    "bert": {"embed.token": "embeddings.word_embeddings.weight",
             "embed.position": "embeddings.position_embeddings.weight",
             "embed.type": "embeddings.token_type_embeddings.weight",
             "embed.norm.weight": "embeddings.LayerNorm.weight", "embed.norm.bias": "embeddings.LayerNorm.bias"},
    "gpt2": {"embed.token": "wte.weight", "embed.position": "wpe.weight",
             "final_norm.weight": "ln_f.weight", "final_norm.bias": "ln_f.bias"},
    "llama": {"embed.token": "embed_tokens.weight", "final_norm.weight": "norm.weight"},
}
# The prefix of the task-head class a real checkpoint comes from.
_PREFIX = {"bert": "bert.", "gpt2": "transformer.", "llama": "model."}


def hf_name(sch, canonical):
    """The checkpoint name of a canonical tensor, for every tensor except GPT-2's packed q/k/v
    (see hf_entries)."""
    if canonical == "lm_head.weight":  # outside the model prefix
        return "lm_head.weight"
    i, stem, suffix = _split(canonical)
    if i is None:
        return _PREFIX[sch] + _TOP[sch][canonical]
    layer, modules = {"bert": ("encoder.layer", _BERT_LINEAR), "gpt2": ("h", _GPT2), "llama": ("layers", _LLAMA)}[sch]
    return f"{_PREFIX[sch]}{layer}.{i}.{modules[stem]}.{suffix}"


def hf_entries(m, layers, seed):
    """The checkpoint's entries (stored as BF16: the values are bf16 already), in the Hugging Face
    layout: GPT-2's Conv1D weights [in, out], its q, k, v packed into c_attn along the output axis."""
    shapes = canonical_shapes(m, layers)
    sch = scheme(m)
    gen = lambda n: synthetic(n, shapes[n][0], shapes[n][1], seed)  # noqa: E731
    entries = []
    for name, (shape, _) in shapes.items():
        i, stem, suffix = _split(name)
        if sch == "gpt2" and i is not None and stem in ("attn.k", "attn.v"):
            continue  # packed with attn.q below
        if sch == "gpt2" and i is not None and stem == "attn.q":
            parts = [f"layer.{i}.attn.{p}.{suffix}" for p in "qkv"]
            if suffix == "weight":  # [out, in] each → Conv1D [in, q+k+v]
                produce = lambda parts=parts: np.concatenate([gen(p).T for p in parts], axis=1)  # noqa: E731
                packed = [shape[1], sum(shapes[p][0][0] for p in parts)]
            else:
                produce = lambda parts=parts: np.concatenate([gen(p) for p in parts])  # noqa: E731
                packed = [sum(shapes[p][0][0] for p in parts)]
            entries.append(st.Entry(f"transformer.h.{i}.attn.c_attn.{suffix}", "BF16", packed, produce))
            continue
        if sch == "gpt2" and i is not None and suffix == "weight" and len(shape) == 2:
            entries.append(st.Entry(hf_name(sch, name), "BF16", shape[::-1],
                                    lambda name=name: gen(name).T))
            continue
        entries.append(st.Entry(hf_name(sch, name), "BF16", shape, lambda name=name: gen(name)))
    return entries


def write_checkpoint(path, m, layers, seed):
    st.write(path, hf_entries(m, layers, seed),
             {"format": "pt", "writer": "infermark bench/peers", "seed": seed})


def load_canonical(path, m, layers):
    """Reads a checkpoint written in Hugging Face layout back into canonical [out, in] float32
    arrays, independently of infermark's reader (suites/hf_checkpoint.cpp)."""
    raw = st.read(path)
    sch = scheme(m)
    out = {}
    for name, (shape, _) in canonical_shapes(m, layers).items():
        i, stem, suffix = _split(name)
        if sch == "gpt2" and i is not None and stem in ("attn.q", "attn.k", "attn.v"):
            packed = raw[f"transformer.h.{i}.attn.c_attn.{suffix}"]
            qw = m["heads"] * m["head_dim"]
            kvw = m["kv_heads"] * m["head_dim"]
            begin = {"attn.q": 0, "attn.k": qw, "attn.v": qw + kvw}[stem]
            a = packed[..., begin:begin + shape[0]]
            a = a.T if suffix == "weight" else a
        elif sch == "gpt2" and i is not None and suffix == "weight" and len(shape) == 2:
            a = raw[hf_name(sch, name)].T
        else:
            a = raw[hf_name(sch, name)]
        if list(a.shape) != shape:
            raise ValueError(f"{path}: {name}: shape {list(a.shape)}, expected {shape}")
        out[name] = np.ascontiguousarray(a, dtype=np.float32)
    return out
