// The benchmark's message: built once per run as the exact bytes to send after DATA (headers, a body
// of 76-character lines padded to the requested size, and the terminating dot line).

export interface MessageShape {
  from: string;
  to: string[];
  /** Bytes of the message itself (headers + body, without the final `.` line). */
  size: number;
}

/** The message followed by `.\r\n`; no line starts with a dot, so no dot-stuffing is needed. */
export function buildBenchMessage(shape: MessageShape): Buffer {
  const headers =
    `From: <${shape.from}>\r\n` +
    `To: ${shape.to.map((a) => `<${a}>`).join(', ')}\r\n` +
    `Subject: petrel bench\r\n` +
    `Date: ${new Date().toUTCString().replace(/GMT$/, '+0000')}\r\n` +
    `Message-ID: <bench.${Date.now().toString(36)}@petrel.bench>\r\n` +
    `MIME-Version: 1.0\r\n` +
    `Content-Type: text/plain; charset=us-ascii\r\n` +
    `\r\n`;
  let body = '';
  let remaining = shape.size - headers.length;
  const line = 'The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopqrst';
  while (remaining >= 3) {
    const take = Math.min(line.length, remaining - 2);
    body += `${line.slice(0, take)}\r\n`;
    remaining -= take + 2;
  }
  if (body === '') body = 'x\r\n';
  return Buffer.from(`${headers}${body}.\r\n`, 'latin1');
}
