import { useEffect, useRef, useState } from 'react';
import { cameraAvailable, createQrDecoder } from './qr-decoder.js';

/** Time between two looks at the camera's frame. */
const FRAME_INTERVAL_MS = 200;
/** The same code seen again within this time is the same ticket still held up: not a new scan. */
const REPEAT_QUIET_MS = 4_000;

/** Why the camera did not start, in words. */
function cameraMessage(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError')
    return 'The camera is blocked: allow it in the browser’s settings.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found.';
  if (name === 'NotReadableError') return 'The camera is in use by another app.';
  return 'The camera could not be started.';
}

/**
 * A camera that reads QR codes and hands each new one to `onCode`. It starts only when asked
 * (a button) and stops with the same button or when the page closes.
 */
export function CameraScanner({ onCode }: { onCode: (code: string) => void }) {
  const [running, setRunning] = useState(false);
  const [problem, setProblem] = useState('');
  const video = useRef<HTMLVideoElement>(null);
  const handler = useRef(onCode);
  useEffect(() => {
    handler.current = onCode;
  }, [onCode]);

  useEffect(() => {
    if (!running) return;
    let stopped = false;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const last = { code: '', at: 0 };
    const element = video.current;

    async function start() {
      if (!element) return;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: 'environment' },
          audio: false,
        });
        if (stopped) return;
        element.srcObject = stream;
        await element.play();
        const decoder = await createQrDecoder();
        const look = async () => {
          if (stopped) return;
          const code = await decoder.decode(element).catch(() => null);
          const now = Date.now();
          if (code && !stopped && (code !== last.code || now - last.at > REPEAT_QUIET_MS)) {
            handler.current(code);
          }
          if (code) Object.assign(last, { code, at: now });
          timer = setTimeout(() => void look(), FRAME_INTERVAL_MS);
        };
        void look();
      } catch (error) {
        if (stopped) return;
        setProblem(cameraMessage(error));
        setRunning(false);
      }
    }

    setProblem('');
    void start();
    return () => {
      stopped = true;
      clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
      if (element) element.srcObject = null;
    };
  }, [running]);

  if (!cameraAvailable()) {
    return (
      <p className="hint">
        No camera here (the browser offers none on this page): type or paste codes above.
      </p>
    );
  }
  return (
    <div className="camera">
      <button type="button" onClick={() => setRunning((on) => !on)}>
        {running ? 'Stop camera' : 'Start camera'}
      </button>
      {problem && (
        <p className="note note-error" role="alert">
          {problem}
        </p>
      )}
      <video
        ref={video}
        className="camera-view"
        hidden={!running}
        muted
        playsInline
        aria-label="Camera view: hold a ticket’s QR code in front of it"
      />
    </div>
  );
}
