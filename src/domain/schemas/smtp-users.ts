// Request and response schemas of /v3/users/smtp/* (SPEC §1.3, §1.4).
import { Type, type Static } from '@sinclair/typebox';
import { USERNAME_MAX, USERNAME_MIN } from '../username.js';
import { CommonRequestFields, ContinueTokenField, Nullable, PageSizeField } from './common.js';
import { SendingSettingsFields, SendingSettingsView } from './sending-settings.js';

const Username = Type.String({
  minLength: USERNAME_MIN,
  maxLength: USERNAME_MAX,
  pattern: '^[A-Za-z0-9._@+-]+$',
  patternHint: 'letters, digits and . _ @ + -',
  description: 'SMTP login, 5 to 100 characters from A-Z a-z 0-9 . _ @ + -; unique, case-insensitively',
});

const UserFields = {
  email_password: Type.Optional(
    Nullable(
      Type.String({ description: 'At least 64 bits of entropy; blank or absent: generated (142 bits)' }),
    ),
  ),
  description: Type.Optional(
    Nullable(Type.String({ maxLength: 1000, description: 'Free text, at most 1000 characters' })),
  ),
  comments: Type.Optional(Nullable(Type.String({ maxLength: 1000, description: 'Alias of description' }))),
  ...SendingSettingsFields,
};

export const AddSmtpUserBody = Type.Object({ ...CommonRequestFields, username: Username, ...UserFields });
export type AddSmtpUserBody = Static<typeof AddSmtpUserBody>;

export const EditSmtpUserBody = Type.Object({
  ...CommonRequestFields,
  username: Type.String({ minLength: 1, maxLength: 254, description: 'The SMTP user to change' }),
  ...UserFields,
});
export type EditSmtpUserBody = Static<typeof EditSmtpUserBody>;

export const ViewSmtpUsersBody = Type.Object({
  ...CommonRequestFields,
  username: Type.Optional(Type.String({ maxLength: 254, description: 'Only this SMTP user' })),
  page_size: PageSizeField,
  continue_token: ContinueTokenField,
});
export type ViewSmtpUsersBody = Static<typeof ViewSmtpUsersBody>;

export const RemoveSmtpUserBody = Type.Object({
  ...CommonRequestFields,
  username: Type.String({ minLength: 1, maxLength: 254, description: 'The SMTP user to remove' }),
});
export type RemoveSmtpUserBody = Static<typeof RemoveSmtpUserBody>;

export const SmtpUserResult = Type.Object({
  username: Type.String(),
  email_password: Nullable(Type.String({ description: 'Only in the answer that set it; otherwise null' })),
  description: Type.String(),
  comments: Type.String(),
  ...SendingSettingsView,
});
export type SmtpUserResult = Static<typeof SmtpUserResult>;
