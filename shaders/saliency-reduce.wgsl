// Sums a batch of saliency rows per explained class, and each pixel's channels (saliency-pass.ts):
//   sums[j, p, c] = (accumulate ? sums[j, p, c] : 0) + scale · Σ_{s < samples} gradient[s·selectors + j, p, c]
//   maps[j, p] = Σ_c sums[j, p, c]   (the derivative for brightening pixel p in every channel)
//   gradient [samples·selectors, pixels, channels] (a batch's d score / d input, a sample's rows together)
//   sums [selectors, pixels, channels];  maps [selectors, pixels]
// A sample's saliency is samples 1, scale 1; a mean over N samples adds batches with scale 1/N. No
// atomics: each invocation owns one pixel of one class, in a fixed order.
struct ReduceDims {
  samples: u32,     // samples in the batch
  selectors: u32,   // classes explained per sample (rows per sample)
  pixels: u32,      // height · width
  channels: u32,    // input channels
  scale: f32,       // factor of the batch's sum
  accumulate: u32,  // 1: add to sums, 0: overwrite
}

@group(0) @binding(0) var<uniform> dims: ReduceDims;
@group(0) @binding(1) var<storage, read> gradient: array<f32>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;
@group(0) @binding(3) var<storage, read_write> maps: array<f32>;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let p = id.x;
  let j = id.y;
  if (p >= dims.pixels || j >= dims.selectors) { return; }
  let values = dims.pixels * dims.channels;
  var map = 0.0;
  for (var c = 0u; c < dims.channels; c++) {
    let at = p * dims.channels + c;
    var sum = 0.0;
    for (var s = 0u; s < dims.samples; s++) { sum += gradient[(s * dims.selectors + j) * values + at]; }
    let total = select(0.0, sums[j * values + at], dims.accumulate == 1u) + dims.scale * sum;
    sums[j * values + at] = total;
    map += total;
  }
  maps[j * dims.pixels + p] = map;
}
