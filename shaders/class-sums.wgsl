// Per-class sums of one layer's raw and activated outputs over an evaluation batch, for the
// per-class mean strips:  sums[class][neuron] += raw[row][neuron]
//                         sums[classes + class][neuron] += activated[row][neuron]
// One thread per (neuron, class) walks the rows of its class (class-rows.wgsl lists them, in batch
// order), so no two threads ever write the same sum, and no thread keeps per-class arrays (K may
// be up to 100). Rows with labels ≥ classes (INVALID padding) are in no class.
override classes: u32 = 10u;

@group(0) @binding(0) var<uniform> dims: Dims;                      // outputs = layer width
@group(0) @binding(1) var<storage, read> classRows: array<u32>;     // class-rows.wgsl
@group(0) @binding(2) var<storage, read> raw: array<f32>;
@group(0) @binding(3) var<storage, read> activated: array<f32>;
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;    // [2 · classes, width]

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let neuron = id.x;
  let k = id.y;  // the class
  let width = dims.outputs;
  if (neuron >= width || k >= classes) { return; }
  var rawSum = 0.0;
  var activatedSum = 0.0;
  for (var i = classRows[k]; i < classRows[k + 1u]; i++) {
    let row = classRows[classes + 1u + i];
    rawSum += raw[row * width + neuron];
    activatedSum += activated[row * width + neuron];
  }
  sums[k * width + neuron] += rawSum;
  sums[(classes + k) * width + neuron] += activatedSum;
}
