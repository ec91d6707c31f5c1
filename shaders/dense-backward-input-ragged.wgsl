// Dense layer backward to the input for a layer whose inputs are a multiple of 4 and whose outputs
// are not (the output layer), fused with the previous layer's activation gradient:
//   previousGradient = (gradient · weightsᵀ) ⊙ activation'(previousRaw, previousActivated)
//   gradient [rows, outputs], weights [inputs, outputs] scalar;  previous* [rows, inputs] vec4
// The NT GEMM core (gemm-nt.wgsl) over the whole vec4s of k (the outputs): each vec4 is four scalar
// loads of a row. The last outputs % 4 terms are added to each stored value after the loop (their
// weights read once per column), so the loop has no bounds checks.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> gradient: array<f32>;             // this layer's d raw
@group(0) @binding(2) var<storage, read> weights: array<f32>;              // this layer's weights
@group(0) @binding(3) var<storage, read> previousRaw: array<vec4f>;        // previous layer's raw
@group(0) @binding(4) var<storage, read> previousActivated: array<vec4f>;  // previous layer's output
@group(0) @binding(5) var<storage, read_write> previousGradient: array<vec4f>;  // its d raw

override activation: u32 = RELU;  // the previous layer's activation
override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

var<private> outputs: u32;

fn a_row(m: u32) -> u32 { return min(m, dims.rows - 1u) * outputs; }
fn load_a(row: u32, k4: u32) -> vec4f { return vec4f(gradient[row + 4u * k4], gradient[row + 4u * k4 + 1u], gradient[row + 4u * k4 + 2u], gradient[row + 4u * k4 + 3u]); }
fn bt_row(n: u32) -> u32 { return min(n, dims.inputs - 1u) * outputs; }
fn load_bt(row: u32, k4: u32) -> vec4f { return vec4f(weights[row + 4u * k4], weights[row + 4u * k4 + 1u], weights[row + 4u * k4 + 2u], weights[row + 4u * k4 + 3u]); }

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  outputs = dims.outputs;
  let input4s = dims.inputs / 4u;
  let rowBlocks = (dims.rows + BLOCK_M - 1u) / BLOCK_M;
  let columnBlocks = (input4s + BLOCK_N4 - 1u) / BLOCK_N4;
  let wholeK4s = outputs / 4u;
  let block = gemm_nt(group.x, local, rowBlocks, columnBlocks, wholeK4s);
  // The last outputs % 4 (≤ 3) terms: each column's weights once (zero past the tail), then each
  // row's gradients once.
  let k0 = 4u * wholeK4s;
  var tailWeights: array<mat3x4f, BLOCK_N4>;  // [j][t]: weights[4·(n40 + j) + c, k0 + t] for c = 0‥3
  for (var j = 0u; j < BLOCK_N4; j++) {
    let n = 4u * min(block.n40 + j, input4s - 1u);
    for (var t = 0u; k0 + t < outputs; t++) {
      let w = n * outputs + k0 + t;
      tailWeights[j][t] = vec4f(weights[w], weights[w + outputs], weights[w + 2u * outputs], weights[w + 3u * outputs]);
    }
  }
  for (var i = 0u; i < BLOCK_M; i++) {
    let m = block.m0 + i;
    if (m >= dims.rows) { break; }
    var tailGradient = vec3f(0.0);
    for (var t = 0u; k0 + t < outputs; t++) { tailGradient[t] = gradient[m * outputs + k0 + t]; }
    for (var j = 0u; j < BLOCK_N4; j++) {
      let n4 = block.n40 + j;
      if (n4 >= input4s) { break; }
      let at = m * input4s + n4;
      let sum = block.values[i * BLOCK_N4 + j] + tailWeights[j] * tailGradient;
      previousGradient[at] = sum * activation_gradient4(activation, previousRaw[at], previousActivated[at]);
    }
  }
}
