// Result classification: 2xx delivered, 4xx deferred, 5xx bounced unless the bounce-rules table knows the
// wording to be temporary; replies parsed into code, enhanced code and text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEMPORARY_5XX_RULES } from '../../src/delivery/bounce-rules.js';
import { classifyReply } from '../../src/delivery/classify.js';
import { parseReply } from '../../src/delivery/smtp-reply.js';

test('replies are parsed into code, enhanced code and text, multi-line included', () => {
  assert.deepEqual(parseReply('550 5.1.1 No such user'), {
    code: 550,
    enhancedCode: '5.1.1',
    text: 'No such user',
  });
  assert.deepEqual(parseReply('250-2.0.0 Ok\r\n250 2.0.0 queued as 123'), {
    code: 250,
    enhancedCode: '2.0.0',
    text: 'Ok queued as 123',
  });
  // No enhanced code: one is made from the reply's class.
  assert.deepEqual(parseReply('451 try later'), { code: 451, enhancedCode: '4.0.0', text: 'try later' });
});

test('2xx is delivered, 4xx deferred, 5xx bounced', () => {
  assert.equal(classifyReply(parseReply('250 2.0.0 Ok')).outcome, 'delivered');
  assert.equal(classifyReply(parseReply('451 4.3.0 Local error')).outcome, 'deferred');
  assert.equal(classifyReply(parseReply('421 4.7.0 Closing')).outcome, 'deferred');
  assert.equal(classifyReply(parseReply('550 5.1.1 No such user')).outcome, 'bounced');
  assert.equal(classifyReply(parseReply('554 5.6.0 Message content rejected')).outcome, 'bounced');
});

test('a failure without a reply is deferred, unless its enhanced code is permanent', () => {
  assert.equal(
    classifyReply({ code: null, enhancedCode: '4.4.1', text: 'connection refused' }).outcome,
    'deferred',
  );
  assert.equal(classifyReply({ code: null, enhancedCode: '5.1.10', text: 'null MX' }).outcome, 'bounced');
});

test('every bounce rule matches its own example, turning that 5xx into a deferral', () => {
  for (const rule of TEMPORARY_5XX_RULES) {
    const result = classifyReply(parseReply(rule.example));
    assert.equal(result.outcome, 'deferred', rule.name);
    assert.equal(result.rule, rule.name, `${rule.example} should be claimed by ${rule.name}`);
  }
});

test('greylisting, blocklisting and full mailboxes are deferred; ordinary refusals still bounce', () => {
  const deferred = [
    '550 5.7.1 Greylisted, please come back later',
    '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using bl.spamcop.net',
    '552 5.2.2 Mailbox full',
    '550 4.2.0 Temporary greylist',
  ];
  for (const line of deferred) assert.equal(classifyReply(parseReply(line)).outcome, 'deferred', line);
  const bounced = [
    '550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown',
    '550 5.1.1 No such user, do not try again',
    '553 5.1.3 Bad recipient address syntax',
    '550 5.7.26 Unauthenticated email is not accepted from this domain',
  ];
  for (const line of bounced) assert.equal(classifyReply(parseReply(line)).outcome, 'bounced', line);
});
