// Dense layer forward on vec4 storage, for inputs and outputs that are multiples of 4:
//   raw = x · weights + biases,  activated = activation(raw)
//   x [rows, inputs];  weights [inputs, outputs] row-major;  biases [outputs];  raw, activated [rows, outputs]
// One GEMM-core block per invocation (gemm-nn.wgsl in registers, or gemm-nn-tiles.wgsl through
// workgroup tiles); ragged edges are clamped once, outside the loop, and never stored. (Other
// widths use dense-forward.wgsl.)
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> weights: array<vec4f>;
@group(0) @binding(3) var<storage, read> biases: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> raw: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> activated: array<vec4f>;

override activation: u32 = RELU;
override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

// Row lengths in vec4s, set once per invocation: the loads in the loop read no uniform.
var<private> input4s: u32;
var<private> output4s: u32;

fn a_row(m: u32) -> u32 { return min(m, dims.rows - 1u) * input4s; }
fn load_a(row: u32, k4: u32) -> vec4f { return x[row + k4]; }
fn b_column(n4: u32) -> u32 { return min(n4, output4s - 1u); }
fn load_b(column: u32, k: u32) -> vec4f { return weights[k * output4s + column]; }

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  input4s = dims.inputs / 4u;
  output4s = dims.outputs / 4u;
  let rowBlocks = (dims.rows + BLOCK_M - 1u) / BLOCK_M;
  let columnBlocks = (output4s + BLOCK_N4 - 1u) / BLOCK_N4;
  let block = gemm_nn(group.x, local, rowBlocks, columnBlocks, dims.inputs / 4u); // K from the uniform: the tiled core loops over it around barriers
  for (var i = 0u; i < BLOCK_M; i++) {
    let m = block.m0 + i;
    if (m >= dims.rows) { break; }
    for (var j = 0u; j < BLOCK_N4; j++) {
      let n4 = block.n40 + j;
      if (n4 >= output4s) { break; }
      let z = block.values[i * BLOCK_N4 + j] + biases[n4];
      raw[m * output4s + n4] = z;
      activated[m * output4s + n4] = activate4(activation, z);
    }
  }
}
