// Asks MariaDB once per jest run whether it answers, so that test files can decide while being
// collected (synchronously) to skip their MariaDB blocks: see mariadbMissing() in databases.ts.
const { createConnection } = require('mysql2/promise');

module.exports = async () => {
  const url = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
  try {
    const c = await createConnection({ uri: url, connectTimeout: 3000 });
    await c.end();
    process.env.EDIGW_TEST_MARIADB = 'up';
  } catch (e) {
    process.env.EDIGW_TEST_MARIADB = e.message || String(e);
  }
};
