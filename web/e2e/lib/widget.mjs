// Helpers for the widget's browser test: a real PNG made on the spot, the HMAC a host's
// backend computes for a verified email, and a file dropped on the widget.
import crypto from 'node:crypto';
import zlib from 'node:zlib';

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid size×size RGB PNG in one colour: real magic bytes for the server's type check. */
export function solidPng(size = 24, [r, g, b] = [47, 107, 58]) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => [r, g, b]).flat())]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** What the host's backend passes as `userHash`: HMAC-SHA256(identity secret, email), hex. */
export function userHash(identitySecret, email) {
  return crypto.createHmac('sha256', identitySecret).update(email.trim().toLowerCase()).digest('hex');
}

/**
 * Drops a file on the widget's Chat tab the way a browser does (dragenter, dragover, drop
 * with a DataTransfer holding a File), from bytes given as base64.
 */
export function dropFile(page, { base64, name, type }) {
  return page.evaluate(
    ({ base64, name, type }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type }));
      const target = document.querySelector('parley-widget').shadowRoot.querySelector('.log');
      for (const kind of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true, composed: true }));
      }
    },
    { base64, name, type },
  );
}
