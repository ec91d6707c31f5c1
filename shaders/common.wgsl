// Shared by the training kernels (prepended to each).

// Label of a padding row past the end of the data: the loss skips it.
const INVALID = 0xffffffffu;

// Shape of one dense layer's matrices for one dispatch.
struct Dims {
  rows: u32,     // batch rows
  inputs: u32,   // layer input width
  outputs: u32,  // layer output width (classes for the output layer)
}

// Per-step values, one 256-byte slot per step in a table the host writes once per epoch
// (bound with a dynamic offset), so every step of a chunk reuses the same bind groups.
struct StepParams {
  step: u32,             // updates applied before this one (Adam's t − 1, decay's iteration)
  cursor: u32,           // first position of this batch in the sample order
  count: u32,            // number of positions in the sample order (samples in the split)
  learningRate: f32,     // decayed rate: lr / (1 + decay · step)
  momentum: f32,         // SGD momentum μ, or Adam β1
  beta2: f32,            // Adam β2
  epsilon: f32,          // Adam ε
  beta1Correction: f32,  // Adam 1 − β1^(step+1)
  beta2Correction: f32,  // Adam 1 − β2^(step+1)
}

// Non-finite test on the bits: comparisons with NaN may be folded away by fast-math compilers.
fn is_finite4(value: vec4f) -> vec4<bool> {
  return (bitcast<vec4u>(value) & vec4u(0x7f800000u)) != vec4u(0x7f800000u);
}

fn is_finite(value: f32) -> bool {
  return is_finite4(vec4f(value)).x;
}

// Training state the kernels share across steps; the host reads it with the statistics.
struct Control {
  halted: atomic<u32>,   // 0 running, 1 non-finite loss, 2 non-finite parameter update
  badStep: atomic<u32>,  // the step at which training halted
}
