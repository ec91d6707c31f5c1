// Gathers one batch from the byte-packed data set on the GPU, in the order of a shuffled index list.
//   images [count, stride] bytes packed four to a u32, each image padded to whole words;
//   labels [count] bytes packed likewise
//   order [count] sample indices;  batch [rows, pixels] f32;  batchLabels [rows]
// Rows past the end of the order (the last, partial batch) get zero pixels and the label INVALID,
// which the loss skips. One invocation converts WORDS_PER_INVOCATION packed words (four pixels
// each) of one row: fewer, longer invocations cost SwiftShader less.
// With `augment` (training batches; src/engine/augment.ts says what each constant does), each
// value is instead read through the row's random transform: rotate, shift, flip (inverted here:
// an output pixel finds its source), cutout, then Gaussian noise after scaling. Every draw is a
// hash of (augmentSeed, the step, the row) and of what is drawn, so the same seed gives the same batches.

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

override augment: bool = false;
override augmentSeed: u32 = 0u;
override imageRows: u32 = 1u;      // the image's shape (pixels = imageRows · imageCols · imageChannels; HWC)
override imageCols: u32 = 1u;
override imageChannels: u32 = 1u;
override shiftPixels: u32 = 0u;    // shifts in [−shiftPixels, shiftPixels], x and y
override flip: bool = false;       // mirror left–right with probability ½
override rotateRadians: f32 = 0.0; // angles in [−rotateRadians, rotateRadians]
override noiseStd: f32 = 0.0;      // Gaussian noise added after scaling
override cutoutSide: u32 = 0u;     // a blanked square of this side

// PCG hash (Jarzynski and Olano, "Hash Functions for GPU Rendering", JCGT 2020).
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// A row's key: a hash of (augmentSeed, step, row), from which all of the row's draws come.
fn row_key(step: u32, row: u32) -> u32 {
  return pcg(augmentSeed ^ pcg(step ^ pcg(row)));
}

// A uniform draw in [0, 1): draw `what` of the row with key `key`.
fn draw(key: u32, what: u32) -> f32 {
  return f32(pcg(key ^ pcg(what)) >> 8u) / 16777216.0;
}

// A whole number in [0, n), n ≥ 1.
fn draw_below(key: u32, what: u32, n: u32) -> u32 {
  return min(u32(draw(key, what) * f32(n)), n - 1u);
}

// One row's transform.
struct Draws {
  key: u32,          // row_key: the noise's draws come from it too
  shift: vec2i,      // (y, x) pixels
  flipped: bool,
  rotation: vec2f,   // (cos, sin)
  cutout: vec2i,     // the square's top-left (y, x)
}

// Draws 0 … 5 of a row; the noise uses draws 16 + 2·e and 17 + 2·e of value e.
fn draws_of(step: u32, row: u32) -> Draws {
  let key = row_key(step, row);
  let span = 2u * shiftPixels + 1u;
  let shift = vec2i(vec2u(draw_below(key, 0u, span), draw_below(key, 1u, span))) - vec2i(i32(shiftPixels));
  let angle = (2.0 * draw(key, 3u) - 1.0) * rotateRadians;
  let centre = vec2i(vec2u(draw_below(key, 4u, imageRows), draw_below(key, 5u, imageCols)));
  return Draws(key, shift, flip && draw(key, 2u) < 0.5, vec2f(cos(angle), sin(angle)), centre - vec2i(i32(cutoutSide / 2u)));
}

// A byte of the sample's image as a float; 0 outside the image.
fn texel(first: u32, y: i32, x: i32, c: u32) -> f32 {
  if (y < 0 || x < 0 || y >= i32(imageRows) || x >= i32(imageCols)) { return 0.0; }
  let index = (u32(y) * imageCols + u32(x)) * imageChannels + c;
  return f32((images[first + index / 4u] >> ((index % 4u) * 8u)) & 0xffu);
}

// The byte value (before scaling) of output value e of the image whose first word is `first`.
fn augmented_byte(first: u32, e: u32, d: Draws) -> f32 {
  let c = e % imageChannels;
  let y = i32(e / imageChannels / imageCols);
  var x = i32(e / imageChannels % imageCols);
  let side = i32(cutoutSide);
  if (side > 0 && all(vec2i(y, x) >= d.cutout) && all(vec2i(y, x) < d.cutout + vec2i(side))) { return 0.0; }
  if (d.flipped) { x = i32(imageCols) - 1 - x; }
  let shifted = vec2i(y, x) - d.shift;
  if (rotateRadians == 0.0) { return texel(first, shifted.x, shifted.y, c); }
  // The source point R(−angle) · (p − centre) + centre, read bilinearly.
  let centre = vec2f(f32(imageRows - 1u), f32(imageCols - 1u)) * 0.5;
  let q = vec2f(shifted) - centre;
  let source = vec2f(d.rotation.x * q.x + d.rotation.y * q.y, d.rotation.x * q.y - d.rotation.y * q.x) + centre;
  let base = floor(source);
  let t = source - base;
  let y0 = i32(base.x);
  let x0 = i32(base.y);
  let top = mix(texel(first, y0, x0, c), texel(first, y0, x0 + 1, c), t.y);
  let bottom = mix(texel(first, y0 + 1, x0, c), texel(first, y0 + 1, x0 + 1, c), t.y);
  return mix(top, bottom, t.x);
}

// A standard normal draw for value e of the row with key `key` (Box–Muller).
fn gaussian(key: u32, e: u32) -> f32 {
  let u1 = max(draw(key, 16u + 2u * e), 1e-7);
  let u2 = draw(key, 17u + 2u * e);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307 * u2);
}

// Words [firstWord, lastWord) of the sample's image, scaled, into the batch row (zeros where not valid).
fn copy_words(row: u32, sample: u32, valid: bool, words: u32, firstWord: u32, lastWord: u32) {
  for (var word = firstWord; word < lastWord; word++) {
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
}

// The same values read through the row's random transform, then scaled, with noise added.
fn augment_words(row: u32, sample: u32, valid: bool, words: u32, firstWord: u32, lastWord: u32) {
  let d = draws_of(params.step, row);
  for (var e = firstWord * 4u; e < min(lastWord * 4u, pixels); e++) {
    var value = 0.0;
    if (valid) {
      value = augmented_byte(sample * words, e, d) * inputScale + inputShift;
      if (noiseStd > 0.0) { value += noiseStd * gaussian(d.key, e); }
    }
    batch[row * pixels + e] = value;
  }
}

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let row = id.y;
  let words = (pixels + 3u) / 4u;  // the image's stride in words
  let firstWord = id.x * WORDS_PER_INVOCATION;
  if (firstWord >= words || row >= arrayLength(&batchLabels)) { return; }
  let position = params.cursor + row;
  let valid = position < params.count;
  let sample = select(0u, order[min(position, params.count - 1u)], valid);
  let lastWord = min(firstWord + WORDS_PER_INVOCATION, words);
  if (augment) { augment_words(row, sample, valid, words, firstWord, lastWord); } else { copy_words(row, sample, valid, words, firstWord, lastWord); }
  if (firstWord == 0u) {
    let label = (labels[sample / 4u] >> ((sample % 4u) * 8u)) & 0xffu;
    batchLabels[row] = select(INVALID, label, valid);
  }
}
