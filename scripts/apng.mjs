// An animated PNG from PNG frames of one size (the README's video preview): the first frame's
// header, an animation control chunk, and each frame's image data as it is (IDAT for the first,
// fdAT after), with a frame control chunk before each. No recompression.
import { crc32 } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The chunks of a PNG: [{ type, data }]. */
function chunks(png) {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  const list = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    list.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return list;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** An endless animated PNG of `frames` (PNG files), each shown `delayMs`. */
export function assembleApng(frames, { delayMs }) {
  const first = chunks(frames[0]);
  const header = first.find((c) => c.type === 'IHDR').data;
  const [width, height] = [header.readUInt32BE(0), header.readUInt32BE(4)];
  const out = [SIGNATURE, chunk('IHDR', header)];
  const control = Buffer.alloc(8);
  control.writeUInt32BE(frames.length, 0); // frames; plays: 0 = forever
  out.push(chunk('acTL', control));
  let sequence = 0;
  frames.forEach((png, i) => {
    const parts = chunks(png);
    const ihdr = parts.find((c) => c.type === 'IHDR').data;
    if (ihdr.readUInt32BE(0) !== width || ihdr.readUInt32BE(4) !== height) throw new Error(`frame ${i} is not ${width}×${height}`);
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(sequence++, 0);
    fctl.writeUInt32BE(width, 4);
    fctl.writeUInt32BE(height, 8);
    fctl.writeUInt16BE(Math.round(delayMs), 20);
    fctl.writeUInt16BE(1000, 22); // delay = delayMs / 1000 s
    out.push(chunk('fcTL', fctl));
    for (const { data } of parts.filter((c) => c.type === 'IDAT')) {
      if (i === 0) out.push(chunk('IDAT', data));
      else {
        const sequenceNumber = Buffer.alloc(4);
        sequenceNumber.writeUInt32BE(sequence++, 0);
        out.push(chunk('fdAT', Buffer.concat([sequenceNumber, data])));
      }
    }
  });
  out.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(out);
}
