import { describe, expect, it } from 'vitest';
import { retryVerdict } from '../../src/core/emailRetry.js';

describe('which emails an admin may put back in the queue', () => {
  it.each([
    ['failed', true, 'retry'],
    ['failed', false, 'retry'],
    // Only logged (no mail server then): sent once there is one, else it would only be logged again.
    ['logged', true, 'retry'],
    ['logged', false, 'needs_mail_server'],
    ['pending', true, 'not_undelivered'],
    ['sending', true, 'not_undelivered'],
    ['sent', true, 'not_undelivered'],
    ['bounced', true, 'not_undelivered'],
  ])('%s, mail server %j: %s', (status, canSend, verdict) => {
    expect(retryVerdict(status, canSend)).toBe(verdict);
  });
});
