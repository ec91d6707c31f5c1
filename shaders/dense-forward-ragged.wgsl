// Dense layer forward for a layer whose inputs are a multiple of 4 and whose outputs are not
// (the output layer's 10 classes):
//   raw = x · weights + biases,  activated = activation(raw)
//   x [rows, inputs] read as vec4 along k;  weights [inputs, outputs], biases, raw, activated scalar
// The NN GEMM core (gemm-nn.wgsl) with B gathered: each vec4 of B is four scalar loads of one weight
// row, at column indices clamped to the last column once, before the loop. Past-the-edge columns
// are computed and never stored.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> biases: array<f32>;
@group(0) @binding(4) var<storage, read_write> raw: array<f32>;
@group(0) @binding(5) var<storage, read_write> activated: array<f32>;

override activation: u32 = RELU;
override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

// Set once per invocation: the loads in the loop read no uniform.
var<private> input4s: u32;
var<private> outputs: u32;

fn a_row(m: u32) -> u32 { return min(m, dims.rows - 1u) * input4s; }
fn load_a(row: u32, k4: u32) -> vec4f { return x[row + k4]; }
fn b_column(n4: u32) -> vec4u { return min(4u * n4 + vec4u(0u, 1u, 2u, 3u), vec4u(outputs - 1u)); }
fn load_b(columns: vec4u, k: u32) -> vec4f {
  let row = k * outputs;
  return vec4f(weights[row + columns.x], weights[row + columns.y], weights[row + columns.z], weights[row + columns.w]);
}

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  input4s = dims.inputs / 4u;
  outputs = dims.outputs;
  let rowBlocks = (dims.rows + BLOCK_M - 1u) / BLOCK_M;
  let columnBlocks = (outputs + 4u * BLOCK_N4 - 1u) / (4u * BLOCK_N4);
  let block = gemm_nn(group.x, local, rowBlocks, columnBlocks, input4s);
  let lastColumn = min(4u * (block.n40 + BLOCK_N4), outputs);
  for (var i = 0u; i < BLOCK_M; i++) {
    let m = block.m0 + i;
    if (m >= dims.rows) { break; }
    for (var n = 4u * block.n40; n < lastColumn; n++) {
      let z = block.values[i * BLOCK_N4 + (n / 4u - block.n40)][n % 4u] + biases[n];
      raw[m * outputs + n] = z;
      activated[m * outputs + n] = activate(activation, z);
    }
  }
}
