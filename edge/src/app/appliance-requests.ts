import { StaffOverride, TopicId } from '@evalroom/contracts';
import { z } from 'zod';

/**
 * Commands kiosk and Node-RED may send on room/appliance/request (the broker already
 * authenticated them; params are validated here, and nothing goes straight to a device).
 */
export const ApplianceCommands = {
  'checkin.override': z.object({ checkinId: TopicId }).extend(StaffOverride.shape).strict(),
  status: z.object({}).strict(),
  /** Staff frees a phone locker slot, named by the check-in or by the slot. */
  'locker.release': z
    .object({ checkinId: TopicId.optional(), slot: z.number().int().positive().optional(), staffId: z.string().min(1).max(64) })
    .strict()
    .refine((p) => (p.checkinId === undefined) !== (p.slot === undefined), { message: 'give exactly one of checkinId or slot' }),
} as const;
export type ApplianceCommandName = keyof typeof ApplianceCommands;
