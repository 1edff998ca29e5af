/** Imported first by the SFTP thread's entry, so that ssh2 loads after it (padding-pool.ts). */
import { installPaddingPool } from './padding-pool';

installPaddingPool();
