// Dense layer forward: raw = x · weights + biases, activated = activation(raw).
//   x [rows, inputs];  weights [inputs, outputs] row-major;  biases [outputs]
//   raw, activated [rows, outputs]
// The variant for widths that are not multiples of 4 (dense-forward-vec4.wgsl takes the others):
// scalar loads. Each invocation keeps a 4×4 block (4 rows × 4 outputs) in registers; an 8×8
// workgroup covers 32 rows × 32 outputs. Indices past a ragged edge are clamped once, before the
// loop; what they compute is never stored.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<f32>;              // previous layer's output
@group(0) @binding(2) var<storage, read> weights: array<f32>;        // this layer's weights
@group(0) @binding(3) var<storage, read> biases: array<f32>;         // this layer's biases
@group(0) @binding(4) var<storage, read_write> raw: array<f32>;      // pre-activation
@group(0) @binding(5) var<storage, read_write> activated: array<f32>;

override activation: u32 = RELU;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)
override WORKGROUP_Y: u32;

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let o0 = id.x * 4u;
  let r0 = id.y * 4u;
  if (o0 >= dims.outputs || r0 >= dims.rows) { return; }
  let lastRow = dims.rows - 1u;
  let lastOutput = dims.outputs - 1u;
  let o1 = min(o0 + 1u, lastOutput);
  let o2 = min(o0 + 2u, lastOutput);
  let o3 = min(o0 + 3u, lastOutput);
  let x0 = r0 * dims.inputs;
  let x1 = min(r0 + 1u, lastRow) * dims.inputs;
  let x2 = min(r0 + 2u, lastRow) * dims.inputs;
  let x3 = min(r0 + 3u, lastRow) * dims.inputs;
  var acc = array<vec4f, 4>();
  for (var i = 0u; i < dims.inputs; i++) {
    let w = i * dims.outputs;
    let wv = vec4f(weights[w + o0], weights[w + o1], weights[w + o2], weights[w + o3]);
    acc[0] += x[x0 + i] * wv;
    acc[1] += x[x1 + i] * wv;
    acc[2] += x[x2 + i] * wv;
    acc[3] += x[x3 + i] * wv;
  }
  for (var r = 0u; r < 4u; r++) {
    let row = r0 + r;
    if (row >= dims.rows) { break; }
    for (var c = 0u; c < 4u; c++) {
      let o = o0 + c;
      if (o >= dims.outputs) { break; }
      let z = acc[r][c] + biases[o];
      raw[row * dims.outputs + o] = z;
      activated[row * dims.outputs + o] = activate(activation, z);
    }
  }
}
