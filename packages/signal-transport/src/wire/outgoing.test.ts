import { describe, expect, it } from 'vitest';
import { groupIdForReply } from './group-id.js';
import { attachmentDataUri } from './attachment-uri.js';
import { jsonRpcSendParams, restSendBody, type OutgoingMessage } from './outgoing.js';

const ACCOUNT = '+4915200000001';
const RAW_GROUP = 'fIr9NMm8aHl5TES9PT4lanWe+mbOA1u/zF2dklcOZp4=';
const GROUP = groupIdForReply(RAW_GROUP);
const UUID = 'ca354906-75fd-4290-a4bd-324b4c0ad454';
const PHOTO = { filename: 'harbour.jpg', contentType: 'image/jpeg', data: 'AQID' };

describe('restSendBody', () => {
  const cases: [string, OutgoingMessage, Record<string, unknown>][] = [
    [
      'numbers and UUIDs with text',
      { recipients: ['+4917612345678', UUID.toUpperCase()], message: 'hi' },
      { number: ACCOUNT, recipients: ['+4917612345678', UUID], message: 'hi', text_mode: 'normal', notify_self: false },
    ],
    ['a group', { recipients: [GROUP], message: 'hi' }, { number: ACCOUNT, recipients: [GROUP], message: 'hi', text_mode: 'normal', notify_self: false }],
    ['usernames without u:', { recipients: ['u:alice.01', 'bob.02'], message: 'hi' }, { recipients: ['alice.01', 'bob.02'] }],
    [
      'attachments only',
      { recipients: ['+4917612345678'], attachments: [PHOTO] },
      { message: '', base64_attachments: ['data:image/jpeg;filename=harbour.jpg;base64,AQID'] },
    ],
  ];
  it.each(cases)('%s', (_name, message, body) => {
    const result = restSendBody(ACCOUNT, message);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.body).toMatchObject(body);
  });

  it('omits base64_attachments when there are none', () => {
    const result = restSendBody(ACCOUNT, { recipients: ['+4917612345678'], message: 'hi', attachments: [] });
    expect(result.ok && 'base64_attachments' in result.body).toBe(false);
  });

  it('refuses recipients the grammar refuses', () => {
    expect(restSendBody(ACCOUNT, { recipients: [GROUP, '+4917612345678'], message: 'hi' })).toMatchObject({ ok: false, error: { index: 1 } });
  });
});

describe('jsonRpcSendParams', () => {
  const cases: [string, OutgoingMessage, Record<string, unknown>][] = [
    ['numbers and UUIDs', { recipients: ['+4917612345678', UUID], message: 'hi' }, { account: ACCOUNT, recipient: ['+4917612345678', UUID], message: 'hi' }],
    ['usernames', { recipients: ['u:alice.01'], message: 'hi' }, { account: ACCOUNT, username: ['alice.01'], message: 'hi' }],
    ['a group by its raw id', { recipients: [GROUP], message: 'hi' }, { account: ACCOUNT, groupId: RAW_GROUP, message: 'hi' }],
    ['attachments only', { recipients: ['+4917612345678'], attachments: [PHOTO] }, { account: ACCOUNT, recipient: ['+4917612345678'], attachments: ['data:image/jpeg;filename=harbour.jpg;base64,AQID'] }],
  ];
  it.each(cases)('%s', (_name, message, params) => {
    expect(jsonRpcSendParams(ACCOUNT, message)).toEqual({ ok: true, body: params });
  });

  it('refuses recipients the grammar refuses', () => {
    expect(jsonRpcSendParams(ACCOUNT, { recipients: [], message: 'hi' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/at least one/) } });
  });
});

