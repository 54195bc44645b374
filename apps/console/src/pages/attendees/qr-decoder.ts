/** Reads a QR code off the camera's current frame: its text, or null when none is seen. */
export interface QrDecoder {
  decode(video: HTMLVideoElement): Promise<string | null>;
}

/** The Barcode Detection API (Chromium on Android, macOS…): not in TypeScript's DOM types yet. */
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

/** Frames are scaled down to this width for jsQR: fast enough on a phone, sharp enough for a ticket. */
const JSQR_WIDTH = 640;

/** Whether this browser can open a camera at all (a secure page with a camera API). */
export function cameraAvailable(): boolean {
  return typeof navigator !== 'undefined' && Boolean(navigator.mediaDevices?.getUserMedia);
}

/**
 * The browser's own BarcodeDetector when it reads QR codes; otherwise jsQR over a canvas (loaded
 * only now, so the console's bundle does not carry it for pages that never scan).
 */
export async function createQrDecoder(): Promise<QrDecoder> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  const formats = Detector ? await Detector.getSupportedFormats().catch(() => []) : [];
  if (Detector && formats.includes('qr_code')) {
    const detector = new Detector({ formats: ['qr_code'] });
    return {
      async decode(video) {
        const [found] = await detector.detect(video);
        return found?.rawValue ?? null;
      },
    };
  }
  const { default: jsQR } = await import('jsqr');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return {
    async decode(video) {
      const { videoWidth: width, videoHeight: height } = video;
      if (!context || width === 0 || height === 0) return null;
      const scale = Math.min(1, JSQR_WIDTH / width);
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' });
      return code?.data ?? null;
    },
  };
}
