// The seed of a saliency backward pass (src/engine/saliency-pass.ts). A row's score is the logit
// (the raw output, before softmax) of the class it explains, so d score / d logits is one-hot:
//   gradient[r, k] = 1 if k is the class row r explains, else 0 (all 0 on a padding row)
// Row r explains selectors[r % dims.selectors]: a class number, PREDICTED (the argmax of the row's
// logits, the first of equal ones, as the softmax kernels pick it) or LABEL (the row's true class).
//   logits, gradient [rows, classes];  labels, chosen [rows];  selectors [dims.selectors]
// One invocation per row.
struct SeedDims {
  rows: u32,       // rows of the batch
  classes: u32,    // logits per row
  selectors: u32,  // rows per sample: the classes explained side by side
}

@group(0) @binding(0) var<uniform> dims: SeedDims;
@group(0) @binding(1) var<storage, read> logits: array<f32>;       // the output layer's raw outputs
@group(0) @binding(2) var<storage, read> labels: array<u32>;       // true classes, INVALID on padding rows
@group(0) @binding(3) var<storage, read> selectors: array<u32>;    // what each row of a sample explains
@group(0) @binding(4) var<storage, read_write> gradient: array<f32>;  // d score / d logits
@group(0) @binding(5) var<storage, read_write> chosen: array<u32>;    // the class each row explains (INVALID: none)

const PREDICTED = 0xfffffffeu;
const LABEL = 0xfffffffdu;

override WORKGROUP_X: u32;  // from the kernel table (src/engine/kernels.ts)

@compute @workgroup_size(WORKGROUP_X)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let r = id.x;
  if (r >= dims.rows) { return; }
  let base = r * dims.classes;
  let label = labels[r];
  var explained = selectors[r % dims.selectors];
  if (explained == PREDICTED) {
    explained = 0u;
    for (var k = 1u; k < dims.classes; k++) { if (logits[base + k] > logits[base + explained]) { explained = k; } }
  }
  if (explained == LABEL) { explained = label; }
  if (label == INVALID) { explained = INVALID; }
  for (var k = 0u; k < dims.classes; k++) { gradient[base + k] = select(0.0, 1.0, k == explained); }
  chosen[r] = explained;
}
