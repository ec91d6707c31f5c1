// 2×2 max pooling backward (issue #13), as a gather (no atomics, no zeroing pass): each input
// element reads the pooled gradient of its window where it was the argmax and is zero elsewhere
// (and in a dropped last row or column), then is multiplied by the activation gradient of the
// layer before the pool (the conv whose activated output was pooled), so it yields that layer's
// d raw directly (`activation` LINEAR for none):
//   previousGradient[image, y, x, c] = (argmax[image, y/2, x/2, c] == this element's flat index
//       ? gradient[image, y/2, x/2, c] : 0) · activation'(previousRaw, previousActivated)
//   gradient, argmax [rows, floor(height/2), floor(width/2), channels]  (pool-forward.wgsl's argmax)
//   previousRaw, previousActivated, previousGradient [rows, height, width, channels]   (NHWC)
// dims.inputs holds the channels, a multiple of 4. One invocation per vec4 of input channels,
// numbered linearly (channels fastest), WORKGROUP_X to a workgroup.
@group(0) @binding(0) var<uniform> dims: ConvDims;
@group(0) @binding(1) var<storage, read> gradient: array<vec4f>;
@group(0) @binding(2) var<storage, read> argmax: array<vec4u>;
@group(0) @binding(3) var<storage, read> previousRaw: array<vec4f>;
@group(0) @binding(4) var<storage, read> previousActivated: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> previousGradient: array<vec4f>;

override activation: u32 = RELU;  // the activation of the layer before the pool
override WORKGROUP_X: u32;  // from the kernel table (src/engine/conv-kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  let flat = group.x * WORKGROUP_X + local;
  let c4s = dims.inputs / 4u;
  if (flat >= dims.rows * dims.height * dims.width * c4s) { return; }
  let e = nhwc_of(flat, c4s, dims.width, dims.height);
  let outHeight = dims.height / 2u;
  let outWidth = dims.width / 2u;
  var g = vec4f(0.0);
  if (e.z / 2u < outHeight && e.y / 2u < outWidth) {
    let o = ((e.w * outHeight + e.z / 2u) * outWidth + e.y / 2u) * c4s + e.x;
    let mine = argmax[o] == vec4u(4u * flat) + vec4u(0u, 1u, 2u, 3u);  // this element's flat index
    g = select(vec4f(0.0), gradient[o], mine);
  }
  previousGradient[flat] = g * activation_gradient4(activation, previousRaw[flat], previousActivated[flat]);
}
