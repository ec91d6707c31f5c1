// The operands of a convolution's backward product to its input, shifted(dY) · Wᵀ, for the NT core
// (gemm-nt.wgsl): shared by conv-backward-input.wgsl and conv-backward-input-any.wgsl, which
// declare `gradient` (dY [rows, height, width, filters]) and `weights` ([k, k, inputs, filters]),
// both array<vec4f>.
//   M = rows·height·width positions,  N = inputs,  K = k·k·filters, index (ky·k + kx)·filters + f,
//   A[m, (tap, f)] = gradient at the position shifted by (pad − ky, pad − kx), zero outside;
//   B[c, (tap, f)] = weights[tap, c, f]: for a fixed tap a row c is contiguous along f, so load_bt
//       is one vec4 load of the weights as stored (no transposed copy). Any channel count.
fn a_row(m: u32) -> vec3u { return position_of(min(m, positions - 1u)); }
fn load_a(row: vec3u, k4: u32) -> vec4f {
  let s = shift_of_tap(k4 / filter4s, k4 % filter4s);  // read mirrored: −dy, −dx (wrapping)
  return select(vec4f(0.0), gradient[(row.x - s.z) * filter4s + s.w], row.y - s.x < height && row.z - s.y < width);
}
fn bt_row(n: u32) -> u32 { return min(n, channels - 1u) * filter4s; }
fn load_bt(row: u32, k4: u32) -> vec4f {
  return weights[k4 + k4 / filter4s * (channels - 1u) * filter4s + row];  // (tap·inputs + c)·filter4s + f4
}
