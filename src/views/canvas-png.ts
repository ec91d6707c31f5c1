/**
 * A canvas as a PNG file: for the views' PNG buttons and a video's PNG frames (a module of its own,
 * with no imports, so the lazily loaded video code can share it without pulling the views in).
 */
/** A canvas's picture now as a PNG file (taken at the call, encoded after). */
export function canvasToPNG(canvas: HTMLCanvasElement | OffscreenCanvas): Promise<Blob> {
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type: 'image/png' });
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The canvas could not be encoded as PNG.'))), 'image/png'));
}
