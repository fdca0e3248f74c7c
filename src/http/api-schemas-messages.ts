/** The thread's API shapes (§9 messages and their attachments) as zod schemas, beside api-schemas.ts. */
import { z } from 'zod';
import { MESSAGE_KINDS, STAFF_BODY_MAX, STAFF_MESSAGE_KINDS, validateStaffMessage } from '../core/conversation.js';
import type { MessageChannel } from '../db/schema.js';
import { IsoTime, pageCursor, pageLimit, required, withCoreRules } from './api-schemas.js';

const MESSAGE_CHANNELS = ['web', 'email', 'api'] as const satisfies readonly MessageChannel[];

export const MessageAttachment = z
  .object({
    id: z.number().int(),
    filename: z.string(),
    content_type: z.string().meta({ example: 'image/png' }),
    size: z.number().int().meta({ description: 'Bytes' }),
    url: z.string().meta({ description: 'The file, for the same bearer token' }),
  })
  .meta({ id: 'Attachment' });

export const Message = z
  .object({
    id: z.number().int().meta({ description: 'Grows along the thread; send the newest one read as `seen` when replying' }),
    kind: z.enum(MESSAGE_KINDS).meta({ description: '`customer`: written by the customer; `reply`: public, emailed to the customer; `note`: internal, staff only' }),
    author: z.object({
      type: z.enum(['customer', 'staff']),
      name: z.string().meta({ description: 'The name as it was when written' }),
      username: z.string().nullable().meta({ description: "The staff member's username; null for the customer" }),
    }),
    body: z.string().meta({ description: 'Plain text; line ends are `\n`' }),
    channel: z.enum(MESSAGE_CHANNELS).meta({ description: 'Where it was written: a web page, an email, or this API' }),
    automatic: z.boolean().meta({ description: 'An automatic mail (such as an out-of-office answer) shown on its ticket; it changes nobody\'s turn' }),
    created_at: IsoTime,
    attachments: z.array(MessageAttachment),
  })
  .meta({ id: 'Message' });
export type MessageJson = z.infer<typeof Message>;
export type AttachmentJson = z.infer<typeof MessageAttachment>;

export const MessageList = z
  .object({
    items: z.array(Message).meta({ description: 'Oldest first' }),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next (newer) page; null on the last page' }),
  })
  .meta({ id: 'MessageList' });

export const MessageListQuery = z.strictObject({ limit: pageLimit('Messages'), cursor: pageCursor });

const NOT_A_MESSAGE_ID = 'Not a message id.';

export const NewMessage = withCoreRules(
  z.strictObject({
    kind: z.string({ error: 'Choose reply or note.' }).meta({ enum: [...STAFF_MESSAGE_KINDS], description: '`reply`: public, emailed to the customer; `note`: internal, for staff only' }),
    body: z.string({ error: required('Body') }).meta({ minLength: 1, maxLength: STAFF_BODY_MAX, description: 'Plain text; not only spaces, no control characters other than tabs and line ends' }),
    close: z.boolean({ error: 'Use true or false.' }).optional().meta({ description: 'Replies only: send the reply and close the ticket (R4) in one step; the customer gets one email' }),
    seen: z
      .number({ error: NOT_A_MESSAGE_ID })
      .int(NOT_A_MESSAGE_ID)
      .min(1, NOT_A_MESSAGE_ID)
      .max(2_147_483_647, NOT_A_MESSAGE_ID)
      .nullable()
      .optional()
      .meta({ description: "Id of the newest message of this ticket's thread the writer has read (notes included). A reply is held back (409 `stale`) when a newer public message exists; notes never are. A reply's `seen` that is no message of this ticket (another ticket's, or none) is refused (400); a note ignores it. Without it, a reply is sent whatever came in meanwhile." }),
    attachments: z
      .never({ error: 'Files cannot be sent through the API in this version: attach them on the staff ticket page.' })
      .optional()
      .meta({ description: 'Not accepted in this version (400): files are attached on the staff ticket page' }),
  }),
  validateStaffMessage,
).meta({ id: 'NewMessage', description: 'A staff reply or note; the same rules as the staff ticket page\'s reply form' });

export const StaleOrConflict = z
  .object({
    error: z.object({
      code: z.enum(['stale', 'conflict']).meta({ description: '`stale`: a public message newer than `seen` exists; `conflict`: the ticket is closed (a reply cannot be sent; a note can)' }),
      message: z.string().meta({ description: 'For people; may change' }),
      newest_message_id: z
        .number()
        .int()
        .optional()
        .meta({ description: '`stale` only: the newest public message. Read it; to send the reply anyway, post it again with `seen` set to this id.' }),
    }),
  })
  .meta({ id: 'MessageConflict', description: 'The reply was not written' });
export type MessageConflictJson = z.infer<typeof StaleOrConflict>;
