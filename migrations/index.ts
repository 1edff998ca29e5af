import { Initial1763800000000 } from './0001-initial';

/** The one list of migrations, in order. */
export const migrations = [Initial1763800000000];
