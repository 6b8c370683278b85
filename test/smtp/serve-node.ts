// Runs one test node in its own process, so that a test can measure that process's memory: prints one
// JSON line (URLs, ports, the master API key), then serves until its standard input closes.
import { startTestNode } from '../helpers/node.js';

const node = await startTestNode();
process.stdout.write(
  JSON.stringify({
    httpUrl: node.httpUrl,
    masterKey: node.masterKey,
    smtp: node.smtp.ports.smtp,
    smtps: node.smtp.ports.smtps,
  }) + '\n',
);
process.stdin.resume();
process.stdin.on('end', () => {
  void node.stop().then(() => process.exit(0));
});
