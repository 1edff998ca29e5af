import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Partner health and pause (issue 15): the partner_state table keeps a paused partner paused across
 * restarts and gateway processes, and an index by partner and direction finds a partner's last
 * message in and out without scanning the messages of the other direction.
 */
export class PartnerState1765100000000 implements MigrationInterface {
  name = 'PartnerState1765100000000';

  async up(qr: QueryRunner): Promise<void> {
    if (qr.connection.options.type === 'better-sqlite3') {
      await qr.query(
        'CREATE TABLE "partner_state" ("partnerId" varchar(64) PRIMARY KEY NOT NULL, "paused" boolean NOT NULL, ' +
          '"changedBy" varchar(128), "reason" varchar(255), "changedAt" datetime(3) NOT NULL)',
      );
      await qr.query(
        'CREATE INDEX "ix_message_partner_direction" ON "message" ("partnerId", "direction", "receivedAt")',
      );
    } else {
      await qr.query(
        'CREATE TABLE `partner_state` (`partnerId` varchar(64) NOT NULL, `paused` tinyint NOT NULL, ' +
          '`changedBy` varchar(128) NULL, `reason` varchar(255) NULL, `changedAt` datetime(3) NOT NULL, ' +
          'PRIMARY KEY (`partnerId`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
      );
      await qr.query(
        'CREATE INDEX `ix_message_partner_direction` ON `message` (`partnerId`, `direction`, `receivedAt`)',
      );
    }
  }

  async down(qr: QueryRunner): Promise<void> {
    if (qr.connection.options.type === 'better-sqlite3') {
      await qr.query('DROP INDEX "ix_message_partner_direction"');
      await qr.query('DROP TABLE "partner_state"');
    } else {
      await qr.query('DROP INDEX `ix_message_partner_direction` ON `message`');
      await qr.query('DROP TABLE `partner_state`');
    }
  }
}
