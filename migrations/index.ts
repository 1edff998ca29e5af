import { Initial1763800000000 } from './0001-initial';
import { MessageMdn1763900000000 } from './0002-mdn';

/** The one list of migrations, in order. */
export const migrations = [Initial1763800000000, MessageMdn1763900000000];
