// Included first by every shader: the storage type T (f32, or f16 with -DF16; arithmetic is
// always f32), the extensions the variant needs, and the 2-D workgroup-grid helper.
#extension GL_EXT_control_flow_attributes : enable
#ifdef F16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define T float16_t
#define T4 f16vec4
#else
#define T float
#define T4 vec4
#endif
#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

// Work too large for one grid dimension (65535 groups) is dispatched as a 2-D grid; this is
// the linear index of the group (the host rounds up, so check it against the real count).
uint group_index() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

#define NEG_INF uintBitsToFloat(0xff800000u)
