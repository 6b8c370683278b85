// The webhook receiver of bench/webhooks.ts, in a process of its own so that answering the calls does
// not share the load generator's event loop: answers every POST 200 and counts calls and distinct
// `webhook-id`s. Tells its parent its URL over IPC, and answers {type: 'count'} with the counts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let calls = 0;
const ids = new Set<string>();
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    calls++;
    ids.add(String(req.headers['webhook-id']));
    res.writeHead(200).end('ok');
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'url', url: `http://127.0.0.1:${port}/hook` });
});
process.on('message', (message: { type?: string }) => {
  if (message.type === 'count') process.send?.({ type: 'count', calls, distinct: ids.size });
});
// The parent going away ends the receiver.
process.on('disconnect', () => process.exit(0));
