import { Module } from '@nestjs/common';
import { WorkingDayCalendar } from './calendar';
import { CLOCK, systemClock } from './clock';
import { PolicyController } from './policy.controller';

/**
 * Pure rule services for the other modules: the working-day calendar (replace its data with
 * EVALROOM_HOLIDAYS_FILE at the next release of a State Council notice) and the clock.
 */
@Module({
  controllers: [PolicyController],
  providers: [
    { provide: WorkingDayCalendar, useFactory: () => new WorkingDayCalendar() },
    { provide: CLOCK, useValue: systemClock },
  ],
  exports: [WorkingDayCalendar, CLOCK],
})
export class RulesModule {}
