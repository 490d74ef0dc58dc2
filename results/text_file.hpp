// Writing a text export atomically: a temporary file in the target's directory, fsync, rename,
// so a reader never sees half a report and a failed write leaves the old file as it was.
#pragma once

#include <string>

namespace infermark {

// Parent directories are created. Failures throw Error (Unavailable) naming the path and step.
void write_text_atomic(const std::string& path, const std::string& text);

}  // namespace infermark
