// Canonical tensor names used by every graph, independent of any checkpoint's naming.
// The safetensors loader maps Hugging Face names onto these; synthetic weights generate them.
#pragma once

#include <string>

namespace infermark::names {

// Graph inputs (role Input), each [batch*seq] i32.
inline const std::string token_ids = "input.token_ids";
inline const std::string position_ids = "input.position_ids";
inline const std::string token_type_ids = "input.token_type_ids";  // encoders; all zero

// Embeddings: token [vocab, hidden]; position [max_seq, hidden] (learned positions only);
// type [type_vocab, hidden] (encoders); embed.norm.* is the LayerNorm after the embeddings (BERT).
inline const std::string embed_token = "embed.token";
inline const std::string embed_position = "embed.position";
inline const std::string embed_type = "embed.type";
inline const std::string embed_norm = "embed.norm";  // + ".weight" / ".bias"

// Per layer i. Projections are [out, in]: q [heads*hd, hidden], k and v [kv_heads*hd, hidden],
// o [hidden, heads*hd]; ffn.up and ffn.gate [ffn, hidden], ffn.down [hidden, ffn].
// attn_norm: post-attention LayerNorm in encoders (post-LN), pre-attention norm in decoders.
// ffn_norm:  post-FFN LayerNorm in encoders, pre-FFN norm in decoders.
// ffn.gate exists only for silu_glu: down(silu(gate(x)) * up(x)).
inline std::string layer(int i, const std::string& rest) {
  return "layer." + std::to_string(i) + "." + rest;
}
// The name of an op or tensor with every "layer.<i>." prefix removed ("layer.3.attn.q" →
// "attn.q"; "layer.0.up+layer.0.up_act" → "up+up_act"), so per-layer figures can be summed.
std::string without_layer_index(const std::string& name);
// KV cache state of layer i (role State): [batch*(context+seq), kv_heads*hd].
inline std::string cache_k(int i) { return layer(i, "cache.k"); }
inline std::string cache_v(int i) { return layer(i, "cache.v"); }

// Decoders: the final norm (+ ".weight" / ".bias") and the untied LM head [vocab, hidden].
inline const std::string final_norm = "final_norm";
inline const std::string lm_head = "lm_head.weight";

}  // namespace infermark::names
