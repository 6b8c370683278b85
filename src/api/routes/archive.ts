// /v3/archive/search and /v3/archive/view: archived messages of senders with archive_enabled (SPEC §3.2).
import {
  ArchiveEmail,
  ArchiveSearchBody,
  ArchiveSearchResult,
  ArchiveView,
} from '../../domain/schemas/archive.js';
import { MessageViewBody } from '../../domain/schemas/sandbox.js';
import { asArchiveEmail, searchArchive, viewArchive } from '../../operations/archive.js';
import { endpoint } from '../endpoint.js';

const TAG = 'Archive';

export const archiveEndpoints = [
  endpoint({
    path: '/archive/search',
    tag: TAG,
    summary: 'Search the archived messages of the account, newest first',
    body: ArchiveSearchBody,
    response: ArchiveSearchResult,
    handler: (ctx, body) => searchArchive(ctx.deps, ctx.caller, body),
  }),
  endpoint({
    path: '/archive/email',
    tag: TAG,
    summary: 'One archived message as SMTP2GO answers it (headers as one block), with its bodies and events',
    body: MessageViewBody,
    response: ArchiveEmail,
    handler: async (ctx, body) =>
      asArchiveEmail(
        await viewArchive(
          ctx.deps,
          ctx.caller,
          { dataDir: ctx.config.dataDir, hostname: ctx.config.hostname },
          body,
          ctx.downloadLinks,
        ),
      ),
  }),
  endpoint({
    path: '/archive/view',
    tag: TAG,
    summary: 'Alias of /archive/email with the header fields as a list (Petrel before SMTP2GO parity)',
    body: MessageViewBody,
    response: ArchiveView,
    handler: (ctx, body) =>
      viewArchive(
        ctx.deps,
        ctx.caller,
        { dataDir: ctx.config.dataDir, hostname: ctx.config.hostname },
        body,
        ctx.downloadLinks,
      ),
  }),
];
