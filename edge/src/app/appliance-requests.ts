import { StaffOverride, TopicId } from '@evalroom/contracts';
import { z } from 'zod';

/**
 * Commands kiosk and Node-RED may send on room/appliance/request (the broker already
 * authenticated them; params are validated here, and nothing goes straight to a device).
 */
export const ApplianceCommands = {
  'checkin.override': z.object({ checkinId: TopicId }).extend(StaffOverride.shape).strict(),
  status: z.object({}).strict(),
} as const;
export type ApplianceCommandName = keyof typeof ApplianceCommands;
