// im2col reads of the NHWC `input` (bound by the including kernel as array<vec4f>), shared by the
// convolution forward pass (A = im2col(input), rows = positions) and the weight gradient
// (Aᵀ: its columns are K). Needs conv-common.wgsl. Position p = (m, y, x); zero outside the image.

// The vec4 of channels s.w at the pixel shifted by s (conv-common.wgsl's vec4u shift) (input channels a multiple of 4).
fn im2col4(p: vec3u, s: vec4u) -> vec4f {
  return select(vec4f(0.0), input[(p.x + s.z) * channel4s + s.w], p.y + s.x < height && p.z + s.y < width);
}

// Four lanes, each its own shift and channel (any channel count): four scalar reads.
fn im2col_lanes(p: vec3u, s: Shift4) -> vec4f {
  let inside = (vec4u(p.y) + s.dy < vec4u(height)) & (vec4u(p.z) + s.dx < vec4u(width));
  let at = (vec4u(p.x) + s.offset) * channels + s.channel;
  return select(vec4f(0.0), vec4f(input_at(at.x), input_at(at.y), input_at(at.z), input_at(at.w)), inside);
}

fn input_at(i: u32) -> f32 { return input[i / 4u][i % 4u]; }
