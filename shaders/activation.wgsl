// Hidden-layer activations, chosen per pipeline by the `activation` override constant.
// Codes match ACTIVATION_CODES in src/engine/config.ts. Written once, for four values at a time;
// the scalar forms take one lane.
const LINEAR = 0u;
const RELU = 1u;
const SIGMOID = 2u;
const TANH = 3u;

fn activate4(kind: u32, z: vec4f) -> vec4f {
  switch kind {
    case RELU: { return max(z, vec4f(0.0)); }
    case SIGMOID: { return 1.0 / (1.0 + exp(-z)); }
    case TANH: { return tanh(z); }
    default: { return z; }
  }
}

// d activated / d raw, from the raw values z and the activated values a.
fn activation_gradient4(kind: u32, z: vec4f, a: vec4f) -> vec4f {
  switch kind {
    case RELU: { return select(vec4f(0.0), vec4f(1.0), z > vec4f(0.0)); }
    case SIGMOID: { return a * (1.0 - a); }
    case TANH: { return 1.0 - a * a; }
    default: { return vec4f(1.0); }
  }
}

fn activate(kind: u32, z: f32) -> f32 {
  return activate4(kind, vec4f(z)).x;
}

fn activation_gradient(kind: u32, z: f32, a: f32) -> f32 {
  return activation_gradient4(kind, vec4f(z), vec4f(a)).x;
}
