// The daemon's logger is the last line of defence: any phone number in any string it is given
// (the message, fields, nested fields, errors) is masked before it is written.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(level: Parameters<typeof createLogger>[0] = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    level,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { logger, lines };
}

describe('createLogger', () => {
  it('masks numbers in the message, in fields at any depth, in lists and in errors', () => {
    const { logger, lines } = capture();
    logger.info('sent to +4915187654321');
    logger.warn({ to: '+4915187654321', nested: { list: ['+4915100000001', 7] }, err: new Error('untrusted identity of +4915187654321') }, 'failed for +4915112345678');
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/\+49\d{6,}/);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'sent to +49…4321', pid: process.pid, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(lines[1]).toMatchObject({ msg: 'failed for +49…5678', to: '+49…4321', nested: { list: ['+49…0001', 7] }, err: { message: 'untrusted identity of +49…4321' } });
    // an error keeps its code, its stack (masked too) and its cause
    expect(lines[1]!['err']).toMatchObject({ type: 'Error', stack: expect.stringMatching(/^Error: untrusted identity of \+49…4321\n\s+at /) });
    const coded = Object.assign(new Error('disk full', { cause: new Error('write to +4915187654321 failed') }), { code: 'SQLITE_FULL' });
    logger.error({ err: coded }, 'outbox write failed');
    // pino joins the cause into the message and the stack
    expect(lines[2]!['err']).toMatchObject({ type: 'Error', code: 'SQLITE_FULL', message: 'disk full: write to +49…4321 failed' });
    expect(JSON.stringify(lines[2])).not.toMatch(/\+49\d{6,}/);
  });

  it('writes nothing below its level, and a message given alone as an object', () => {
    const { logger, lines } = capture('warn');
    logger.info({ hidden: true }, 'below the level');
    logger.error({ only: 'fields' });
    expect(lines).toEqual([expect.objectContaining({ level: 50, only: 'fields' })]);
  });
});
