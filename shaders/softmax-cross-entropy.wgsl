// Output layer: softmax + categorical cross-entropy over a batch, in one workgroup.
//   logits, probabilities, gradient [rows, classes];  labels [rows] (INVALID rows are padding)
// Entry `train`: writes probabilities and gradient = (p − onehot) / validRows, adds the batch's
//   loss, correct count and valid rows to `stats`, and halts training on a non-finite loss.
// Entry `evaluate`: writes probabilities and predictions, adds loss and counts to `stats`,
//   and counts (label, prediction) pairs into the confusion matrix.
// The loss clips p to [1e-7, 1 − 1e-7] as the book does; the gradient uses p unclipped.
const THREADS = 64u;  // two rows each of a 128-row batch: 256 made the barriers cost SwiftShader 2 ms a step (now 0.3)

struct Stats {
  lossSum: f32,   // Σ −log p[label] over valid rows
  correct: u32,   // valid rows whose argmax is the label
  count: u32,     // valid rows
}

@group(0) @binding(0) var<uniform> params: StepParams;              // step, cursor
@group(0) @binding(1) var<uniform> dims: Dims;
@group(0) @binding(2) var<storage, read> logits: array<f32>;         // output layer raw
@group(0) @binding(3) var<storage, read> labels: array<u32>;         // batch labels
@group(0) @binding(4) var<storage, read_write> probabilities: array<f32>;  // output layer activated
@group(0) @binding(5) var<storage, read_write> gradient: array<f32>;       // d loss / d logits
@group(0) @binding(6) var<storage, read_write> stats: Stats;
@group(0) @binding(7) var<storage, read_write> control: Control;
@group(0) @binding(8) var<storage, read_write> confusion: array<atomic<u32>>;  // [label, predicted]
@group(0) @binding(9) var<storage, read_write> predictions: array<u32>;        // per sample position

var<workgroup> sharedLoss: array<f32, THREADS>;
var<workgroup> sharedCorrect: array<u32, THREADS>;
var<workgroup> sharedCount: array<u32, THREADS>;

// Softmax of one row into `probabilities`; returns (clipped loss, predicted class).
fn softmax_row(row: u32, label: u32) -> vec2f {
  let base = row * dims.outputs;
  var best = 0u;
  var maximum = logits[base];
  for (var c = 1u; c < dims.outputs; c++) {
    if (logits[base + c] > maximum) { maximum = logits[base + c]; best = c; }
  }
  var total = 0.0;
  for (var c = 0u; c < dims.outputs; c++) { total += exp(logits[base + c] - maximum); }
  for (var c = 0u; c < dims.outputs; c++) {
    probabilities[base + c] = exp(logits[base + c] - maximum) / total;
  }
  var loss = 0.0;
  if (label != INVALID) {
    let p = probabilities[base + min(label, dims.outputs - 1u)];
    // clamp() may turn NaN into a bound (min/max ignore NaN on some GPUs): pass NaN on as loss.
    loss = select(p, -log(clamp(p, 1e-7, 1.0 - 1e-7)), is_finite(p));
  }
  return vec2f(loss, f32(best));
}

// Sums every thread's (loss, correct, count) over the workgroup into element 0 of the shared arrays.
fn reduce_shared(lid: u32, loss: f32, correct: u32, count: u32) {
  sharedLoss[lid] = loss;
  sharedCorrect[lid] = correct;
  sharedCount[lid] = count;
  for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (lid < stride) {
      sharedLoss[lid] += sharedLoss[lid + stride];
      sharedCorrect[lid] += sharedCorrect[lid + stride];
      sharedCount[lid] += sharedCount[lid + stride];
    }
  }
  workgroupBarrier();
}

// Adds the workgroup's sums (after reduce_shared) to the running statistics; thread 0 only.
fn add_to_stats() {
  stats.lossSum += sharedLoss[0];
  stats.correct += sharedCorrect[0];
  stats.count += sharedCount[0];
}

@compute @workgroup_size(THREADS)
fn train(@builtin(local_invocation_index) lid: u32) {
  var valid = 0u;
  for (var row = lid; row < dims.rows; row += THREADS) { valid += select(0u, 1u, labels[row] != INVALID); }
  reduce_shared(lid, 0.0, 0u, valid);
  let validRows = max(workgroupUniformLoad(&sharedCount[0]), 1u);
  workgroupBarrier();

  var loss = 0.0;
  var correct = 0u;
  var count = 0u;
  for (var row = lid; row < dims.rows; row += THREADS) {
    let label = labels[row];
    let result = softmax_row(row, label);
    let isValid = label != INVALID;
    loss += result.x;
    correct += select(0u, 1u, isValid && u32(result.y) == label);
    count += select(0u, 1u, isValid);
    let base = row * dims.outputs;
    for (var c = 0u; c < dims.outputs; c++) {
      let onehot = select(0.0, 1.0, c == label);
      gradient[base + c] = select(0.0, (probabilities[base + c] - onehot) / f32(validRows), isValid);
    }
  }
  reduce_shared(lid, loss, correct, count);
  if (lid == 0u) {
    add_to_stats();
    if (!is_finite(sharedLoss[0]) && atomicLoad(&control.halted) == 0u) {
      atomicStore(&control.halted, 1u);
      atomicStore(&control.badStep, params.step);
    }
  }
}

@compute @workgroup_size(THREADS)
fn evaluate(@builtin(local_invocation_index) lid: u32) {
  var loss = 0.0;
  var correct = 0u;
  var count = 0u;
  for (var row = lid; row < dims.rows; row += THREADS) {
    let label = labels[row];
    let result = softmax_row(row, label);
    if (label == INVALID) { continue; }
    let predicted = u32(result.y);
    loss += result.x;
    correct += select(0u, 1u, predicted == label);
    count += 1u;
    predictions[params.cursor + row] = predicted;
    atomicAdd(&confusion[label * dims.outputs + predicted], 1u);
  }
  reduce_shared(lid, loss, correct, count);
  if (lid == 0u) { add_to_stats(); }
}
