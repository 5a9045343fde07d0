/** Structured log lines on stderr (stdout carries only the READY line). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: { ts: string; level: LogLevel; msg: string } & Record<string, unknown>) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: { level?: LogLevel; sink?: LogSink; base?: Record<string, unknown> } = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const sink: LogSink = options.sink ?? ((line) => process.stderr.write(JSON.stringify(line) + '\n'));
  const base = options.base ?? {};
  const at = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    sink({ ts: new Date().toISOString(), level, msg, ...base, ...fields });
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => createLogger({ level: options.level, sink, base: { ...base, ...fields } }),
  };
}

/** A logger that keeps lines in memory (tests assert on logged reasons). */
export function createMemoryLogger(): Logger & { lines: Array<{ level: LogLevel; msg: string } & Record<string, unknown>> } {
  const lines: Array<{ ts: string; level: LogLevel; msg: string } & Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });
  return Object.assign(logger, { lines });
}
