/** Five fields (minute hour day-of-month month day-of-week), as a Kubernetes CronJob takes. */
const FIVE_FIELDS = /^(\S+\s+){4}\S+$/;

/** Whether a schedule has the shape of a five-field cron expression. */
export function isCronSchedule(schedule: string): boolean {
  return FIVE_FIELDS.test(schedule.trim());
}
