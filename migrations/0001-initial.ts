import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: messages, payloads, interchanges, groups, transactions, acks, deliveries, events,
 * control numbers and jobs. Written per driver rather than generated at run time, so what runs in
 * production is what was reviewed: MariaDB gets utf8mb4, MEDIUMTEXT reports and LONGBLOB payloads.
 */
export class Initial1763800000000 implements MigrationInterface {
  name = 'Initial1763800000000';

  async up(qr: QueryRunner): Promise<void> {
    const statements = qr.connection.options.type === 'better-sqlite3' ? sqlite : mariadb;
    for (const sql of statements) await qr.query(sql);
  }

  async down(qr: QueryRunner): Promise<void> {
    const q = qr.connection.options.type === 'better-sqlite3' ? '"' : '`';
    for (const table of [...tables].reverse()) await qr.query(`DROP TABLE ${q}${table}${q}`);
  }
}

const tables = [
  'message',
  'payload',
  'interchange',
  'functional_group',
  'edi_transaction',
  'ack',
  'delivery',
  'event',
  'control_number',
  'job',
];

const sqlite = [
  `CREATE TABLE "message" ("id" varchar(36) PRIMARY KEY NOT NULL, "direction" varchar(3) NOT NULL, ` +
    `"transport" varchar(16) NOT NULL, "partnerId" varchar(64), "as2MessageId" varchar(255), "as2From" varchar(128), ` +
    `"fileName" varchar(255), "remotePath" varchar(1024), "sha256" varchar(64) NOT NULL, "size" bigint NOT NULL, ` +
    `"status" varchar(24) NOT NULL, "mdnDisposition" varchar(255), "mic" varchar(255), "error" text, ` +
    `"receivedAt" datetime(3) NOT NULL, "updatedAt" datetime(3) NOT NULL)`,
  `CREATE INDEX "ix_message_partner" ON "message" ("partnerId", "receivedAt")`,
  `CREATE INDEX "ix_message_received" ON "message" ("receivedAt")`,
  `CREATE UNIQUE INDEX "uq_message_as2" ON "message" ("as2MessageId", "as2From")`,
  `CREATE TABLE "payload" ("sha256" varchar(64) PRIMARY KEY NOT NULL, "size" bigint NOT NULL, "storage" varchar(8) NOT NULL, ` +
    `"data" blob, "createdAt" datetime(3) NOT NULL, "purgedAt" datetime(3))`,
  `CREATE TABLE "interchange" ("id" varchar(36) PRIMARY KEY NOT NULL, "messageId" varchar(36) NOT NULL, ` +
    `"direction" varchar(3) NOT NULL, "partnerId" varchar(64), "partnerKey" varchar(64) NOT NULL, ` +
    `"standard" varchar(8) NOT NULL, "senderQualifier" varchar(4) NOT NULL, "senderId" varchar(35) NOT NULL, ` +
    `"receiverQualifier" varchar(4) NOT NULL, "receiverId" varchar(35) NOT NULL, "controlNumber" varchar(14) NOT NULL, ` +
    `"syntaxVersion" varchar(12) NOT NULL, "test" boolean NOT NULL, "preparedAt" varchar(32) NOT NULL, ` +
    `"validation" varchar(12) NOT NULL, "validationReport" text, "ackStatus" varchar(12) NOT NULL, "ackReport" text, ` +
    `"ackDueAt" datetime(3), "byteOffset" bigint NOT NULL, "byteLength" bigint NOT NULL, "createdAt" datetime(3) NOT NULL)`,
  `CREATE INDEX "ix_interchange_ack_due" ON "interchange" ("ackStatus", "ackDueAt")`,
  `CREATE INDEX "ix_interchange_message" ON "interchange" ("messageId")`,
  `CREATE UNIQUE INDEX "uq_interchange_control" ON "interchange" ("partnerKey", "senderId", "receiverId", "controlNumber", "direction")`,
  `CREATE TABLE "functional_group" ("id" varchar(36) PRIMARY KEY NOT NULL, "interchangeId" varchar(36) NOT NULL, ` +
    `"functionalId" varchar(8), "controlNumber" varchar(14), "version" varchar(16) NOT NULL, "sender" varchar(35), ` +
    `"receiver" varchar(35), "transactionCount" integer NOT NULL, "validation" varchar(12) NOT NULL, "validationReport" text, ` +
    `"ackStatus" varchar(12) NOT NULL, "createdAt" datetime(3) NOT NULL)`,
  `CREATE INDEX "ix_group_interchange" ON "functional_group" ("interchangeId")`,
  `CREATE TABLE "edi_transaction" ("id" varchar(36) PRIMARY KEY NOT NULL, "interchangeId" varchar(36) NOT NULL, ` +
    `"groupId" varchar(36) NOT NULL, "messageId" varchar(36) NOT NULL, "direction" varchar(3) NOT NULL, ` +
    `"partnerId" varchar(64), "standard" varchar(8) NOT NULL, "version" varchar(16) NOT NULL, "implementation" varchar(35), ` +
    `"type" varchar(6) NOT NULL, "controlNumber" varchar(14) NOT NULL, "segmentCount" integer NOT NULL, ` +
    `"validation" varchar(12) NOT NULL, "validationReport" text, "ackStatus" varchar(12) NOT NULL, "tracked" text, ` +
    `"reference" varchar(255), "deliveryStatus" varchar(12) NOT NULL, "route" varchar(128), "deliveredAt" datetime(3), ` +
    `"byteOffset" bigint NOT NULL, "byteLength" bigint NOT NULL, "createdAt" datetime(3) NOT NULL)`,
  `CREATE INDEX "ix_transaction_reference" ON "edi_transaction" ("reference")`,
  `CREATE INDEX "ix_transaction_time" ON "edi_transaction" ("createdAt")`,
  `CREATE INDEX "ix_transaction_partner_time" ON "edi_transaction" ("partnerId", "createdAt")`,
  `CREATE INDEX "ix_transaction_interchange" ON "edi_transaction" ("interchangeId")`,
  `CREATE TABLE "ack" ("id" varchar(36) PRIMARY KEY NOT NULL, "direction" varchar(3) NOT NULL, "kind" varchar(8) NOT NULL, ` +
    `"messageId" varchar(36), "acknowledgesInterchangeId" varchar(36), "partnerId" varchar(64), ` +
    `"interchangeControlNumber" varchar(14), "groupControlNumber" varchar(14), "transactionControlNumber" varchar(14), ` +
    `"status" varchar(12) NOT NULL, "report" text, "createdAt" datetime(3) NOT NULL)`,
  `CREATE INDEX "ix_ack_acknowledges" ON "ack" ("partnerId", "interchangeControlNumber")`,
  `CREATE TABLE "delivery" ("id" varchar(36) PRIMARY KEY NOT NULL, "messageId" varchar(36) NOT NULL, ` +
    `"transactionId" varchar(36), "partnerId" varchar(64), "endpoint" varchar(128) NOT NULL, "status" varchar(12) NOT NULL, ` +
    `"attempts" integer NOT NULL, "nextAttemptAt" datetime(3), "lastError" text, "deliveredAt" datetime(3), ` +
    `"createdAt" datetime(3) NOT NULL, "updatedAt" datetime(3) NOT NULL)`,
  `CREATE INDEX "ix_delivery_transaction" ON "delivery" ("transactionId")`,
  `CREATE INDEX "ix_delivery_status" ON "delivery" ("status", "nextAttemptAt")`,
  `CREATE TABLE "event" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "parentId" bigint, "messageId" varchar(36), ` +
    `"interchangeId" varchar(36), "transactionId" varchar(36), "partnerId" varchar(64), "stage" varchar(24) NOT NULL, ` +
    `"status" varchar(8) NOT NULL, "code" varchar(32), "detail" text, "createdAt" datetime(3) NOT NULL)`,
  `CREATE INDEX "ix_event_time" ON "event" ("createdAt")`,
  `CREATE INDEX "ix_event_message" ON "event" ("messageId")`,
  `CREATE TABLE "control_number" ("scope" varchar(64) NOT NULL, "kind" varchar(16) NOT NULL, "value" bigint NOT NULL, ` +
    `"updatedAt" datetime(3) NOT NULL, PRIMARY KEY ("scope", "kind"))`,
  `CREATE TABLE "job" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "kind" varchar(32) NOT NULL, ` +
    `"key" varchar(191) NOT NULL, "messageId" varchar(36), "data" text, "status" varchar(8) NOT NULL, ` +
    `"runAt" datetime(3) NOT NULL, "attempts" integer NOT NULL, "maxAttempts" integer NOT NULL, "claimedBy" varchar(64), ` +
    `"lastError" text, "createdAt" datetime(3) NOT NULL, "updatedAt" datetime(3) NOT NULL)`,
  `CREATE UNIQUE INDEX "uq_job_key" ON "job" ("key")`,
  `CREATE INDEX "ix_job_claim" ON "job" ("status", "runAt")`,
];

