// NumPy .npy files (format v1.0, little-endian, C order) for exporting tensors — outputs, weights —
// to outside tools, and reading them back (tests, comparisons against NumPy-made references).
#pragma once

#include <string>

#include "suites/tensor.hpp"

namespace infermark {

// Writes `t` as '<f4' (DType::F32) or '<i4' (DType::I32). The header is padded with spaces so the
// data starts at a multiple of 64 bytes, as NumPy itself writes it. Throws Unavailable when the
// file cannot be written, Internal when the tensor's data does not match its shape.
void write_npy(const std::string& path, const HostTensor& t);

// Reads a .npy file of versions 1.0–3.0 holding '<f4' or '<i4' in C order. Anything else
// (another dtype, Fortran order, a truncated file) throws BadInput naming the file and the key.
HostTensor read_npy(const std::string& path);

}  // namespace infermark
