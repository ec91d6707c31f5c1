// Adam over every parameter of the network at once (one flat buffer each), as in the book:
//   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//   parameter −= lr_t · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε)
//   parameters, gradients, momentums (m), caches (v) [n]; lr_t and the corrections come from the host.
// Does nothing once training has halted, and never stores a non-finite parameter: it halts instead.
// Four parameters at a time (the dictionary's buffers hold whole 64-float ranges).
@group(0) @binding(0) var<uniform> params: StepParams;
@group(0) @binding(1) var<storage, read_write> parameters: array<vec4f>;
@group(0) @binding(2) var<storage, read> gradients: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> momentums: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> caches: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> control: Control;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  if (atomicLoad(&control.halted) != 0u) { return; }
  let stride = groups.x * WORKGROUP_X;
  let beta1 = params.momentum;
  for (var i = id.x; i < arrayLength(&parameters); i += stride) {
    let g = gradients[i];
    let m = beta1 * momentums[i] + (1.0 - beta1) * g;
    let v = params.beta2 * caches[i] + (1.0 - params.beta2) * g * g;
    let step = (m / params.beta1Correction) / (sqrt(v / params.beta2Correction) + params.epsilon);
    let next = parameters[i] - params.learningRate * step;
    if (!all(is_finite4(next))) {
      atomicStore(&control.halted, 2u);
      atomicStore(&control.badStep, params.step);
      continue;
    }
    parameters[i] = next;
    momentums[i] = m;
    caches[i] = v;
  }
}
