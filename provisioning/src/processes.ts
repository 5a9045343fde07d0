import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What a service process announces on stdout once it listens: `EVALROOM_READY {json}`. */
export const READY_PREFIX = 'EVALROOM_READY ';

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The JSON the process announced in its READY line (URLs it listens on). */
  readonly endpoints: Record<string, string>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  readyTimeoutMs?: number;
  /** Receives every output line, prefixed by nothing; default: discard. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/**
 * Starts a service and waits for its READY line. A process that exits or stays silent past the
 * timeout is reported with the tail of its output, so a failed start explains itself.
 */
export function startService(options: StartOptions): Promise<ServiceProcess> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const remember = (line: string, stream: 'stdout' | 'stderr') => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    options.onLine?.(line, stream);
  };
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

  return new Promise<ServiceProcess>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${options.name}: ${why}\n--- last output ---\n${tail.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${options.readyTimeoutMs ?? 60_000} ms`), options.readyTimeoutMs ?? 60_000);
    child.on('error', (err) => fail(`could not start: ${err.message}`));
    void exited.then((code) => fail(`exited before it was ready (${code})`));

    createInterface({ input: child.stderr! }).on('line', (line) => remember(line, 'stderr'));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      remember(line, 'stdout');
      if (settled || !line.startsWith(READY_PREFIX)) return;
      let endpoints: Record<string, string>;
      try {
        endpoints = JSON.parse(line.slice(READY_PREFIX.length));
      } catch {
        fail(`unreadable READY line: ${line}`);
        return;
      }
      settled = true;
      clearTimeout(timer);
      resolve({
        name: options.name,
        child,
        endpoints,
        exited,
        stop: (signal = 'SIGTERM', graceMs = 15_000) => stopChild(child, exited, signal, graceMs),
      });
    });
  });
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<number | string>,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
