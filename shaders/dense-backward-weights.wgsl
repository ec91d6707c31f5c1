// Dense layer parameter gradients for one batch:
//   dweights = xᵀ · gradient,  dbiases = column sums of gradient
//   x [rows, inputs];  gradient [rows, outputs];  dweights [inputs, outputs];  dbiases [outputs]
// Each invocation sums a 4 inputs × 4 outputs block over the batch rows; the invocations of
// the first input block also sum the bias gradient, which costs them four extra adds per row.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<f32>;               // this layer's input
@group(0) @binding(2) var<storage, read> gradient: array<f32>;        // d loss / d raw
@group(0) @binding(3) var<storage, read_write> dweights: array<f32>;
@group(0) @binding(4) var<storage, read_write> dbiases: array<f32>;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)
override WORKGROUP_Y: u32;

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let o0 = id.x * 4u;
  let i0 = id.y * 4u;
  if (o0 >= dims.outputs || i0 >= dims.inputs) { return; }
  let lastInput = dims.inputs - 1u;
  let lastOutput = dims.outputs - 1u;
  let o1 = min(o0 + 1u, lastOutput);
  let o2 = min(o0 + 2u, lastOutput);
  let o3 = min(o0 + 3u, lastOutput);
  let i1 = min(i0 + 1u, lastInput);
  let i2 = min(i0 + 2u, lastInput);
  let i3 = min(i0 + 3u, lastInput);
  var acc = array<vec4f, 4>();
  var biasAcc = vec4f(0.0);
  for (var r = 0u; r < dims.rows; r++) {
    let g = r * dims.outputs;
    let gv = vec4f(gradient[g + o0], gradient[g + o1], gradient[g + o2], gradient[g + o3]);
    let xr = r * dims.inputs;
    acc[0] += x[xr + i0] * gv;
    acc[1] += x[xr + i1] * gv;
    acc[2] += x[xr + i2] * gv;
    acc[3] += x[xr + i3] * gv;
    biasAcc += gv;
  }
  for (var c = 0u; c < 4u; c++) {
    let i = i0 + c;
    if (i >= dims.inputs) { break; }
    for (var k = 0u; k < 4u; k++) {
      let o = o0 + k;
      if (o >= dims.outputs) { break; }
      dweights[i * dims.outputs + o] = acc[c][k];
    }
  }
  if (i0 == 0u) {
    for (var k = 0u; k < 4u; k++) {
      let o = o0 + k;
      if (o >= dims.outputs) { break; }
      dbiases[o] = biasAcc[k];
    }
  }
}
