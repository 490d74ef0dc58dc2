"""Safetensors files written and read with NumPy alone, so the peer needs no `safetensors` package.

The format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, padded
with spaces, then the raw little-endian data; offsets are relative to the data section.
"""

import json
import struct

import numpy as np

# Bytes per element of the dtypes written here.
_ITEMSIZE = {"F32": 4, "BF16": 2, "I32": 4}
_NUMPY = {"F32": np.dtype("<f4"), "BF16": np.dtype("<u2"), "I32": np.dtype("<i4")}


def f32_to_bf16_bits(x):
    """f32 → bf16 bit patterns (uint16), rounding to nearest, ties to even, as PyTorch and oneDNN
    do. Inputs here are finite, so NaN handling is not needed."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))
    return (rounded >> np.uint32(16)).astype(np.uint16)


def bf16_bits_to_f32(bits):
    """bf16 bit patterns (uint16) → f32: the bf16 is the top half of the f32."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << np.uint32(16)).view(np.float32)


class Entry:
    """One tensor to write: its dtype ("F32", "BF16" or "I32"), shape, and a function returning
    its data as a NumPy array of that shape (f32 for F32 and BF16, int32 for I32). The data is
    produced only when written, so a large checkpoint never sits in memory whole."""

    def __init__(self, name, dtype, shape, produce):
        if dtype not in _ITEMSIZE:
            raise ValueError(f"{name}: unsupported dtype {dtype}; expected one of {sorted(_ITEMSIZE)}")
        self.name, self.dtype, self.shape, self.produce = name, dtype, [int(d) for d in shape], produce

    def nbytes(self):
        return int(np.prod(self.shape, dtype=np.int64)) * _ITEMSIZE[self.dtype]


def header_bytes(entries, metadata=None):
    """The length prefix and the JSON header for `entries` (written in the given order), padded
    with spaces so the data starts at a multiple of 8 bytes, as the reference writer does."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for e in entries:
        header[e.name] = {"dtype": e.dtype, "shape": e.shape, "data_offsets": [offset, offset + e.nbytes()]}
        offset += e.nbytes()
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text


def _encode(e, data):
    data = np.asarray(data)
    if list(data.shape) != e.shape:
        raise ValueError(f"{e.name}: produced shape {list(data.shape)}, declared {e.shape}")
    if e.dtype == "BF16":
        return f32_to_bf16_bits(data).tobytes()
    return np.ascontiguousarray(data, dtype=_NUMPY[e.dtype]).tobytes()


def write(path, entries, metadata=None):
    """Writes `entries` (a list of Entry) to `path` as one safetensors file."""
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise ValueError("duplicate tensor names")
    with open(path, "wb") as f:
        f.write(header_bytes(entries, metadata))
        for e in entries:
            f.write(_encode(e, e.produce()))


def read_header(path):
    """(header dict, start of the data section) of a safetensors file."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    return header, 8 + n


def read(path):
    """Every tensor of a safetensors file as NumPy arrays: F32 and BF16 as float32, I32 as int32.
    Data is memory-mapped, not copied, until converted."""
    header, start = read_header(path)
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        if h["dtype"] not in _NUMPY:
            raise ValueError(f"{path}: {name}: dtype {h['dtype']} is not one this reader knows")
        begin, end = h["data_offsets"]
        a = raw[start + begin:start + end].view(_NUMPY[h["dtype"]]).reshape(h["shape"])
        out[name] = bf16_bits_to_f32(a) if h["dtype"] == "BF16" else a
    return out
