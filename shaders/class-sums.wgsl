// Per-class sums of one layer's raw and activated outputs over an evaluation batch, for the
// per-class mean strips:  sums[class][neuron] += raw[row][neuron]
//                         sums[CLASSES + class][neuron] += activated[row][neuron]
// One thread per neuron walks the batch's rows, so no two threads ever write the same sum.
// Rows with labels ≥ CLASSES (INVALID padding) are skipped.
const CLASSES = 10u;

@group(0) @binding(0) var<uniform> dims: Dims;                      // rows; outputs = layer width
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read> raw: array<f32>;
@group(0) @binding(3) var<storage, read> activated: array<f32>;
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;    // [2 · CLASSES, width]

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let neuron = id.x;
  let width = dims.outputs;
  if (neuron >= width) { return; }
  var rawSums: array<f32, CLASSES>;
  var activatedSums: array<f32, CLASSES>;
  for (var row = 0u; row < dims.rows; row++) {
    let label = labels[row];
    if (label >= CLASSES) { continue; }
    rawSums[label] += raw[row * width + neuron];
    activatedSums[label] += activated[row * width + neuron];
  }
  for (var c = 0u; c < CLASSES; c++) {
    sums[c * width + neuron] += rawSums[c];
    sums[(CLASSES + c) * width + neuron] += activatedSums[c];
  }
}
