#!/usr/bin/env python3
"""Writes small valid safetensors and .npy files into the fuzz corpora (scripts/fuzz.sh)."""
import json
import struct
import sys
from pathlib import Path

import numpy as np


def safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        raw = arr.tobytes()
        dtype = {"float32": "F32", "int32": "I32", "float16": "F16"}[str(arr.dtype)]
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main(corpus):
    c = Path(corpus)
    rng = np.random.default_rng(1)
    safetensors(c / "fuzz_safetensors/two.safetensors",
                {"a": rng.standard_normal((3, 4)).astype(np.float32), "ids": np.arange(5, dtype=np.int32)})
    safetensors(c / "fuzz_safetensors/half.safetensors", {"h": np.ones((2, 2), np.float16)})
    np.save(c / "fuzz_npy/f32.npy", rng.standard_normal((2, 3)).astype(np.float32))
    np.save(c / "fuzz_npy/i32.npy", np.arange(7, dtype=np.int32))
    np.save(c / "fuzz_npy/scalar.npy", np.float32(1.5))


if __name__ == "__main__":
    main(sys.argv[1])
