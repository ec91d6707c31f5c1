// Convolution backward to a first layer's input, for any channel count (1 or 3: grey or RGB
// images), with no activation after it (the input pixels): what saliency needs (saliency-pass.ts).
//   inputGradient[image, y, x, c] = Σ_{ky, kx, f} gradient[image, y − ky + pad, x − kx + pad, f] · weights[ky, kx, c, f]
//   gradient [rows, height, width, filters] (the layer's d raw);  weights [k, k, inputs, filters]
//   inputGradient [rows, height, width, inputs]   (NHWC)
// The same NT product as conv-backward-input.wgsl (operands from conv-backward-input-loaders.wgsl),
// stored one float at a time, so the columns (input channels) need not fill a vec4.
// Requires filters % 4 == 0.
@group(0) @binding(0) var<uniform> dims: ConvDims;
@group(0) @binding(1) var<storage, read> gradient: array<vec4f>;
@group(0) @binding(2) var<storage, read> weights: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> inputGradient: array<f32>;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/conv-kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  conv_setup(dims);
  let rowBlocks = (positions + BLOCK_M - 1u) / BLOCK_M;
  let columnBlocks = (channels + 4u * BLOCK_N4 - 1u) / (4u * BLOCK_N4);
  let block = gemm_nt(group.x, local, rowBlocks, columnBlocks, ksize * ksize * filter4s);
  for (var i = 0u; i < BLOCK_M; i++) {
    let m = block.m0 + i;
    if (m >= positions) { break; }
    for (var j = 0u; j < BLOCK_N4; j++) {
      let values = block.values[i * BLOCK_N4 + j];
      for (var lane = 0u; lane < 4u; lane++) {
        let c = 4u * (block.n40 + j) + lane;
        if (c >= channels) { break; }
        inputGradient[m * channels + c] = values[lane];
      }
    }
  }
}
