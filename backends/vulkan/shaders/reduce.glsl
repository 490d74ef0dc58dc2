// Workgroup-wide sum and max of one float per invocation, for a workgroup of WG invocations
// (a specialization constant declared before this is included). Every invocation of the
// workgroup must call them (they contain barriers); every one gets the result.
// With -DSUBGROUP: subgroup arithmetic, then one partial per subgroup in shared memory.
// Without: a shared-memory tree (WG must be a power of two).
shared float red_[WG];

#ifdef SUBGROUP
float wg_sum(float v) {
  v = subgroupAdd(v);
  if (subgroupElect()) red_[gl_SubgroupID] = v;
  barrier();
  float r = 0.0;
  for (uint i = 0; i < gl_NumSubgroups; ++i) r += red_[i];
  barrier();
  return r;
}
float wg_max(float v) {
  v = subgroupMax(v);
  if (subgroupElect()) red_[gl_SubgroupID] = v;
  barrier();
  float r = red_[0];
  for (uint i = 1; i < gl_NumSubgroups; ++i) r = max(r, red_[i]);
  barrier();
  return r;
}
#else
float wg_sum(float v) {
  const uint t = gl_LocalInvocationIndex;
  red_[t] = v;
  barrier();
  [[unroll]] for (uint s = WG / 2; s > 0; s >>= 1) {
    if (t < s) red_[t] += red_[t + s];
    barrier();
  }
  const float r = red_[0];
  barrier();
  return r;
}
float wg_max(float v) {
  const uint t = gl_LocalInvocationIndex;
  red_[t] = v;
  barrier();
  [[unroll]] for (uint s = WG / 2; s > 0; s >>= 1) {
    if (t < s) red_[t] = max(red_[t], red_[t + s]);
    barrier();
  }
  const float r = red_[0];
  barrier();
  return r;
}
#endif

#ifdef REDUCE_VEC4
// The same over vec4s, component by component (four rows reduced at once).
shared vec4 red4_[WG];
#ifdef SUBGROUP
vec4 wg_sum4(vec4 v) {
  v = subgroupAdd(v);
  if (subgroupElect()) red4_[gl_SubgroupID] = v;
  barrier();
  vec4 r = vec4(0.0);
  for (uint i = 0; i < gl_NumSubgroups; ++i) r += red4_[i];
  barrier();
  return r;
}
vec4 wg_max4(vec4 v) {
  v = subgroupMax(v);
  if (subgroupElect()) red4_[gl_SubgroupID] = v;
  barrier();
  vec4 r = red4_[0];
  for (uint i = 1; i < gl_NumSubgroups; ++i) r = max(r, red4_[i]);
  barrier();
  return r;
}
#else
vec4 wg_sum4(vec4 v) {
  const uint t = gl_LocalInvocationIndex;
  red4_[t] = v;
  barrier();
  [[unroll]] for (uint s = WG / 2; s > 0; s >>= 1) {
    if (t < s) red4_[t] += red4_[t + s];
    barrier();
  }
  const vec4 r = red4_[0];
  barrier();
  return r;
}
vec4 wg_max4(vec4 v) {
  const uint t = gl_LocalInvocationIndex;
  red4_[t] = v;
  barrier();
  [[unroll]] for (uint s = WG / 2; s > 0; s >>= 1) {
    if (t < s) red4_[t] = max(red4_[t], red4_[t + s]);
    barrier();
  }
  const vec4 r = red4_[0];
  barrier();
  return r;
}
#endif
#endif
