import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Starts of a job since it last finished (completed, retried, dead-lettered). Claiming adds one,
 * finishing resets it, so a count above one means earlier holders died mid-job (a crash, an OOM, a
 * kill): after `jobs.maxCrashes` such starts the job is dead-lettered instead of killing the worker again.
 */
export class JobStarts1764900000000 implements MigrationInterface {
  name = 'JobStarts1764900000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(
      qr.connection.options.type === 'better-sqlite3'
        ? 'ALTER TABLE "job" ADD COLUMN "starts" integer NOT NULL DEFAULT (0)'
        : 'ALTER TABLE `job` ADD `starts` int NOT NULL DEFAULT 0',
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(
      qr.connection.options.type === 'better-sqlite3'
        ? 'ALTER TABLE "job" DROP COLUMN "starts"'
        : 'ALTER TABLE `job` DROP COLUMN `starts`',
    );
  }
}
