import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@tether/test-helpers';
import { SentLog, type SentRecord } from './sent-log.js';

const record: SentRecord = {
  backend: 'rest',
  timestamp: 10,
  recipients: ['+4915100000001'],
  message: 'hi',
  attachments: [],
  receivedAt: 11,
};

describe('SentLog', () => {
  const directory = tempDir();
  afterEach(() => directory.remove());

  it('appends records and reloads them, skipping a torn last line', () => {
    const file = join(directory.path, 'sent.ndjson');
    const first = new SentLog(file);
    first.add(record);
    first.close();
    appendFileSync(file, '{"backend":"rest","timest');
    const second = new SentLog(file);
    expect(second.all()).toEqual([record]);
    second.add({ ...record, timestamp: 12, backend: 'jsonrpc', groupId: 'g' });
    second.close();
    expect(readFileSync(file, 'utf8').split('\n').filter((line) => line.startsWith('{"backend"')).length).toBe(3);
  });

  it('returns copies, so callers cannot change the history', () => {
    const log = new SentLog();
    log.add(record);
    log.all()[0]?.recipients.push('+4915100000002');
    expect(log.all()[0]?.recipients).toEqual(['+4915100000001']);
  });
});
