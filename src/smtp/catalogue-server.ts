// smtp-server, taught to send the reply catalogue's enhanced status codes as written. The library picks
// an enhanced code from the reply code alone (550 → 5.1.1, 451 → 4.3.0, 250 after DATA → 2.6.0), while
// SPEC §2 needs e.g. "550 5.7.1" and "250 2.0.0"; it has no hook for that, so the connection class
// overrides `send` for replies whose text already starts with an enhanced code (see replies.ts).
import type net from 'node:net';
import type tls from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { carriesEnhancedCode } from './replies.js';

class CatalogueConnection extends SMTPConnection {
  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    // `false` tells the library to add no enhanced code of its own.
    if (carriesEnhancedCode(code, data)) super.send(code, data, false);
    else super.send(code, data, context);
  }
}

export class CatalogueSmtpServer extends SMTPServer {
  /** The library's own connect(), with CatalogueConnection in place of SMTPConnection. */
  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new CatalogueConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data: Parameters<SMTPServer['_onClientConnect']>[0]) =>
      this._onClientConnect(data),
    );
    connection.init();
  }
}
