// Hidden-layer activations, chosen per pipeline by the `activation` override constant.
// Codes match ACTIVATION_CODES in src/engine/config.ts.
const LINEAR = 0u;
const RELU = 1u;
const SIGMOID = 2u;
const TANH = 3u;

fn activate(kind: u32, z: f32) -> f32 {
  switch kind {
    case RELU: { return max(z, 0.0); }
    case SIGMOID: { return 1.0 / (1.0 + exp(-z)); }
    case TANH: { return tanh(z); }
    default: { return z; }
  }
}

// d activated / d raw, from the raw value z and the activated value a.
fn activation_gradient(kind: u32, z: f32, a: f32) -> f32 {
  switch kind {
    case RELU: { return select(0.0, 1.0, z > 0.0); }
    case SIGMOID: { return a * (1.0 - a); }
    case TANH: { return 1.0 - a * a; }
    default: { return 1.0; }
  }
}
