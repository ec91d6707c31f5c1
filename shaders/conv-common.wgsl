// Shared by the convolution and pooling kernels (conv-*.wgsl, pool-*.wgsl; issue #13).
//
// Layout, everywhere: NHWC, row-major, f32.
//   activations  [rows, height, width, channels]     (one image per batch row; channels fastest)
//   conv weights [k, k, inputs, filters]              (as a GEMM operand: [K = k·k·inputs, N = filters])
//   conv biases  [filters]
// A position is one pixel of one image: m = (row·height + y)·width + x, so a conv's GEMM has
// M = rows·height·width. Stride 1 and "same" padding: k is odd, pad = (k − 1) / 2, and input
// pixels outside the image read as zero. The K index of a weight is (ky·k + kx)·inputs + c
// (a "tap" ky·k + kx, channel fastest), which is also the column order of im2col(input).
// Buffers are bound as array<vec4f>: a binding's size must be whole vec4s (16 bytes), so a
// tensor whose element count is not a multiple of 4 is bound with its range rounded up.
struct ConvDims {
  rows: u32,     // batch rows (images)
  height: u32,   // input height (the conv output's too; a pool's output is floor(height / 2))
  width: u32,    // input width
  inputs: u32,   // input channels (a pool's channels)
  filters: u32,  // output channels F (a multiple of 4); unused by the pools
  kernel: u32,   // k, odd; unused by the pools
  splits: u32,   // the weight gradient's splits of its positions (conv-backward-weights.wgsl); 0 or 1: one
  unused: u32,
}

// Shape values copied from the uniform once per invocation (conv_setup), so loaders in the GEMM
// loops read no uniform.
var<private> height: u32;
var<private> width: u32;
var<private> channels: u32;   // input channels
var<private> channel4s: u32;  // input channels / 4 (the vec4 paths)
var<private> filter4s: u32;   // filters / 4
var<private> ksize: u32;      // k
var<private> pad: u32;        // (k − 1) / 2
var<private> positions: u32;  // rows · height · width
var<private> patchSize: u32;      // K of the forward product: k · k · inputs

fn conv_setup(dims: ConvDims) {
  height = dims.height;
  width = dims.width;
  channels = dims.inputs;
  channel4s = dims.inputs / 4u;
  filter4s = dims.filters / 4u;
  ksize = dims.kernel;
  pad = (dims.kernel - 1u) / 2u;
  positions = dims.rows * dims.height * dims.width;
  patchSize = dims.kernel * dims.kernel * dims.inputs;
}

// A position as loaders use it: (m, y, x), m clamped into range by the caller.
fn position_of(m: u32) -> vec3u {
  return vec3u(m, (m / width) % height, m % width);
}

// Vec4 `flat` of an NHWC map of `w` × `h` pixels and `c4s` vec4s of channels, as
// vec4u(c4, x, y, image) (the pools number their invocations this way).
fn nhwc_of(flat: u32, c4s: u32, w: u32, h: u32) -> vec4u {
  let p = flat / c4s;
  return vec4u(flat % c4s, p % w, p / w % h, p / (w * h));
}

// A shift in the image: vec4u(dy, dx, offset, c4), dy and dx as wrapping u32 (y + dy < height
// tests 0 ≤ y + dy < height in one comparison), offset = dy·width + dx in pixels (also wrapping:
// its sum with a position is exact modulo 2³²), c4 the vec4 of channels (the inputs % 4 == 0
// paths). NOWHERE as dy makes every test fail (a lane past K).
const NOWHERE = 0x80000000u;

// The shift of tap (ky, kx) for the forward pass and the weight gradient: the input pixel read
// for position (y, x) is (y + ky − pad, x + kx − pad).
fn shift_of_tap(tap: u32, c4: u32) -> vec4u {
  let dy = tap / ksize - pad;
  let dx = tap % ksize - pad;
  return vec4u(dy, dx, dy * width + dx, c4);
}

// The shift of K vec4 k4 when the input channels are a multiple of 4: tap k4 / channel4s.
fn shift_of_k4(k4: u32) -> vec4u {
  return shift_of_tap(k4 / channel4s, k4 % channel4s);
}

// The four lanes of K vec4 k4 for any channel count (inputs = 1 or 3 in a first layer): each
// lane kk = 4·k4 + lane has its own tap and channel; lanes past K get dy = NOWHERE.
struct Shift4 {
  dy: vec4u,
  dx: vec4u,
  offset: vec4u,
  channel: vec4u,
}

fn shift4_of_k4(k4: u32) -> Shift4 {
  let kk = vec4u(4u * k4) + vec4u(0u, 1u, 2u, 3u);
  let tap = kk / channels;
  let dy = select(vec4u(NOWHERE), tap / ksize - pad, kk < vec4u(patchSize));
  let dx = tap % ksize - pad;
  return Shift4(dy, dx, dy * width + dx, kk % channels);
}
