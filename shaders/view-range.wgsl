// Auto range of one panel, on the GPU: min and max (or ±max |x| when symmetric) of `count`
// values from `offset`, written to ranges[slot]; non-finite values are skipped.
struct RangeParams {
  offset: u32,
  count: u32,
  slot: u32,
  symmetric: u32,
  difference: u32,   // 1: the range of values − reference
}

const THREADS = 256u;

@group(0) @binding(0) var<uniform> params: RangeParams;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> ranges: array<vec2f>;
@group(0) @binding(3) var<storage, read> reference: array<f32>;

var<workgroup> lows: array<f32, THREADS>;
var<workgroup> highs: array<f32, THREADS>;

@compute @workgroup_size(THREADS)
fn main(@builtin(local_invocation_index) lid: u32) {
  var low = 3.4e38;
  var high = -3.4e38;
  for (var i = lid; i < params.count; i += THREADS) {
    let at = params.offset + i;
    let value = values[at] - select(0.0, reference[at], params.difference == 1u);
    if ((bitcast<u32>(value) & 0x7f800000u) != 0x7f800000u) {
      low = min(low, value);
      high = max(high, value);
    }
  }
  lows[lid] = low;
  highs[lid] = high;
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (lid < stride) {
      lows[lid] = min(lows[lid], lows[lid + stride]);
      highs[lid] = max(highs[lid], highs[lid + stride]);
    }
  }
  if (lid == 0u) {
    var range = vec2f(lows[0], highs[0]);
    if (range.x > range.y) { range = vec2f(0.0, 0.0); }  // nothing finite
    if (params.symmetric == 1u) {
      let m = max(abs(range.x), abs(range.y));
      range = vec2f(-m, m);
    }
    ranges[params.slot] = range;
  }
}
