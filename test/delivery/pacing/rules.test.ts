// Destination rules (SPEC §9): which rule governs a domain, and how PETREL_DESTINATION_RULES is checked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/types.js';
import { parseDestinationRules } from '../../../src/delivery/pacing/parse.js';
import { Pacer } from '../../../src/delivery/pacing/pacer.js';
import { findRule, type DestinationRule } from '../../../src/delivery/pacing/rules.js';
import { isThrottleReply } from '../../../src/delivery/pacing/throttle-phrases.js';

const NAME = 'PETREL_DESTINATION_RULES';

describe('destination rule matching', () => {
  const rules: DestinationRule[] = [
    { match: 'example.com', messages_per_minute: 1 },
    { match: '.example.org', messages_per_minute: 2 },
    { match: 'mx:.mail.example.net', messages_per_minute: 3 },
  ];

  it('a bare domain matches that domain only', () => {
    assert.equal(findRule(rules, 'example.com', [], [])?.messages_per_minute, 1);
    assert.equal(findRule(rules, 'EXAMPLE.com', [], [])?.messages_per_minute, 1);
    assert.equal(findRule(rules, 'sub.example.com', [], []), null);
  });

  it('a leading dot matches the domain and its subdomains', () => {
    assert.equal(findRule(rules, 'example.org', [], [])?.messages_per_minute, 2);
    assert.equal(findRule(rules, 'a.b.example.org', [], [])?.messages_per_minute, 2);
    assert.equal(findRule(rules, 'badexample.org', [], []), null);
  });

  it('mx: matches the suffix of an MX host name, whatever the domain', () => {
    assert.equal(findRule(rules, 'customer.test', ['mx1.mail.example.net.'], [])?.messages_per_minute, 3);
    assert.equal(findRule(rules, 'customer.test', ['mx1.othermail.example.net'], []), null);
  });

  it('configured rules override the built-in ones', () => {
    const builtIn = [{ match: 'mx:.google.com', messages_per_minute: 600 }];
    assert.equal(findRule([], 'acme.test', ['aspmx.l.google.com'], builtIn)?.messages_per_minute, 600);
    const mine = [{ match: 'acme.test', messages_per_minute: 5 }];
    assert.equal(findRule(mine, 'acme.test', ['aspmx.l.google.com'], builtIn)?.messages_per_minute, 5);
  });

  it('the built-in table covers the large providers', () => {
    assert.ok(findRule([], 'gmail.com'));
    assert.ok(findRule([], 'workspace.test', ['alt1.aspmx.l.google.com']));
    assert.ok(findRule([], 'tenant.test', ['tenant-test.mail.protection.outlook.com']));
    assert.ok(findRule([], 'yahoo.com'));
    assert.ok(findRule([], 'icloud.com'));
    assert.equal(findRule([], 'small.test', ['mx.small.test']), null);
  });
});

describe('PETREL_DESTINATION_RULES validation', () => {
  it('accepts the SPEC example', () => {
    const raw =
      '[{"match": "example.com", "max_connections": 2, "messages_per_connection": 100, "messages_per_minute": 60}]';
    assert.deepEqual(parseDestinationRules(raw, NAME), [
      { match: 'example.com', max_connections: 2, messages_per_connection: 100, messages_per_minute: 60 },
    ]);
  });

  const bad: [string, RegExp][] = [
    ['not json', /is not valid JSON/],
    ['{"match": "a.com"}', /must be a JSON list/],
    ['[42]', /entry 1 must be an object/],
    ['[{"match": "a.com"}, {"match": "bad domain!"}]', /entry 2: match must be/],
    [
      '[{"match": "a.com", "messages_per_minute": 0}]',
      /entry 1 \(a\.com\): messages_per_minute must be a positive integer/,
    ],
    ['[{"match": "a.com", "max_connections": 1.5}]', /max_connections must be a positive integer/],
    ['[{"match": "a.com", "per_hour": 3}]', /entry 1 \(a\.com\): unknown field 'per_hour'/],
  ];
  for (const [raw, message] of bad) {
    it(`refuses ${raw}`, () => {
      assert.throws(
        () => parseDestinationRules(raw, NAME),
        (err: unknown) =>
          err instanceof ConfigError && message.test(err.message) && err.message.includes(NAME),
      );
    });
  }
});

describe('pacer', () => {
  it('spreads starts evenly and holds a rolling 60-second window', () => {
    let now = 0;
    const pacer = new Pacer({
      rules: [{ match: 'a.test', messages_per_minute: 2 }],
      builtIn: [],
      now: () => now,
    });
    assert.equal(pacer.reserve('a.test'), 0);
    now = 10_000;
    assert.equal(pacer.reserve('a.test'), 20_000); // 2 a minute: one start every 30 s
    assert.equal(pacer.reserve('b.test'), 0); // another destination is not paced
    now = 30_000;
    assert.equal(pacer.reserve('a.test'), 0);
    assert.equal(pacer.reserve('a.test'), 30_000); // the first start leaves the window at 60 s
    now = 59_000;
    assert.equal(pacer.reserve('a.test'), 1_000); // spaced already, but the window is still full
    now = 60_001;
    assert.equal(pacer.reserve('a.test'), 0);
  });

  it('a throttle reply halves the rate, and it recovers step by step', () => {
    let now = 0;
    const pacer = new Pacer({
      rules: [{ match: 'a.test', messages_per_minute: 4 }],
      builtIn: [],
      now: () => now,
    });
    pacer.slowDown('a.test', '421 4.7.0 rate limited');
    assert.deepEqual(
      pacer.slowDowns().map((s) => [s.destination, s.factor, s.messagesPerMinute]),
      [['a.test', 0.5, 2]],
    );
    assert.equal(pacer.reserve('a.test'), 0);
    assert.equal(pacer.reserve('a.test'), 30_000); // 2 a minute now: every 30 s
    now = 30_000;
    assert.equal(pacer.reserve('a.test'), 0);
    now = 2 * 60_000;
    assert.deepEqual(pacer.slowDowns(), []);
  });

  it('a destination without a rule is paced once it asks to slow down', () => {
    const pacer = new Pacer({ rules: [], builtIn: [] });
    assert.equal(pacer.reserve('c.test'), 0);
    pacer.slowDown('c.test', '421 try again later');
    const [s] = pacer.slowDowns();
    assert.equal(s?.destination, 'c.test');
    assert.equal(s?.messagesPerMinute, 30);
  });

  it('recognises throttle replies from the phrase list', () => {
    assert.ok(isThrottleReply({ code: 421, enhancedCode: '4.7.0', text: 'rate limited' }));
    assert.ok(
      isThrottleReply({ code: 450, enhancedCode: '4.7.28', text: 'Our system has detected an unusual rate' }),
    );
    assert.ok(!isThrottleReply({ code: 450, enhancedCode: '4.2.2', text: 'mailbox full, try again later' }));
    assert.ok(!isThrottleReply({ code: 550, enhancedCode: '5.7.1', text: 'rate limited' }));
  });
});
