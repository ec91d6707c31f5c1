// SGD with momentum over every parameter of the network at once (one flat buffer each):
//   update = μ · momentum − lr_t · gradient;  parameter += update;  momentum = update
//   parameters, gradients, momentums [n]   (lr_t already decayed by the host: lr / (1 + decay·t))
// Does nothing once training has halted, and never stores a non-finite parameter: it halts instead.
// Four parameters at a time (the dictionary's buffers hold whole 64-float ranges).
@group(0) @binding(0) var<uniform> params: StepParams;               // learningRate, momentum
@group(0) @binding(1) var<storage, read_write> parameters: array<vec4f>;
@group(0) @binding(2) var<storage, read> gradients: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> momentums: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> control: Control;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  if (atomicLoad(&control.halted) != 0u) { return; }
  let stride = groups.x * WORKGROUP_X;
  for (var i = id.x; i < arrayLength(&parameters); i += stride) {
    let update = params.momentum * momentums[i] - params.learningRate * gradients[i];
    let next = parameters[i] + update;
    if (!all(is_finite4(next))) {
      atomicStore(&control.halted, 2u);
      atomicStore(&control.badStep, params.step);
      continue;
    }
    parameters[i] = next;
    momentums[i] = update;
  }
}