describe('styled text, mentions and quotes', () => {
  const rich: OutgoingMessage = {
    recipients: ['+4917612345678'],
    message: '**Disk** full on *web-1*, ask X',
    textMode: 'styled',
    mentions: [{ start: 23, length: 1, author: UUID }],
    quote: { timestamp: 1755000000000, author: '+4917600000002', message: 'status?', mentions: [{ start: 0, length: 1, author: UUID }] },
  };

  it('go to the REST API as its JSON takes them: the markers stay for the server to parse', () => {
    const result = restSendBody(ACCOUNT, rich);
    expect(result.ok && result.body).toEqual({
      number: ACCOUNT,
      recipients: ['+4917612345678'],
      message: '**Disk** full on *web-1*, ask X',
      text_mode: 'styled',
      notify_self: false,
      mentions: [{ start: 23, length: 1, author: UUID }],
      quote_timestamp: 1755000000000,
      quote_author: '+4917600000002',
      quote_message: 'status?',
      quote_mentions: [{ start: 0, length: 1, author: UUID }],
    });
  });

  it('go to signal-cli as the REST API would pass them on: stripped text, style ranges, mention strings', () => {
    expect(jsonRpcSendParams(ACCOUNT, rich)).toEqual({
      ok: true,
      body: {
        account: ACCOUNT,
        recipient: ['+4917612345678'],
        message: 'Disk full on web-1, ask X',
        textStyle: ['0:4:BOLD', '13:5:ITALIC'],
        mention: [`23:1:${UUID}`],
        quoteTimestamp: 1755000000000,
        quoteAuthor: '+4917600000002',
        quoteMessage: 'status?',
        quoteMention: [`0:1:${UUID}`],
      },
    });
  });

  it('leave normal text alone and omit what is absent', () => {
    const plain = { recipients: ['+4917612345678'], message: '*not styled*', quote: { timestamp: 5, author: '+4917600000002' } };
    expect(jsonRpcSendParams(ACCOUNT, plain)).toEqual({ ok: true, body: { account: ACCOUNT, recipient: ['+4917612345678'], message: '*not styled*', quoteTimestamp: 5, quoteAuthor: '+4917600000002' } });
    expect(restSendBody(ACCOUNT, plain)).toMatchObject({ ok: true, body: { text_mode: 'normal', quote_timestamp: 5, quote_author: '+4917600000002' } });
    const body = restSendBody(ACCOUNT, plain);
    expect(body.ok && ('mentions' in body.body || 'quote_message' in body.body)).toBe(false);
  });

  it('send styled text without markers and no styles with no textStyle key', () => {
    expect(jsonRpcSendParams(ACCOUNT, { recipients: ['+4917612345678'], message: 'plain', textMode: 'styled' })).toEqual({ ok: true, body: { account: ACCOUNT, recipient: ['+4917612345678'], message: 'plain' } });
  });
});

describe('attachmentDataUri', () => {
  it.each([
    ['a plain file', PHOTO, 'data:image/jpeg;filename=harbour.jpg;base64,AQID'],
    ['MIME parameters', { ...PHOTO, contentType: 'text/plain; charset=utf-8' }, 'data:text/plain;filename=harbour.jpg;base64,AQID'],
    ['a bad MIME type', { ...PHOTO, contentType: 'jpeg' }, 'data:application/octet-stream;filename=harbour.jpg;base64,AQID'],
    ['an empty MIME type', { ...PHOTO, contentType: '' }, 'data:application/octet-stream;filename=harbour.jpg;base64,AQID'],
    ['separators in the name', { ...PHOTO, filename: '../a;b,c=d\\e.txt' }, 'data:image/jpeg;filename=.._a_b,c=d_e.txt;base64,AQID'],
    ['a name of dots', { ...PHOTO, filename: '..' }, 'data:image/jpeg;base64,AQID'],
    ['an empty name', { ...PHOTO, filename: ' ' }, 'data:image/jpeg;base64,AQID'],
    ['a Unicode name', { ...PHOTO, filename: 'Grüße 📷.jpg' }, 'data:image/jpeg;filename=Grüße 📷.jpg;base64,AQID'],
    // REST names its temp file with the text verbatim (R:src/client/attachment.go), so % and + stay.
    ['percent and plus', { ...PHOTO, filename: '100% sure+ok.pdf' }, 'data:image/jpeg;filename=100% sure+ok.pdf;base64,AQID'],
    ['line-wrapped base64', { ...PHOTO, data: 'AQ\r\nID\n' }, 'data:image/jpeg;filename=harbour.jpg;base64,AQID'],
  ])('REST: %s', (_name, attachment, uri) => {
    expect(attachmentDataUri(attachment, 'rest')).toBe(uri);
  });

  // signal-cli URL-decodes the parameter (S:lib/…/util/DataURI.java:54): everything that would be
  // read otherwise (%, +, ;, ,, =) is percent-encoded.
  it.each([
    ['percent and plus', { ...PHOTO, filename: '100% sure+ok.pdf' }, 'data:image/jpeg;filename=100%25%20sure%2Bok.pdf;base64,AQID'],
    ['URI delimiters', { ...PHOTO, filename: 'a;b,c=d.txt' }, 'data:image/jpeg;filename=a%3Bb%2Cc%3Dd.txt;base64,AQID'],
    ['a Unicode name', { ...PHOTO, filename: 'Grüße.jpg' }, 'data:image/jpeg;filename=Gr%C3%BC%C3%9Fe.jpg;base64,AQID'],
    ['path separators', { ...PHOTO, filename: '../x/y.txt' }, 'data:image/jpeg;filename=.._x_y.txt;base64,AQID'],
  ])('JSON-RPC: %s', (_name, attachment, uri) => {
    expect(attachmentDataUri(attachment, 'jsonrpc')).toBe(uri);
  });

  it('keeps a long name within 255 bytes, with its extension', () => {
    const uri = attachmentDataUri({ ...PHOTO, filename: `${'ü'.repeat(300)}.pdf` }, 'rest');
    const name = /filename=([^;]*);/.exec(uri)?.[1] ?? '';
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name.endsWith('ü.pdf')).toBe(true);
  });
});
