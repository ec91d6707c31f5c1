// Convolution backward to the input (issue #13), an implicit GEMM on the NT core (gemm-nt.wgsl),
// fused with the previous layer's activation gradient (as dense-backward-input-vec4.wgsl):
//   d input[image, y, x, c] = Σ_{ky, kx, f} gradient[image, y − ky + pad, x − kx + pad, f] · weights[ky, kx, c, f]
//   previousGradient = d input ⊙ activation'(previousRaw, previousActivated)
//   gradient [rows, height, width, filters]  (this layer's d raw);  weights [k, k, inputs, filters]
//   previousRaw, previousActivated, previousGradient [rows, height, width, inputs]   (NHWC)
// The product's operands are conv-backward-input-loaders.wgsl's, both read as vec4 along K.
// Requires inputs % 4 == 0 and filters % 4 == 0 (vec4 stores; a first layer's 1 or 3 input
// channels take conv-backward-input-any.wgsl). The previous layer's `activation` is LINEAR when it
// is a pool (the pool's backward kernel applies the conv's activation gradient instead).
@group(0) @binding(0) var<uniform> dims: ConvDims;
@group(0) @binding(1) var<storage, read> gradient: array<vec4f>;
@group(0) @binding(2) var<storage, read> weights: array<vec4f>;
@group(0) @binding(3) var<storage, read> previousRaw: array<vec4f>;
@group(0) @binding(4) var<storage, read> previousActivated: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> previousGradient: array<vec4f>;

override activation: u32 = RELU;  // the previous layer's activation
override WORKGROUP_X: u32;  // from the kernel table (src/engine/conv-kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  conv_setup(dims);
  let rowBlocks = (positions + BLOCK_M - 1u) / BLOCK_M;
  let columnBlocks = (channel4s + BLOCK_N4 - 1u) / BLOCK_N4;
  let block = gemm_nt(group.x, local, rowBlocks, columnBlocks, ksize * ksize * filter4s);
  for (var i = 0u; i < BLOCK_M; i++) {
    let m = block.m0 + i;
    if (m >= positions) { break; }
    for (var j = 0u; j < BLOCK_N4; j++) {
      let n4 = block.n40 + j;
      if (n4 >= channel4s) { break; }
      let at = m * channel4s + n4;
      previousGradient[at] = block.values[i * BLOCK_N4 + j] * activation_gradient4(activation, previousRaw[at], previousActivated[at]);
    }
  }
}
