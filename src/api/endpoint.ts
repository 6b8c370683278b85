// How an API endpoint is declared: its path under /v3, its body schema (which validates the request and
// documents it in OpenAPI) and a handler that returns the `data` of the envelope.
import type { Static, TSchema } from '@sinclair/typebox';
import type { Caller, OperationsDeps } from '../operations/context.js';
import type { DownloadLinks } from '../archive/download-links.js';
import type { Config } from '../config/settings.js';
import type { SendingSettings } from '../domain/sending-settings.js';
import type { DurableSpool } from '../spool/index.js';
import type { NodeQueues } from '../spool/node-queues.js';

export interface HandlerContext {
  caller: Caller;
  deps: OperationsDeps;
  spool: DurableSpool;
  /** Every spool queue of the node (held messages are read from whichever shard has them). */
  queues: NodeQueues;
  config: Config;
  method: 'POST' | 'PATCH';
  /** The held endpoint patterns of the calling key (for api_keys, which may not grant more). */
  keyEndpoints: readonly string[];
  /** The calling key's sending settings (api_keys may not hand out looser ones, SPEC §10). */
  keySettings: SendingSettings | null;
  /** Signs the links that stream a whole held or archived message (SPEC §10). */
  downloadLinks: DownloadLinks;
  /** Every endpoint path the API serves (what a key's patterns can reach). */
  allEndpoints: readonly string[];
  /** The HTTP client: its address and whether it came over TLS (for email/send's Received header). */
  client: { address: string; tls: boolean };
}

export interface EndpointDef<S extends TSchema = TSchema> {
  /** Path below /v3, as API keys name it in their endpoint lists: "/users/smtp/add". */
  path: string;
  methods?: ('POST' | 'PATCH')[];
  summary: string;
  tag: string;
  body: S;
  /** The shape of `data` on success, for the OpenAPI document. */
  response?: TSchema;
  /** Bytes; SPEC §1.10 default 10 MiB. */
  bodyLimit?: number;
  handler: (ctx: HandlerContext, body: Static<S>) => Promise<unknown>;
}

/** Keeps S for the handler's body type while collecting endpoints into one list. */
export function endpoint<S extends TSchema>(def: EndpointDef<S>): EndpointDef {
  return def as unknown as EndpointDef;
}
