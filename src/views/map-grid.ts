/** Grids of feature maps: one H×W tile per channel, laid out to make the largest cells in a box. */
import type { MapShape } from '../engine/layers.js';

/**
 * A panel grid of one sample's NHWC map: a tile per channel (tile c is channel c), a cell per pixel,
 * centred in `box`, its columns chosen for the largest cells; `gap` pixels between tiles while tiles
 * are at least 8 pixels wide. Spread into a PanelSpec with the source, offset, count and colours.
 */
export function mapGrid(map: MapShape, box: { x: number; y: number; width: number; height: number }, gap: number) {
  const tiles = map.channels;
  const columns = gridColumns(tiles, map.width, map.height, box.width, box.height);
  const rows = Math.ceil(tiles / columns);
  const fit = (g: number) => Math.min((box.width - (columns - 1) * g) / columns, ((box.height - (rows - 1) * g) / rows) * (map.width / map.height));
  const space = fit(gap) >= 8 ? gap : 0;
  const tileWidth = Math.max(1, fit(space));
  const tileHeight = (tileWidth * map.height) / map.width;
  const width = Math.floor(columns * tileWidth + (columns - 1) * space);
  const height = Math.floor(rows * tileHeight + (rows - 1) * space);
  return {
    rect: { x: box.x + Math.floor((box.width - width) / 2), y: box.y, width, height },
    columns, rows, tiles, tileWidth: map.width, tileHeight: map.height, gap: space,
    rowStride: columns, colStride: 1, pixelStride: map.channels,
  };
}

/** The columns of a grid of `tiles` tiles of `tileWidth` × `tileHeight` cells that make the largest cells in a `width` × `height` box. */
export function gridColumns(tiles: number, tileWidth: number, tileHeight: number, width: number, height: number): number {
  let best = 1;
  let bestCell = 0;
  for (let columns = 1; columns <= tiles; columns++) {
    const rows = Math.ceil(tiles / columns);
    const cell = Math.min(width / (columns * tileWidth), height / (rows * tileHeight));
    if (cell > bestCell) [best, bestCell] = [columns, cell];
  }
  return best;
}
