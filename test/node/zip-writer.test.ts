/** The PNG-zip fallback's archive: what ZipWriter writes, the zip reader (and so any unzip) reads back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readZip } from '../../src/data/zip.js';
import { ZipWriter } from '../../src/video/zip-writer.js';

test('stored entries come back byte for byte, with their names, CRCs and sizes checked by the reader', async () => {
  const files: [string, Uint8Array<ArrayBuffer>][] = [
    ['frame-0001.png', Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256)],
    ['frames.json', new TextEncoder().encode('{"fps":6}')],
    ['räume/leer.txt', new Uint8Array(0)],
  ];
  const zip = new ZipWriter();
  for (const [name, bytes] of files) zip.add(name, bytes);
  const archive = new Uint8Array(await zip.finish().arrayBuffer());
  const entries = readZip(archive, 'frames.zip');
  assert.deepEqual([...entries.keys()], files.map(([name]) => name));
  for (const [name, bytes] of files) assert.deepEqual(await entries.get(name)!.read(), bytes, name);
  // A flipped byte in a frame is caught by its CRC.
  archive[30 + 'frame-0001.png'.length + 5] ^= 0xff; // after its 30-byte local header and its name
  await assert.rejects(readZip(archive, 'frames.zip').get('frame-0001.png')!.read(), /CRC-32 does not match/);
});
