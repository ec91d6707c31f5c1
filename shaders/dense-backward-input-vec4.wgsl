// Dense layer backward to the input on vec4 storage, for inputs and outputs that are multiples of 4:
//   previousGradient = (gradient · weightsᵀ) ⊙ activation'(previousRaw, previousActivated)
//   gradient [rows, outputs];  weights [inputs, outputs];  previous* [rows, inputs]
// One GEMM-core block per invocation (gemm-nt.wgsl, or gemm-nt-tiles.wgsl); edges clamped outside
// the loop. (Other widths use dense-backward-input.wgsl.)
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> gradient: array<vec4f>;           // this layer's d raw
@group(0) @binding(2) var<storage, read> weights: array<vec4f>;            // this layer's weights
@group(0) @binding(3) var<storage, read> previousRaw: array<vec4f>;        // previous layer's raw
@group(0) @binding(4) var<storage, read> previousActivated: array<vec4f>;  // previous layer's output
@group(0) @binding(5) var<storage, read_write> previousGradient: array<vec4f>;  // its d raw

override activation: u32 = RELU;  // the previous layer's activation
override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

var<private> input4s: u32;
var<private> output4s: u32;

fn a_row(m: u32) -> u32 { return min(m, dims.rows - 1u) * output4s; }
fn load_a(row: u32, k4: u32) -> vec4f { return gradient[row + k4]; }
fn bt_row(n: u32) -> u32 { return min(n, dims.inputs - 1u) * output4s; }
fn load_bt(row: u32, k4: u32) -> vec4f { return weights[row + k4]; }

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  input4s = dims.inputs / 4u;
  output4s = dims.outputs / 4u;
  let rowBlocks = (dims.rows + BLOCK_M - 1u) / BLOCK_M;
  let columnBlocks = (input4s + BLOCK_N4 - 1u) / BLOCK_N4;
  let block = gemm_nt(group.x, local, rowBlocks, columnBlocks, dims.outputs / 4u); // K from the uniform: the tiled core loops over it around barriers
  for (var i = 0u; i < BLOCK_M; i++) {
    let m = block.m0 + i;
    if (m >= dims.rows) { break; }
    for (var j = 0u; j < BLOCK_N4; j++) {
      let n4 = block.n40 + j;
      if (n4 >= input4s) { break; }
      let at = m * input4s + n4;
      previousGradient[at] = block.values[i * BLOCK_N4 + j] * activation_gradient4(activation, previousRaw[at], previousActivated[at]);
    }
  }
}
