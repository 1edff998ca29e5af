import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes the admin API's lineage and search read by (issue 15): a message's deliveries, the acks of
 * an interchange, and interchanges by control number (a partner's "where is ISA 000001234?").
 */
const INDEXES: Array<[name: string, table: string, column: string]> = [
  ['ix_delivery_message', 'delivery', 'messageId'],
  ['ix_ack_interchange', 'ack', 'acknowledgesInterchangeId'],
  ['ix_interchange_control_number', 'interchange', 'controlNumber'],
];

export class LineageIndexes1765000000000 implements MigrationInterface {
  name = 'LineageIndexes1765000000000';

  async up(qr: QueryRunner): Promise<void> {
    const q = qr.connection.options.type === 'better-sqlite3' ? (n: string) => `"${n}"` : (n: string) => `\`${n}\``;
    for (const [name, table, column] of INDEXES)
      await qr.query(`CREATE INDEX ${q(name)} ON ${q(table)} (${q(column)})`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const sqlite = qr.connection.options.type === 'better-sqlite3';
    for (const [name, table] of INDEXES)
      await qr.query(sqlite ? `DROP INDEX "${name}"` : `DROP INDEX \`${name}\` ON \`${table}\``);
  }
}
