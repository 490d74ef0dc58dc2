// Row gathers as our own loops: Embedding (rows of an f32 table, converted to the activation
// type) and LastToken (each sequence's last row). Both are copies, not worth a primitive.
#pragma once

#include <memory>

#include "backends/onednn/step.hpp"

namespace infermark::onednn {

std::unique_ptr<Step> make_embedding_step(const Op& op, BuildEnv& env);
std::unique_ptr<Step> make_last_token_step(const Op& op, BuildEnv& env);

}  // namespace infermark::onednn
