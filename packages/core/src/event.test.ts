import { describe, expect, it } from 'vitest';
import { disposer, Emitter } from './event.js';
import { noopLogger, type Logger } from './logger.js';

function recordingLogger(): { logger: Logger; errors: Record<string, unknown>[] } {
  const errors: Record<string, unknown>[] = [];
  const error = (fields: Record<string, unknown> | string): void => void errors.push(typeof fields === 'string' ? { message: fields } : fields);
  const logger: Logger = { ...noopLogger, error: error as Logger['error'] };
  return { logger, errors };
}

describe('Emitter', () => {
  it('calls every listener in subscription order with the value', () => {
    const emitter = new Emitter<number>();
    const seen: string[] = [];
    emitter.event((value) => seen.push(`a${value}`));
    emitter.event((value) => seen.push(`b${value}`));
    emitter.emit(1);
    expect(seen).toEqual(['a1', 'b1']);
    expect(emitter.size).toBe(2);
  });

  it('isolates a throwing listener: the others run, the throw is logged with err, emit returns', () => {
    const { logger, errors } = recordingLogger();
    const emitter = new Emitter<string>({ logger, name: 'link change' });
    const seen: string[] = [];
    emitter.event(() => {
      throw new Error('disk full');
    });
    emitter.event((value) => seen.push(value));
    expect(() => emitter.emit('x')).not.toThrow();
    expect(seen).toEqual(['x']);
    expect(errors).toEqual([{ err: expect.objectContaining({ message: 'disk full' }), event: 'link change' }]);
  });

  it('disposes exactly one subscription, once, also through Symbol.dispose', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    const listener = (value: number): number => seen.push(value);
    const first = emitter.event(listener);
    const second = emitter.event(listener);
    emitter.emit(1);
    first();
    first();
    emitter.emit(2);
    second[Symbol.dispose]();
    emitter.emit(3);
    expect(seen).toEqual([1, 1, 2]);
    expect(emitter.size).toBe(0);
  });

  it('calls a listener that another one disposes during the same emit, and not after', () => {
    const emitter = new Emitter<number>();
    const seen: string[] = [];
    let disposeSecond = (): void => {};
    emitter.event((value) => {
      seen.push(`first ${value}`);
      disposeSecond();
    });
    disposeSecond = emitter.event((value) => seen.push(`second ${value}`));
    emitter.emit(1);
    emitter.emit(2);
    expect(seen).toEqual(['first 1', 'second 1', 'first 2']);
  });

  it('forgets every listener on clear', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    emitter.event((value) => seen.push(value));
    emitter.clear();
    emitter.emit(1);
    expect(seen).toEqual([]);
  });
});

describe('disposer', () => {
  it('runs the unsubscribe once, whichever way it is called', () => {
    let calls = 0;
    const dispose = disposer(() => calls++);
    dispose();
    dispose[Symbol.dispose]();
    expect(calls).toBe(1);
  });
});
