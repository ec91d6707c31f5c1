// Dense layer backward to its input, fused with the previous layer's activation gradient:
//   previousGradient = (gradient · weightsᵀ) ⊙ activation'(previousRaw, previousActivated)
//   gradient [rows, outputs] (d loss / d raw of this layer);  weights [inputs, outputs]
//   previousRaw, previousActivated, previousGradient [rows, inputs]
// Each invocation computes a 4 rows × 4 inputs block in registers.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> gradient: array<f32>;           // this layer's d raw
@group(0) @binding(2) var<storage, read> weights: array<f32>;            // this layer's weights
@group(0) @binding(3) var<storage, read> previousRaw: array<f32>;        // previous layer's raw
@group(0) @binding(4) var<storage, read> previousActivated: array<f32>;  // previous layer's output
@group(0) @binding(5) var<storage, read_write> previousGradient: array<f32>;  // its d raw

override activation: u32 = RELU;  // the previous layer's activation

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)
override WORKGROUP_Y: u32;

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i0 = id.x * 4u;
  let r0 = id.y * 4u;
  if (i0 >= dims.inputs || r0 >= dims.rows) { return; }
  let lastRow = dims.rows - 1u;
  let lastInput = dims.inputs - 1u;
  let w0 = i0 * dims.outputs;
  let w1 = min(i0 + 1u, lastInput) * dims.outputs;
  let w2 = min(i0 + 2u, lastInput) * dims.outputs;
  let w3 = min(i0 + 3u, lastInput) * dims.outputs;
  let g0 = r0 * dims.outputs;
  let g1 = min(r0 + 1u, lastRow) * dims.outputs;
  let g2 = min(r0 + 2u, lastRow) * dims.outputs;
  let g3 = min(r0 + 3u, lastRow) * dims.outputs;
  var acc = array<vec4f, 4>();
  for (var o = 0u; o < dims.outputs; o++) {
    let wv = vec4f(weights[w0 + o], weights[w1 + o], weights[w2 + o], weights[w3 + o]);
    acc[0] += gradient[g0 + o] * wv;
    acc[1] += gradient[g1 + o] * wv;
    acc[2] += gradient[g2 + o] * wv;
    acc[3] += gradient[g3 + o] * wv;
  }
  for (var r = 0u; r < 4u; r++) {
    let row = r0 + r;
    if (row >= dims.rows) { break; }
    for (var c = 0u; c < 4u; c++) {
      let i = i0 + c;
      if (i >= dims.inputs) { break; }
      let k = row * dims.inputs + i;
      previousGradient[k] = acc[r][c] * activation_gradient(activation, previousRaw[k], previousActivated[k]);
    }
  }
}
