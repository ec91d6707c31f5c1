// Dense layer parameter gradients for a layer whose inputs are a multiple of 4 and whose outputs
// are not (the output layer):
//   dweights = xᵀ · gradient,  dbiases = column sums of gradient
//   x [rows, inputs] read as vec4 along the inputs;  gradient [rows, outputs], dweights, dbiases scalar
// The TN GEMM core (gemm-tn.wgsl) with B gathered: each vec4 of B is four scalar loads of one
// gradient row, at column indices clamped once, before the loop; past-the-edge columns are never
// stored. The first row of blocks also sums the bias gradient of its columns.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;               // this layer's input
@group(0) @binding(2) var<storage, read> gradient: array<f32>;          // d loss / d raw
@group(0) @binding(3) var<storage, read_write> dweights: array<f32>;
@group(0) @binding(4) var<storage, read_write> dbiases: array<f32>;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

var<private> input4s: u32;
var<private> outputs: u32;

fn at_column(m4: u32) -> u32 { return min(m4, input4s - 1u); }
fn load_at(column: u32, k: u32) -> vec4f { return x[k * input4s + column]; }
fn b_column(n4: u32) -> vec4u { return min(4u * n4 + vec4u(0u, 1u, 2u, 3u), vec4u(outputs - 1u)); }
fn load_b(columns: vec4u, k: u32) -> vec4f {
  let row = k * outputs;
  return vec4f(gradient[row + columns.x], gradient[row + columns.y], gradient[row + columns.z], gradient[row + columns.w]);
}

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  input4s = dims.inputs / 4u;
  outputs = dims.outputs;
  let rowBlocks = (dims.inputs + BLOCK_M - 1u) / BLOCK_M;
  let columnBlocks = (outputs + 4u * BLOCK_N4 - 1u) / (4u * BLOCK_N4);
  let block = gemm_tn(group.x, local, rowBlocks, columnBlocks, 0u, dims.rows);
  let lastColumn = min(4u * (block.n40 + BLOCK_N4), outputs);
  for (var i = 0u; i < BLOCK_M; i++) {
    let m = block.m0 + i;
    if (m >= dims.inputs) { break; }
    for (var n = 4u * block.n40; n < lastColumn; n++) {
      dweights[m * outputs + n] = block.values[i * BLOCK_N4 + (n / 4u - block.n40)][n % 4u];
    }
  }
  if (block.m0 == 0u) {
    for (var n = 4u * block.n40; n < lastColumn; n++) {
      var sum = 0.0;
      for (var r = 0u; r < dims.rows; r++) { sum += gradient[r * outputs + n]; }
      dbiases[n] = sum;
    }
  }
}