const mariadb = [
  `CREATE TABLE \`message\` (\`id\` varchar(36) NOT NULL, \`direction\` varchar(3) NOT NULL, ` +
    `\`transport\` varchar(16) NOT NULL, \`partnerId\` varchar(64) NULL, \`as2MessageId\` varchar(255) NULL, ` +
    `\`as2From\` varchar(128) NULL, \`fileName\` varchar(255) NULL, \`remotePath\` varchar(1024) NULL, ` +
    `\`sha256\` varchar(64) NOT NULL, \`size\` bigint NOT NULL, \`status\` varchar(24) NOT NULL, ` +
    `\`mdnDisposition\` varchar(255) NULL, \`mic\` varchar(255) NULL, \`error\` mediumtext NULL, ` +
    `\`receivedAt\` datetime(3) NOT NULL, \`updatedAt\` datetime(3) NOT NULL, INDEX \`ix_message_partner\` (\`partnerId\`, ` +
    `\`receivedAt\`), INDEX \`ix_message_received\` (\`receivedAt\`), UNIQUE INDEX \`uq_message_as2\` (\`as2MessageId\`, ` +
    `\`as2From\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE \`payload\` (\`sha256\` varchar(64) NOT NULL, \`size\` bigint NOT NULL, \`storage\` varchar(8) NOT NULL, ` +
    `\`data\` longblob NULL, \`createdAt\` datetime(3) NOT NULL, \`purgedAt\` datetime(3) NULL, ` +
    `PRIMARY KEY (\`sha256\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE \`interchange\` (\`id\` varchar(36) NOT NULL, \`messageId\` varchar(36) NOT NULL, ` +
    `\`direction\` varchar(3) NOT NULL, \`partnerId\` varchar(64) NULL, \`partnerKey\` varchar(64) NOT NULL, ` +
    `\`standard\` varchar(8) NOT NULL, \`senderQualifier\` varchar(4) NOT NULL, \`senderId\` varchar(35) NOT NULL, ` +
    `\`receiverQualifier\` varchar(4) NOT NULL, \`receiverId\` varchar(35) NOT NULL, \`controlNumber\` varchar(14) NOT NULL, ` +
    `\`syntaxVersion\` varchar(12) NOT NULL, \`test\` tinyint NOT NULL, \`preparedAt\` varchar(32) NOT NULL, ` +
    `\`validation\` varchar(12) NOT NULL, \`validationReport\` mediumtext NULL, \`ackStatus\` varchar(12) NOT NULL, ` +
    `\`ackReport\` mediumtext NULL, \`ackDueAt\` datetime(3) NULL, \`byteOffset\` bigint NOT NULL, ` +
    `\`byteLength\` bigint NOT NULL, \`createdAt\` datetime(3) NOT NULL, INDEX \`ix_interchange_ack_due\` (\`ackStatus\`, ` +
    `\`ackDueAt\`), INDEX \`ix_interchange_message\` (\`messageId\`), ` +
    `UNIQUE INDEX \`uq_interchange_control\` (\`partnerKey\`, \`senderId\`, \`receiverId\`, \`controlNumber\`, ` +
    `\`direction\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE \`functional_group\` (\`id\` varchar(36) NOT NULL, \`interchangeId\` varchar(36) NOT NULL, ` +
    `\`functionalId\` varchar(8) NULL, \`controlNumber\` varchar(14) NULL, \`version\` varchar(16) NOT NULL, ` +
    `\`sender\` varchar(35) NULL, \`receiver\` varchar(35) NULL, \`transactionCount\` int NOT NULL, ` +
    `\`validation\` varchar(12) NOT NULL, \`validationReport\` mediumtext NULL, \`ackStatus\` varchar(12) NOT NULL, ` +
    `\`createdAt\` datetime(3) NOT NULL, INDEX \`ix_group_interchange\` (\`interchangeId\`), ` +
    `PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE \`edi_transaction\` (\`id\` varchar(36) NOT NULL, \`interchangeId\` varchar(36) NOT NULL, ` +
    `\`groupId\` varchar(36) NOT NULL, \`messageId\` varchar(36) NOT NULL, \`direction\` varchar(3) NOT NULL, ` +
    `\`partnerId\` varchar(64) NULL, \`standard\` varchar(8) NOT NULL, \`version\` varchar(16) NOT NULL, ` +
    `\`implementation\` varchar(35) NULL, \`type\` varchar(6) NOT NULL, \`controlNumber\` varchar(14) NOT NULL, ` +
    `\`segmentCount\` int NOT NULL, \`validation\` varchar(12) NOT NULL, \`validationReport\` mediumtext NULL, ` +
    `\`ackStatus\` varchar(12) NOT NULL, \`tracked\` mediumtext NULL, \`reference\` varchar(255) NULL, ` +
    `\`deliveryStatus\` varchar(12) NOT NULL, \`route\` varchar(128) NULL, \`deliveredAt\` datetime(3) NULL, ` +
    `\`byteOffset\` bigint NOT NULL, \`byteLength\` bigint NOT NULL, \`createdAt\` datetime(3) NOT NULL, ` +
    `INDEX \`ix_transaction_reference\` (\`reference\`), INDEX \`ix_transaction_time\` (\`createdAt\`), ` +
    `INDEX \`ix_transaction_partner_time\` (\`partnerId\`, \`createdAt\`), ` +
    `INDEX \`ix_transaction_interchange\` (\`interchangeId\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE \`ack\` (\`id\` varchar(36) NOT NULL, \`direction\` varchar(3) NOT NULL, \`kind\` varchar(8) NOT NULL, ` +
    `\`messageId\` varchar(36) NULL, \`acknowledgesInterchangeId\` varchar(36) NULL, \`partnerId\` varchar(64) NULL, ` +
    `\`interchangeControlNumber\` varchar(14) NULL, \`groupControlNumber\` varchar(14) NULL, ` +
    `\`transactionControlNumber\` varchar(14) NULL, \`status\` varchar(12) NOT NULL, \`report\` mediumtext NULL, ` +
    `\`createdAt\` datetime(3) NOT NULL, INDEX \`ix_ack_acknowledges\` (\`partnerId\`, \`interchangeControlNumber\`), ` +
    `PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE \`delivery\` (\`id\` varchar(36) NOT NULL, \`messageId\` varchar(36) NOT NULL, ` +
    `\`transactionId\` varchar(36) NULL, \`partnerId\` varchar(64) NULL, \`endpoint\` varchar(128) NOT NULL, ` +
    `\`status\` varchar(12) NOT NULL, \`attempts\` int NOT NULL, \`nextAttemptAt\` datetime(3) NULL, ` +
    `\`lastError\` mediumtext NULL, \`deliveredAt\` datetime(3) NULL, \`createdAt\` datetime(3) NOT NULL, ` +
    `\`updatedAt\` datetime(3) NOT NULL, INDEX \`ix_delivery_transaction\` (\`transactionId\`), ` +
    `INDEX \`ix_delivery_status\` (\`status\`, \`nextAttemptAt\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE \`event\` (\`id\` bigint NOT NULL AUTO_INCREMENT, \`parentId\` bigint NULL, \`messageId\` varchar(36) NULL, ` +
    `\`interchangeId\` varchar(36) NULL, \`transactionId\` varchar(36) NULL, \`partnerId\` varchar(64) NULL, ` +
    `\`stage\` varchar(24) NOT NULL, \`status\` varchar(8) NOT NULL, \`code\` varchar(32) NULL, ` +
    `\`detail\` mediumtext NULL, \`createdAt\` datetime(3) NOT NULL, INDEX \`ix_event_time\` (\`createdAt\`), ` +
    `INDEX \`ix_event_message\` (\`messageId\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE \`control_number\` (\`scope\` varchar(64) NOT NULL, \`kind\` varchar(16) NOT NULL, ` +
    `\`value\` bigint NOT NULL, \`updatedAt\` datetime(3) NOT NULL, PRIMARY KEY (\`scope\`, ` +
    `\`kind\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
  `CREATE TABLE \`job\` (\`id\` bigint NOT NULL AUTO_INCREMENT, \`kind\` varchar(32) NOT NULL, ` +
    `\`key\` varchar(191) NOT NULL, \`messageId\` varchar(36) NULL, \`data\` mediumtext NULL, \`status\` varchar(8) NOT NULL, ` +
    `\`runAt\` datetime(3) NOT NULL, \`attempts\` int NOT NULL, \`maxAttempts\` int NOT NULL, \`claimedBy\` varchar(64) NULL, ` +
    `\`lastError\` mediumtext NULL, \`createdAt\` datetime(3) NOT NULL, \`updatedAt\` datetime(3) NOT NULL, ` +
    `UNIQUE INDEX \`uq_job_key\` (\`key\`), INDEX \`ix_job_claim\` (\`status\`, \`runAt\`), ` +
    `PRIMARY KEY (\`id\`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
];
