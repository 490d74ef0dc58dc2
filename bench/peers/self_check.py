"""`pytorch_cpu.py --self-check`: checks the peer's own machinery, since PyTorch is no test
dependency and the peer has no CTest test.

1. The safetensors writer against bytes and bf16 roundings worked out by hand (NumPy only).
2. The GPT-2 checkpoint layout: Conv1D [in, out] and packed c_attn read back into the canonical
   tensors they were generated from (NumPy only).
3. With --infermark (and PyTorch): tiny BERT, GPT-2 and Llama models (GQA, RoPE, a decode step of
   3 tokens on a filled cache) through the whole path — checkpoint → `infermark run --weights
   --save-tensors` → PyTorch — each output agreeing within its tolerance; and a deliberately wrong
   PyTorch model (q and k swapped) and a decode step on a zeroed KV cache must disagree, so the
   agreement check is shown able to fail.
"""

import importlib
import os
import struct
import tempfile

import numpy as np

import checkpoint
import safetensors_np as st

TINY_MODELS = {
    "tiny-bert": dict(family="encoder", hidden=64, heads=4, kv_heads=4, head_dim=16, ffn=128, layers=2,
                      vocab=512, norm="layernorm", norm_eps=1e-12, activation="gelu", position="learned",
                      max_seq=128, type_vocab=2, attention_bias=True, mlp_bias=True),
    "tiny-gpt2": dict(family="decoder", hidden=64, heads=4, kv_heads=4, head_dim=16, ffn=256, layers=2,
                      vocab=512, norm="layernorm", norm_eps=1e-5, activation="gelu_tanh", position="learned",
                      max_seq=128, tied_embeddings=True, attention_bias=True, mlp_bias=True),
    "tiny-llama": dict(family="decoder", hidden=64, heads=4, kv_heads=2, head_dim=16, ffn=160, layers=2,
                       vocab=512, norm="rmsnorm", norm_eps=1e-5, activation="silu_glu", position="rope",
                       max_seq=256, rope_theta=10000.0, tied_embeddings=False, attention_bias=False,
                       mlp_bias=False),
}
TINY_WORKLOADS = [
    {"model": "tiny-bert", "phase": "encode", "batch": 2, "seq": 16, "precision": ["f32", "bf16"]},
    {"model": "tiny-gpt2", "phase": "prefill", "batch": 1, "seq": 17, "precision": ["f32", "bf16"]},
    {"model": "tiny-gpt2", "phase": "decode", "batch": 2, "seq": 1, "context": 31, "precision": ["f32", "bf16"]},
    {"model": "tiny-llama", "phase": "prefill", "batch": 2, "seq": 16, "precision": ["f32", "bf16"]},
    {"model": "tiny-llama", "phase": "decode", "batch": 1, "seq": 1, "context": 63, "precision": ["f32", "bf16"]},
    {"model": "tiny-llama", "phase": "decode", "batch": 2, "seq": 3, "context": 20, "precision": "f32"},
]


