/** A CSS colour (any syntax the page takes) as a GPUColor: views clear to the page's background. */
export function cssColor(text: string): GPUColor {
  // A 2D context normalises the syntax; an unknown colour leaves the white fill.
  const context = new OffscreenCanvas(1, 1).getContext('2d')!;
  context.fillStyle = '#ffffff';
  context.fillStyle = text.trim() || '#ffffff';
  context.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = context.getImageData(0, 0, 1, 1).data;
  return { r: r! / 255, g: g! / 255, b: b! / 255, a: a! / 255 };
}
