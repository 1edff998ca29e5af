import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The mtime (ms) a poller listed for the remote file a message came from (session 18). The seen check
 * matched a file by its path and bytes alone, so a partner who put the same file again when asked to
 * resend had it moved to processed as "taken in before"; with the mtime, a file put again is a new file.
 * NULL for messages received before, and for what no poller took in: they match any mtime, as before.
 */
export class RemoteMtime1765400000000 implements MigrationInterface {
  name = 'RemoteMtime1765400000000';

  async up(qr: QueryRunner): Promise<void> {
    if (qr.connection.options.type === 'better-sqlite3')
      await qr.query('ALTER TABLE "message" ADD COLUMN "remoteMtime" bigint');
    else await qr.query('ALTER TABLE `message` ADD `remoteMtime` bigint NULL');
  }

  async down(qr: QueryRunner): Promise<void> {
    if (qr.connection.options.type === 'better-sqlite3')
      await qr.query('ALTER TABLE "message" DROP COLUMN "remoteMtime"');
    else await qr.query('ALTER TABLE `message` DROP COLUMN `remoteMtime`');
  }
}
