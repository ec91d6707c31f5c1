// 2×2 max pooling, stride 2 (issue #13), NHWC (conv-common.wgsl):
//   pooled[image, oy, ox, c] = max over dy, dx ∈ {0, 1} of input[image, 2·oy + dy, 2·ox + dx, c]
//   argmax[image, oy, ox, c] = the flat index into `input` (in floats) of that maximum
//   input [rows, height, width, channels];  pooled, argmax [rows, floor(height/2), floor(width/2), channels]
// Odd height or width: floor; the last row or column is dropped (its gradient is zero).
// Ties: the first maximum in the order (0,0), (0,1), (1,0), (1,1) wins (strictly greater
// replaces). dims.inputs holds the channels, a multiple of 4. One invocation per vec4 of pooled
// channels, numbered linearly (channels fastest), WORKGROUP_X to a workgroup.
@group(0) @binding(0) var<uniform> dims: ConvDims;
@group(0) @binding(1) var<storage, read> input: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> pooled: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> argmax: array<vec4u>;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/conv-kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  let flat = group.x * WORKGROUP_X + local;
  let c4s = dims.inputs / 4u;
  let outHeight = dims.height / 2u;
  let outWidth = dims.width / 2u;
  if (flat >= dims.rows * outHeight * outWidth * c4s) { return; }
  let e = nhwc_of(flat, c4s, outWidth, outHeight);
  let lanes = vec4u(4u * e.x) + vec4u(0u, 1u, 2u, 3u);
  let p = (e.w * dims.height + 2u * e.z) * dims.width + 2u * e.y;  // top-left pixel of the window
  var best = input[p * c4s + e.x];
  var index = vec4u(p * dims.inputs) + lanes;
  for (var w = 1u; w < 4u; w++) {
    let q = p + (w >> 1u) * dims.width + (w & 1u);
    let v = input[q * c4s + e.x];
    let better = v > best;
    best = select(best, v, better);
    index = select(index, vec4u(q * dims.inputs) + lanes, better);
  }
  pooled[flat] = best;
  argmax[flat] = index;
}
