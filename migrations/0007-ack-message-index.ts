import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An ack row by the message that carried it (session 18): a dead 997 or TA1 delivery finds what it
 * acknowledges through it (ack.messageId → acknowledgesInterchangeId → interchange.messageId), as
 * does a message's lineage; without it both walk the whole ack table.
 */
export class AckMessageIndex1765300000000 implements MigrationInterface {
  name = 'AckMessageIndex1765300000000';

  async up(qr: QueryRunner): Promise<void> {
    if (qr.connection.options.type === 'better-sqlite3')
      await qr.query('CREATE INDEX "ix_ack_message" ON "ack" ("messageId")');
    else await qr.query('CREATE INDEX `ix_ack_message` ON `ack` (`messageId`)');
  }

  async down(qr: QueryRunner): Promise<void> {
    if (qr.connection.options.type === 'better-sqlite3') await qr.query('DROP INDEX "ix_ack_message"');
    else await qr.query('DROP INDEX `ix_ack_message` ON `ack`');
  }
}
