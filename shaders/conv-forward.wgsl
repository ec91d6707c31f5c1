// Convolution forward pass (issue #13), an implicit GEMM on the NN core (gemm-nn.wgsl):
//   raw = conv(input, weights) + biases,  activated = activation(raw)
//   input [rows, height, width, inputs];  weights [k, k, inputs, filters];  biases [filters]
//   raw, activated [rows, height, width, filters]      (NHWC; conv-common.wgsl)
// Stride 1, "same" padding. As C[M, N] = Σ_K A[M, K] · B[K, N]:
//   M = rows·height·width positions,  N = filters,  K = k·k·inputs,
//   A = im2col(input): A[m, (ky·k + kx)·inputs + c] = input[image, y + ky − pad, x + kx − pad, c]
//       (zero outside the image), built on the fly by load_a (nothing is materialised);
//   B = weights, row-major [K, filters] as stored.
// Bias and activation are fused into the store. filters must be a multiple of 4 (vec4 stores of
// raw and activated, vec4 rows of B); the engine requires it. Two table entries share this file:
//   VEC4_INPUT = true   inputs a multiple of 4: load_a is one vec4 load per (tap, c4)
//   VEC4_INPUT = false  any inputs (a first layer's 1 or 3): each lane of A's vec4 is its own
//                       (tap, channel), four scalar reads; K need not be a multiple of 4, its
//                       last vec4 has zero lanes past K (dy = NOWHERE) and load_b clamps k
//                       (a no-op on the vec4 path: one min per load of B).
@group(0) @binding(0) var<uniform> dims: ConvDims;
@group(0) @binding(1) var<storage, read> input: array<vec4f>;
@group(0) @binding(2) var<storage, read> weights: array<vec4f>;
@group(0) @binding(3) var<storage, read> biases: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> raw: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> activated: array<vec4f>;

override activation: u32 = RELU;
override WORKGROUP_X: u32;  // from the kernel table (src/engine/conv-kernels.ts)

fn a_row(m: u32) -> vec3u { return position_of(min(m, positions - 1u)); }
fn load_a(row: vec3u, k4: u32) -> vec4f {
  if (VEC4_INPUT) { return im2col4(row, shift_of_k4(k4)); }
  return im2col_lanes(row, shift4_of_k4(k4));
}
fn b_column(n4: u32) -> u32 { return min(n4, filter4s - 1u); }
fn load_b(column: u32, k: u32) -> vec4f { return weights[min(k, patchSize - 1u) * filter4s + column]; }  // rows past K meet zero lanes of A

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  conv_setup(dims);
  let rowBlocks = (positions + BLOCK_M - 1u) / BLOCK_M;
  let columnBlocks = (filter4s + BLOCK_N4 - 1u) / BLOCK_N4;
  let block = gemm_nn(group.x, local, rowBlocks, columnBlocks, (patchSize + 3u) / 4u);
  for (var i = 0u; i < BLOCK_M; i++) {
    let m = block.m0 + i;
    if (m >= positions) { break; }
    for (var j = 0u; j < BLOCK_N4; j++) {
      let n4 = block.n40 + j;
      if (n4 >= filter4s) { break; }
      let z = block.values[i * BLOCK_N4 + j] + biases[n4];
      raw[m * filter4s + n4] = z;
      activated[m * filter4s + n4] = activate4(activation, z);
    }
  }
}
