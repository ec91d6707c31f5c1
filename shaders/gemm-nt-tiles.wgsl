// GEMM core, form NT, through workgroup tiles (the GPU variant of gemm-nt.wgsl; see
// gemm-nn-tiles.wgsl): tiles of A's rows and of B's rows, both vec4 along k.
const TILE_M = TILE_ROWS * BLOCK_M;
const TILE_N = 4 * TILE_COLUMNS * BLOCK_N4;
const INVOCATIONS = TILE_ROWS * TILE_COLUMNS;
var<workgroup> tileA: array<vec4f, TILE_M * TILE_K4>;   // A[m][k4] of the tile
var<workgroup> tileBt: array<vec4f, TILE_N * TILE_K4>;  // B[n][k4] of the tile

fn gemm_nt(group: u32, local: u32, rowBlocks: u32, columnBlocks: u32, k4s: u32) -> GemmBlock {
  let tileColumns = (columnBlocks + TILE_COLUMNS - 1u) / TILE_COLUMNS;
  let tm0 = (group / tileColumns) * TILE_M;
  let tn0 = (group % tileColumns) * TILE_N;
  let localRow = local / TILE_COLUMNS;
  let localColumn = local % TILE_COLUMNS;
  //#for i in BLOCK_M
  //#for j in BLOCK_N4
  var acc{i}_{j} = vec4f(0.0);
  //#end
  //#end
  for (var kt = 0u; kt < k4s; kt += TILE_K4) {
    for (var e = local; e < TILE_M * TILE_K4; e += INVOCATIONS) {
      let k4 = kt + e % TILE_K4;
      tileA[e] = select(vec4f(0.0), load_a(a_row(tm0 + e / TILE_K4), k4), k4 < k4s);
    }
    for (var e = local; e < TILE_N * TILE_K4; e += INVOCATIONS) {
      let k4 = kt + e % TILE_K4;
      tileBt[e] = select(vec4f(0.0), load_bt(bt_row(tn0 + e / TILE_K4), k4), k4 < k4s);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K4; kk++) {
      //#for j in BLOCK_N4
      //#for c in 4
      let b{j}_{c} = tileBt[(4u * (localColumn * BLOCK_N4 + {j}u) + {c}u) * TILE_K4 + kk];
      //#end
      //#end
      //#for i in BLOCK_M
      let a{i} = tileA[(localRow * BLOCK_M + {i}u) * TILE_K4 + kk];
      //#for j in BLOCK_N4
      acc{i}_{j} += vec4f(dot(a{i}, b{j}_0), dot(a{i}, b{j}_1), dot(a{i}, b{j}_2), dot(a{i}, b{j}_3));
      //#end
      //#end
    }
    workgroupBarrier();
  }
  var values: GemmValues;
  //#for i in BLOCK_M
  //#for j in BLOCK_N4
  values[{i}u * BLOCK_N4 + {j}u] = acc{i}_{j};
  //#end
  //#end
  let m0 = tm0 + localRow * BLOCK_M;
  let n40 = tn0 / 4u + localColumn * BLOCK_N4;
  let inside = m0 / BLOCK_M < rowBlocks && n40 / BLOCK_N4 < columnBlocks;
  return GemmBlock(select(NO_ROW, m0, inside), n40, values);
}
