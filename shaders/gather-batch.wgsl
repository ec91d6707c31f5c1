// Gathers one batch from the byte-packed data set on the GPU, in the order of a shuffled index list.
//   images [count, stride] bytes packed four to a u32, each image padded to whole words;
//   labels [count] bytes packed likewise
//   order [count] sample indices;  batch [rows, pixels] f32;  batchLabels [rows]
// Rows past the end of the order (the last, partial batch) get zero pixels and the label INVALID,
// which the loss skips. One invocation converts WORDS_PER_INVOCATION packed words (four pixels
// each) of one row: fewer, longer invocations cost SwiftShader less.

@group(0) @binding(0) var<uniform> params: StepParams;          // cursor, count
@group(0) @binding(1) var<storage, read> images: array<u32>;    // packed pixel bytes
@group(0) @binding(2) var<storage, read> labels: array<u32>;    // packed label bytes
@group(0) @binding(3) var<storage, read> order: array<u32>;     // sample index per position
@group(0) @binding(4) var<storage, read_write> batch: array<f32>;        // scaled pixels
@group(0) @binding(5) var<storage, read_write> batchLabels: array<u32>;  // label or INVALID

override pixels: u32 = 784;      // values per image: rows · cols · channels
override inputScale: f32 = 1.0;  // input = byte · inputScale + inputShift
override inputShift: f32 = 0.0;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let row = id.y;
  let words = (pixels + 3u) / 4u;  // the image's stride in words
  let firstWord = id.x * WORDS_PER_INVOCATION;
  if (firstWord >= words || row >= arrayLength(&batchLabels)) { return; }
  let position = params.cursor + row;
  let valid = position < params.count;
  let sample = select(0u, order[min(position, params.count - 1u)], valid);
  for (var word = firstWord; word < min(firstWord + WORDS_PER_INVOCATION, words); word++) {
    let packed = select(0u, images[sample * words + word], valid);
    let bytes = vec4f(vec4u(packed, packed >> 8u, packed >> 16u, packed >> 24u) & vec4u(0xffu));
    let values = select(vec4f(0.0), bytes * inputScale + inputShift, valid);
    let first = word * 4u;  // the last word may hold padding past the image's pixels
    let base = row * pixels + first;
    batch[base] = values.x;
    if (first + 1u < pixels) { batch[base + 1u] = values.y; }
    if (first + 2u < pixels) { batch[base + 2u] = values.z; }
    if (first + 3u < pixels) { batch[base + 3u] = values.w; }
  }
  if (firstWord == 0u) {
    let label = (labels[sample / 4u] >> ((sample % 4u) * 8u)) & 0xffu;
    batchLabels[row] = select(INVALID, label, valid);
  }
}
