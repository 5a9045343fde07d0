/**
 * onnxruntime-node 1.30 on Linux ships Microsoft's 1DS telemetry: on first use it writes a device
 * id and an event database under ~/.cache/Microsoft/DeveloperTools/.onnxruntime, a `.ses` file
 * and `mat-debug-<pid>.log` into TMPDIR, and tries HTTPS uploads. An appliance that handles
 * biometrics must not, so telemetry is switched off through ORT_DISABLE_TELEMETRY before the
 * native library initialises. The native code reads the real process environment, which only the
 * main thread can change (a worker's process.env is a private copy): verifier.ts calls this before
 * spawning the inference worker, and engine.ts imports this module before onnxruntime-node.
 */
export function disableOrtTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY = '1';
}

disableOrtTelemetry();
