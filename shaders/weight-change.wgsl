// Relative weight change per layer since a snapshot, one workgroup per layer:
//   results[layer] = (Σ (w − w₀)², Σ w₀²) over the layer's weights (biases excluded);
// the host takes sqrt(first / second) = ‖W − W₀‖ / ‖W₀‖. Then the snapshot is brought up to date.
const THREADS = 256u;

struct Range {
  offset: u32,   // first weight of the layer in the flat parameter buffer
  count: u32,    // inputs × outputs
}

@group(0) @binding(0) var<storage, read> layers: array<Range>;
@group(0) @binding(1) var<storage, read> parameters: array<f32>;
@group(0) @binding(2) var<storage, read_write> snapshot: array<f32>;
@group(0) @binding(3) var<storage, read_write> results: array<vec2f>;

var<workgroup> changes: array<f32, THREADS>;
var<workgroup> norms: array<f32, THREADS>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lid: u32) {
  let range = layers[group.x];
  var change = 0.0;
  var norm = 0.0;
  for (var i = lid; i < range.count; i += THREADS) {
    let at = range.offset + i;
    let now = parameters[at];
    let before = snapshot[at];
    change += (now - before) * (now - before);
    norm += before * before;
    snapshot[at] = now;
  }
  changes[lid] = change;
  norms[lid] = norm;
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (lid < stride) {
      changes[lid] += changes[lid + stride];
      norms[lid] += norms[lid + stride];
    }
  }
  if (lid == 0u) { results[group.x] = vec2f(changes[0], norms[0]); }
}
