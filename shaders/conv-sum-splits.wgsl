// Adds up the partial sums of a conv layer's parameter gradients (conv-backward-weights.wgsl with
// dims.splits > 1; issue #13):
//   dweights[i] = Σ_s partialWeights[s, i]   (i over k·k·inputs·filters)
//   dbiases[f]  = Σ_s partialBiases[s, f]
// in split order (the same sum every step). One invocation per vec4 of dW, then per vec4 of dB,
// numbered linearly, WORKGROUP_X to a workgroup.
@group(0) @binding(0) var<uniform> dims: ConvDims;
@group(0) @binding(1) var<storage, read> partialWeights: array<vec4f>;
@group(0) @binding(2) var<storage, read> partialBiases: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dweights: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> dbiases: array<vec4f>;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/conv-kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  conv_setup(dims);
  let flat = group.x * WORKGROUP_X + local;
  let weight4s = patchSize * filter4s;
  if (flat < weight4s) {
    var sum = vec4f(0.0);
    for (var s = 0u; s < dims.splits; s++) { sum += partialWeights[s * weight4s + flat]; }
    dweights[flat] = sum;
  } else if (flat < weight4s + filter4s) {
    let f4 = flat - weight4s;
    var sum = vec4f(0.0);
    for (var s = 0u; s < dims.splits; s++) { sum += partialBiases[s * filter4s + f4]; }
    dbiases[f4] = sum;
  }
}
