// Dense layer parameter gradients on vec4 storage, for inputs and outputs that are multiples of 4:
//   dweights = xᵀ · gradient,  dbiases = column sums of gradient
//   x [rows, inputs];  gradient [rows, outputs];  dweights [inputs, outputs];  dbiases [outputs]
// One GEMM-core block per invocation (gemm-tn.wgsl: a sum of outer products over the batch rows; or
// gemm-tn-tiles.wgsl); the first row of blocks also sums the bias gradient of its columns. (Other
// widths use dense-backward-weights.wgsl.)
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;               // this layer's input
@group(0) @binding(2) var<storage, read> gradient: array<vec4f>;        // d loss / d raw
@group(0) @binding(3) var<storage, read_write> dweights: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> dbiases: array<vec4f>;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

var<private> input4s: u32;
var<private> output4s: u32;

fn at_column(m4: u32) -> u32 { return min(m4, input4s - 1u); }
fn load_at(column: u32, k: u32) -> vec4f { return x[k * input4s + column]; }
fn b_column(n4: u32) -> u32 { return min(n4, output4s - 1u); }
fn load_b(column: u32, k: u32) -> vec4f { return gradient[k * output4s + column]; }

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  input4s = dims.inputs / 4u;
  output4s = dims.outputs / 4u;
  let rowBlocks = (dims.inputs + BLOCK_M - 1u) / BLOCK_M;
  let columnBlocks = (output4s + BLOCK_N4 - 1u) / BLOCK_N4;
  let block = gemm_tn(group.x, local, rowBlocks, columnBlocks, 0u, dims.rows);
  for (var i = 0u; i < BLOCK_M; i++) {
    let m = block.m0 + i;
    if (m >= dims.inputs) { break; }
    for (var j = 0u; j < BLOCK_N4; j++) {
      let n4 = block.n40 + j;
      if (n4 >= output4s) { break; }
      dweights[m * output4s + n4] = block.values[i * BLOCK_N4 + j];
    }
  }
  if (block.m0 == 0u) {
    for (var j = 0u; j < BLOCK_N4; j++) {
      let n4 = block.n40 + j;
      if (n4 >= output4s) { break; }
      var sum = vec4f(0.0);
      for (var r = 0u; r < dims.rows; r++) { sum += gradient[r * output4s + n4]; }
      dbiases[n4] = sum;
    }
  }
}
