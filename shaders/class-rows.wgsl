// The evaluation batch's rows grouped by class, for class-sums.wgsl (a counting sort, stable: each
// class's rows stay in ascending order, so every class sum adds its rows in batch order):
//   classRows[k]            the first entry of class k's rows (k = 0 … classes; [classes] = the end)
//   classRows[classes + 1 + i]   the rows, class 0's first
// Rows with labels ≥ classes (INVALID padding) are left out. One invocation: the batch's labels
// are read twice (about 2,000 reads a batch), against the rows × width × classes label reads it
// saves the class sums.
override classes: u32 = 10u;

@group(0) @binding(0) var<uniform> dims: Dims;                          // rows
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> classRows: array<u32>;   // [classes + 1 + rows]

@compute @workgroup_size(1)
fn main() {
  for (var k = 0u; k <= classes; k++) { classRows[k] = 0u; }
  for (var row = 0u; row < dims.rows; row++) {
    let k = labels[row];
    if (k < classes) { classRows[k + 1u] += 1u; }
  }
  for (var k = 1u; k <= classes; k++) { classRows[k] += classRows[k - 1u]; }
  // Scatter, using classRows[k] as class k's cursor; afterwards it is class k + 1's start, so
  // shifting the starts up by one restores them.
  for (var row = 0u; row < dims.rows; row++) {
    let k = labels[row];
    if (k >= classes) { continue; }
    classRows[classes + 1u + classRows[k]] = row;
    classRows[k] += 1u;
  }
  for (var k = classes; k > 0u; k--) { classRows[k] = classRows[k - 1u]; }
  classRows[0] = 0u;
}
