import { describe, expect, it } from 'vitest';
import * as wire from './index.js';

describe('the public surface of wire/', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(wire).sort()).toEqual([
      'LineDecoder',
      'attachmentDataUri',
      'classifyErrorText',
      'classifyJsonRpcSend',
      'classifyRestProbe',
      'classifyRestSend',
      'cleanErrorText',
      'dedupeKey',
      'encodeRequest',
      'groupIdForReply',
      'lineDecoderDefaults',
      'maskPhoneNumber',
      'maskPhoneNumbers',
      'parseAbout',
      'parseJsonRpcLine',
      'parseReceiveFrame',
      'parseRecipient',
      'parseRecipients',
      'parseStyledText',
      'rawGroupId',
      'restSendBody',
      'unwrapReceiveParams',
      'jsonRpcSendParams',
    ].sort());
  });
});
