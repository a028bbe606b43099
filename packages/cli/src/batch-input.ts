// Reads `tether send --batch FILE` (or `-` for stdin): one send request per line (NDJSON), as the
// control API takes them. Every line is checked before the daemon is contacted: a bad one is exit
// 2 naming its line, and nothing is sent. Blank lines are skipped.
import { readFile } from 'node:fs/promises';
import type { SendRequest } from '@tether/daemon/protocol';
import { usageError } from './exit-error.js';
import type { InputSources } from './send-input.js';
import { checkRecipients } from './send-input.js';

export async function readBatch(source: string, sources: InputSources): Promise<SendRequest[]> {
  const text = source === '-' ? await readAll(sources.stdin) : await readFile(source, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot read the batch ${source}: ${error.code ?? error.message}`, 'invalid-batch', 'batch');
  });
  const requests: SendRequest[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    requests.push(parseLine(line, index + 1));
  }
  if (requests.length === 0) throw usageError(`the batch ${source === '-' ? 'on stdin' : source} holds no send requests (one JSON object per line)`, 'invalid-batch', 'batch');
  return requests;
}

function parseLine(line: string, number: number): SendRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw usageError(`line ${number} of the batch is not JSON: one send request per line, e.g. {"recipients":["+4915112345678"],"message":"hi"}`, 'invalid-batch', `line ${number}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usageError(`line ${number} of the batch is not a JSON object`, 'invalid-batch', `line ${number}`);
  const request = value as Record<string, unknown>;
  const recipients = request['recipients'];
  if (!Array.isArray(recipients) || recipients.some((recipient) => typeof recipient !== 'string')) {
    throw usageError(`line ${number}: recipients must be a list of strings`, 'invalid-recipient', `line ${number}`);
  }
  try {
    checkRecipients({ recipients: recipients as string[] });
  } catch (error) {
    throw usageError(`line ${number}: ${(error as Error).message}`, 'invalid-recipient', `line ${number}`);
  }
  const message = request['message'];
  const attachments = request['attachments'];
  if (message !== undefined && typeof message !== 'string') throw usageError(`line ${number}: message must be a string`, 'invalid-message', `line ${number}`);
  if ((message === undefined || message === '') && (!Array.isArray(attachments) || attachments.length === 0)) {
    throw usageError(`line ${number}: a message needs text or at least one attachment`, 'empty-message', `line ${number}`);
  }
  return request as unknown as SendRequest;
}

async function readAll(stdin: InputSources['stdin']): Promise<string> {
  if ((stdin as { isTTY?: boolean }).isTTY) throw usageError('--batch - reads send requests from stdin: pipe them in, one JSON object per line', 'invalid-batch', 'batch');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
