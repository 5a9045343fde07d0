/** Resolves with the next emission of `event`, or rejects after `ms`. */
export function nextEvent<A extends unknown[]>(
  subject: { on(event: never, fn: (...a: never[]) => void, owner?: object): () => void },
  event: string,
  ms = 10_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const off = (subject.on as (e: string, fn: (...a: A) => void) => () => void)(event, (...a: A) => {
      clearTimeout(t);
      off();
      resolve(a);
    });
    const t = setTimeout(() => {
      off();
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
