import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The MDN we answered a received AS2 message with (or the one a partner answered ours with), kept as a
 * payload: `message.mdnSha256` names it. A repeated Message-ID gets the same MDN bytes back
 * (RFC 4130 §5.5), and the receipt stays on record as evidence.
 */
export class MessageMdn1763900000000 implements MigrationInterface {
  name = 'MessageMdn1763900000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(
      qr.connection.options.type === 'better-sqlite3'
        ? 'ALTER TABLE "message" ADD COLUMN "mdnSha256" varchar(64)'
        : 'ALTER TABLE `message` ADD `mdnSha256` varchar(64) NULL',
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(
      qr.connection.options.type === 'better-sqlite3'
        ? 'ALTER TABLE "message" DROP COLUMN "mdnSha256"'
        : 'ALTER TABLE `message` DROP COLUMN `mdnSha256`',
    );
  }
}
