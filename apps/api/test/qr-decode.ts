import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is a CommonJS bundle declaring `export default`: under NodeNext the default import is
// module.exports, and the function is also on its `default` property at run time.
const jsQR = jsQRModule.default;

/** Decodes a PNG with a real QR reader (pngjs for pixels, jsQR for the symbol). */
export function decodeQrPng(png: Buffer): { text: string | undefined; width: number } {
  const image = PNG.sync.read(png);
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
  return { text: jsQR(pixels, image.width, image.height)?.data, width: image.width };
}