class Checks:
    def __init__(self):
        self.failed = 0

    def expect(self, ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            self.failed += 1


def check_writer(c, tmp):
    # One F32 tensor [1, -2]: the header is this 54-byte JSON plus 2 spaces (8 + 56 is a multiple
    # of 8), then 1.0f = 00 00 80 3f and -2.0f = 00 00 00 c0.
    path = os.path.join(tmp, "one.safetensors")
    st.write(path, [st.Entry("a", "F32", [2], lambda: np.array([1.0, -2.0], np.float32))])
    text = b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    expected = struct.pack("<Q", 56) + text + b"  " + bytes.fromhex("0000803f000000c0")
    c.expect(open(path, "rb").read() == expected, "F32 file is byte-exact (length 56, padded JSON, data)")

    # bf16 rounding to nearest even: 1+2⁻⁸ is halfway between 0x3f80 and 0x3f81 → 0x3f80 (even);
    # 1+3·2⁻⁸ halfway between 0x3f81 and 0x3f82 → 0x3f82; just above halfway rounds up.
    vals = np.array([1.0, 1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-20, -2.0, 3.140625], np.float32)
    want = [0x3F80, 0x3F80, 0x3F82, 0x3F81, 0xC000, 0x4049]
    got = st.f32_to_bf16_bits(vals).tolist()
    c.expect(got == want, f"bf16 rounds to nearest even: {[hex(g) for g in got]}")
    c.expect(st.bf16_bits_to_f32(np.array([0x3F82], np.uint16))[0] == np.float32(1.015625),
             "bf16 0x3f82 reads back as 1.015625")

    # Mixed dtypes with metadata: offsets contiguous, data 8-aligned, values round-trip.
    path = os.path.join(tmp, "mixed.safetensors")
    a = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    b = np.array([[0.5, -1.25]], np.float32)  # bf16-exact
    i = np.array([7, -3, 2**31 - 1], np.int32)
    st.write(path, [st.Entry("w.b", "BF16", [1, 2], lambda: b), st.Entry("w.a", "F32", [2, 3], lambda: a),
                    st.Entry("ids", "I32", [3], lambda: i)], {"seed": 42})
    header, start = st.read_header(path)
    c.expect(start % 8 == 0, f"data section starts at {start}, a multiple of 8")
    c.expect(header["__metadata__"] == {"seed": "42"}, "metadata written as strings")
    c.expect([header[n]["data_offsets"] for n in ("w.b", "w.a", "ids")] == [[0, 4], [4, 28], [28, 40]],
             "offsets are contiguous in write order (BF16 2 B, F32 and I32 4 B per element)")
    c.expect(os.path.getsize(path) == start + 40, "file ends where the last tensor ends")
    back = st.read(path)
    c.expect(np.array_equal(back["w.a"], a) and np.array_equal(back["w.b"], b) and np.array_equal(back["ids"], i),
             "F32, BF16 and I32 values read back equal")
    try:
        st.write(path, [st.Entry("x", "F32", [3], lambda: np.zeros(2, np.float32))])
        c.expect(False, "a tensor of the wrong shape is refused")
    except ValueError:
        c.expect(True, "a tensor of the wrong shape is refused")


def check_gpt2_layout(c, tmp):
    m = TINY_MODELS["tiny-gpt2"]
    path = os.path.join(tmp, "gpt2.safetensors")
    checkpoint.write_checkpoint(path, m, 1, seed=7)
    header, _ = st.read_header(path)
    H, F = m["hidden"], m["ffn"]
    c.expect(header["transformer.h.0.attn.c_attn.weight"]["shape"] == [H, 3 * H]
             and header["transformer.h.0.mlp.c_fc.weight"]["shape"] == [H, F]
             and header["transformer.h.0.mlp.c_proj.weight"]["shape"] == [F, H],
             "GPT-2 Conv1D weights are stored [in, out], q/k/v packed into c_attn")
    c.expect("lm_head.weight" not in header and "transformer.wte.weight" in header,
             "GPT-2's LM head is tied: no lm_head.weight")
    raw = st.read(path)
    k = checkpoint.synthetic("layer.0.attn.k.weight", [H, H], "projection", 7)
    c.expect(np.array_equal(raw["transformer.h.0.attn.c_attn.weight"][:, H:2 * H], k.T),
             "c_attn's columns H…2H are attn.k transposed")
    back = checkpoint.load_canonical(path, m, 1)
    shapes = checkpoint.canonical_shapes(m, 1)
    same = all(np.array_equal(back[n], checkpoint.synthetic(n, s, kind, 7)) for n, (s, kind) in shapes.items())
    c.expect(same, f"all {len(shapes)} canonical tensors read back equal to what was generated")


def check_end_to_end(c, args, peer):
    import torch
    import torch_workloads as tw
    args.rounds, args.quick, args.filter = 1, True, ".*"
    args.workdir = os.path.join(args.workdir, "self-check")
    rows = peer.compare(args, TINY_WORKLOADS, TINY_MODELS, peer.QUICK)
    for r in rows:
        if r["state"] == "unimplemented":
            print(f"skip  {r['id']}: {r['problem']}")
            continue
        c.expect(r["problem"] is None and r["nmse"] is not None and r["nmse"] <= r["tolerance"],
                 f"{r['id']}: PyTorch agrees with infermark ({args.backend}), NMSE "
                 f"{r['nmse'] if r['nmse'] is None else format(r['nmse'], '.2g')} ≤ {r['tolerance']:g}"
                 + (f" — {r['problem']}" if r["problem"] else ""))
    # The check can fail: the same workload with layer 0's q and k weights swapped must disagree.
    wl = next(w for w in peer.expand(TINY_WORKLOADS, TINY_MODELS) if w["id"].startswith("tiny-gpt2/prefill")
              and w["precision"] == "f32")
    m = TINY_MODELS[wl["model"]]
    ckpt = peer.ensure_checkpoint(args.workdir, wl["model"], m, wl["layers"], peer.QUICK["seed"])
    tensors = os.path.join(args.workdir, "tensors", peer.safe(wl["id"]))
    ids, pos, ref, state = peer.load_tensors(tensors, wl, args.backend)
    w = checkpoint.load_canonical(ckpt, m, wl["layers"])
    w["layer.0.attn.q.weight"], w["layer.0.attn.k.weight"] = w["layer.0.attn.k.weight"], w["layer.0.attn.q.weight"]
    with torch.inference_mode():
        out = tw.Workload(m, wl, w, ids, pos, state).forward().float().numpy()
    bad = tw.nmse(out, ref)
    c.expect(bad > peer.TOLERANCE["f32"], f"with q and k swapped PyTorch disagrees: NMSE {bad:.2g} > 1e-08")
    # And the KV cache infermark saved is the one it used: a decode step on a zeroed cache disagrees.
    wl = next(w for w in peer.expand(TINY_WORKLOADS, TINY_MODELS) if w["id"].startswith("tiny-llama/decode/b1")
              and w["precision"] == "f32")
    m = TINY_MODELS[wl["model"]]
    ckpt = peer.ensure_checkpoint(args.workdir, wl["model"], m, wl["layers"], peer.QUICK["seed"])
    ids, pos, ref, state = peer.load_tensors(os.path.join(args.workdir, "tensors", peer.safe(wl["id"])), wl,
                                             args.backend)
    c.expect(len(state) == 2 * wl["layers"], f"infermark saved {len(state)} KV cache tensors for {wl['layers']} layers")
    zeroed = {k: np.zeros_like(v) for k, v in state.items()}
    with torch.inference_mode():
        out = tw.Workload(m, wl, checkpoint.load_canonical(ckpt, m, wl["layers"]), ids, pos, zeroed).forward()
    bad = tw.nmse(out.float().numpy(), ref)
    c.expect(bad > peer.TOLERANCE["f32"], f"on a zeroed KV cache PyTorch's decode step disagrees: NMSE {bad:.2g} > 1e-08")


def main(args, peer):
    """`peer` is the pytorch_cpu module, passed in so the two files do not import each other."""
    c = Checks()
    with tempfile.TemporaryDirectory() as tmp:
        check_writer(c, tmp)
        check_gpt2_layout(c, tmp)
    if args.infermark:
        try:
            importlib.import_module("torch")
        except ImportError as e:
            c.expect(False, f"PyTorch importable for the end-to-end check ({e})")
        else:
            check_end_to_end(c, args, peer)
    else:
        print("skip  end-to-end check: no --infermark given")
    print(f"self-check: {'passed' if c.failed == 0 else f'{c.failed} check(s) failed'}")
    return 0 if c.failed == 0 else 1
