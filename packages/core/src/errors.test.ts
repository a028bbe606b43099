import { describe, expect, it } from 'vitest';
import { AbortedError, ConflictError, ConnectTimeoutError, OutboxFullError, TetherError, TransportError } from './errors.js';

const KINDS = [
  [AbortedError, 'aborted'],
  [ConnectTimeoutError, 'connect-timeout'],
  [OutboxFullError, 'outbox-full'],
  [TransportError, 'transport'],
  [ConflictError, 'conflict'],
] as const;

describe('TetherError', () => {
  it('carries a code, a message, a name and a cause', () => {
    const cause = new Error('socket hang up');
    const error = new TetherError('custom', 'it broke', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('custom');
    expect(error.message).toBe('it broke');
    expect(error.name).toBe('TetherError');
    expect(error.cause).toBe(cause);
  });

  it('recognises its brand, not the class, so copies from another install pass', () => {
    const foreign = Object.assign(new Error('from a duplicate install'), { [Symbol.for('tether.error')]: true, code: 'conflict' });
    expect(TetherError.isInstance(foreign)).toBe(true);
    expect(ConflictError.isInstance(foreign)).toBe(true);
    expect(foreign instanceof TetherError).toBe(false);
  });

  it.each([null, undefined, 'aborted', 42, new Error('plain'), { code: 'closed' }, { [Symbol.for('tether.error')]: 'yes' }])(
    'rejects %s',
    (value) => {
      expect(TetherError.isInstance(value)).toBe(false);
    },
  );
});

describe.each(KINDS.map(([ErrorClass, code]) => [ErrorClass.name, ErrorClass, code] as const))('%s', (_, ErrorClass, code) => {
  it(`has the code ${code}, its own name and an optional cause`, () => {
    const cause = new Error('underlying');
    const error = new ErrorClass('something happened', { cause });
    expect(error).toBeInstanceOf(TetherError);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.code).toBe(code);
    expect(error.name).toBe(ErrorClass.name);
    expect(error.name).toMatch(/Error$/);
    expect(error.message).toBe('something happened');
    expect(error.cause).toBe(cause);
    expect(new ErrorClass('no cause').cause).toBeUndefined();
  });

  it('recognises its own kind and no other', () => {
    const error = new ErrorClass('x');
    expect(TetherError.isInstance(error)).toBe(true);
    expect(ErrorClass.isInstance(error)).toBe(true);
    for (const [OtherClass, otherCode] of KINDS) if (otherCode !== code) expect(OtherClass.isInstance(error)).toBe(false);
    expect(ErrorClass.isInstance(new TetherError('other', 'x'))).toBe(false);
    expect(ErrorClass.isInstance(new Error('x'))).toBe(false);
  });
});

describe('TransportError', () => {
  it('is retriable unless the caller says otherwise, in the constructor or later', () => {
    const error = new TransportError('connect refused');
    expect(error.retriable).toBe(true);
    error.retriable = false;
    expect(error.retriable).toBe(false);
    const refused = new TransportError('token revoked', { retriable: false, cause: new Error('401') });
    expect(refused).toMatchObject({ retriable: false, code: 'transport', message: 'token revoked' });
    expect((refused.cause as Error).message).toBe('401');
  });
});
