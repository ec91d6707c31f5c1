// One panel of a view, drawn straight from a training-dictionary buffer: a grid of tiles, each
// tileWidth × tileHeight cells, each cell coloured from one value through a colormap row.
//   strips:         1 column of 1×1 tiles (one per neuron)
//   matrices:       columns × rows of 1×1 tiles (the input image, weight heat maps)
//   first layer:    a grid of rows × cols tiles (the input image's shape), one per hidden neuron
// Value of cell (cx, cy) of tile (tx, ty), channel k:
//   values[offset + ty·rowStride + tx·colStride + (cy·tileWidth + cx)·pixelStride + k·channelStride]
// With `difference`, a cell shows values[i] − reference[i] (change since a snapshot).
// Mode 1 draws the colormap itself (a legend): left = range low, right = range high.
// Mode 2 draws RGB cells: channels 0, 1, 2 each normalized by the range (colour images, and the
// first layer's weights of colour images, 0.5 grey where a channel's weight is zero).
struct Panel {
  x: f32, y: f32, width: f32, height: f32,        // canvas pixels
  canvasWidth: f32, canvasHeight: f32,
  colormap: f32,                                  // atlas row
  gap: f32,                                       // pixels between tiles
  columns: u32, rows: u32,                        // tile grid
  tileWidth: u32, tileHeight: u32,                // cells per tile
  tiles: u32,                                     // tiles shown (a last grid row may be partial)
  offset: u32, rowStride: u32, colStride: u32, pixelStride: u32,
  rangeSlot: u32,                                 // ranges[rangeSlot] = (low, high)
  mode: u32,                                      // 0 values, 1 legend, 2 RGB
  highlight: i32,                                 // tile to outline, or −1
  labelRow: i32,                                  // ≥ 0: mark the argmax and inputLabels[labelRow] (output strip)
  difference: u32,                                // 1: show values − reference (change since a snapshot)
  channelStride: u32,                             // mode 2: from one colour channel to the next
  _pad: u32,
}

@group(0) @binding(0) var<uniform> panel: Panel;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read> ranges: array<vec2f>;
@group(0) @binding(3) var colormaps: texture_2d<f32>;
@group(0) @binding(4) var<storage, read> labels: array<u32>;
@group(0) @binding(5) var<storage, read> reference: array<f32>;   // a GPU-side snapshot of `values`

struct Varying {
  @builtin(position) position: vec4f,
  @location(0) local: vec2f,   // pixels from the panel's top-left corner
}

@vertex
fn vertex_main(@builtin(vertex_index) index: u32) -> Varying {
  let corner = vec2f(f32((0x32u >> index) & 1u), f32((0x2cu >> index) & 1u));  // two triangles
  let local = corner * vec2f(panel.width, panel.height);
  let pixel = vec2f(panel.x, panel.y) + local;
  let clip = vec2f(pixel.x / panel.canvasWidth * 2.0 - 1.0, 1.0 - pixel.y / panel.canvasHeight * 2.0);
  return Varying(vec4f(clip, 0.0, 1.0), local);
}

fn colormap(t: f32) -> vec4f {
  let size = textureDimensions(colormaps);
  let column = u32(clamp(t, 0.0, 1.0) * f32(size.x - 1u) + 0.5);
  return textureLoad(colormaps, vec2u(column, u32(panel.colormap)), 0);
}

fn normalized(value: f32) -> f32 {
  let range = ranges[panel.rangeSlot];
  let span = range.y - range.x;
  return select(0.5, (value - range.x) / span, span > 1e-30);
}

fn value_at(tile: u32, cell: u32, channel: u32) -> f32 {
  let tx = tile % panel.columns;
  let ty = tile / panel.columns;
  let index = panel.offset + ty * panel.rowStride + tx * panel.colStride + cell * panel.pixelStride + channel * panel.channelStride;
  return values[index] - select(0.0, reference[index], panel.difference == 1u);
}

const NAN_COLOR = vec4f(1.0, 0.0, 1.0, 1.0);
const MARK_TRUE = vec4f(0.05, 0.05, 0.05, 1.0);
const MARK_WRONG = vec4f(0.85, 0.1, 0.1, 1.0);

@fragment
fn fragment_main(in: Varying) -> @location(0) vec4f {
  if (panel.mode == 1u) { return colormap(in.local.x / panel.width); }
  let pitch = vec2f((panel.width + panel.gap) / f32(panel.columns), (panel.height + panel.gap) / f32(panel.rows));
  let grid = min(vec2u(in.local / pitch), vec2u(panel.columns - 1u, panel.rows - 1u));
  let within = in.local - vec2f(grid) * pitch;
  let inner = pitch - vec2f(panel.gap);
  let tile = grid.y * panel.columns + grid.x;
  if (within.x >= inner.x || within.y >= inner.y || tile >= panel.tiles) { discard; }
  let cellXY = min(vec2u(within / inner * vec2f(f32(panel.tileWidth), f32(panel.tileHeight))),
                   vec2u(panel.tileWidth - 1u, panel.tileHeight - 1u));
  let cell = cellXY.y * panel.tileWidth + cellXY.x;
  let value = value_at(tile, cell, 0u);
  var color = select(NAN_COLOR, colormap(normalized(value)), (bitcast<u32>(value) & 0x7f800000u) != 0x7f800000u);
  if (panel.mode == 2u) {
    let rgb = vec3f(normalized(value), normalized(value_at(tile, cell, 1u)), normalized(value_at(tile, cell, 2u)));
    color = select(NAN_COLOR, vec4f(clamp(rgb, vec3f(0.0), vec3f(1.0)), 1.0), all(rgb == rgb));
  }

  // Outlines: 2 px inside the tile's edge.
  let edge = min(min(within.x, within.y), min(inner.x - within.x, inner.y - within.y));
  if (edge < 2.0) {
    if (i32(tile) == panel.highlight) { color = MARK_TRUE; }
    if (panel.labelRow >= 0) {
      var best = 0u;
      for (var t = 1u; t < panel.tiles; t++) { if (value_at(t, 0u, 0u) > value_at(best, 0u, 0u)) { best = t; } }
      let label = labels[panel.labelRow];
      if (tile == label) { color = MARK_TRUE; } else if (tile == best) { color = MARK_WRONG; }
    }
  }
  return color;
}
