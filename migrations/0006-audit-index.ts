import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail (issue 15): operator actions are `admin.*` events, a handful among millions of
 * pipeline events. An index by stage then time lets GET /api/audit read only those rows instead of
 * walking ix_event_time back through every pipeline event until a page is full.
 */
export class AuditIndex1765200000000 implements MigrationInterface {
  name = 'AuditIndex1765200000000';

  async up(qr: QueryRunner): Promise<void> {
    if (qr.connection.options.type === 'better-sqlite3')
      await qr.query('CREATE INDEX "ix_event_stage_time" ON "event" ("stage", "createdAt")');
    else await qr.query('CREATE INDEX `ix_event_stage_time` ON `event` (`stage`, `createdAt`)');
  }

  async down(qr: QueryRunner): Promise<void> {
    if (qr.connection.options.type === 'better-sqlite3') await qr.query('DROP INDEX "ix_event_stage_time"');
    else await qr.query('DROP INDEX `ix_event_stage_time` ON `event`');
  }
}
