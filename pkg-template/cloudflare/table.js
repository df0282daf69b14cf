// The coordinator's tasks in its SQLite storage: one row per idempotency key, holding the public
// record (what get, wait, list and the webhook show) and the work left to do (never shown: it holds
// the request and the webhook's secret). `due` says when the work is next due; NULL when there is
// none. Every write is synchronous and durable before anything the coordinator sends afterwards.

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS mps_tasks (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     key TEXT NOT NULL UNIQUE,
     status TEXT NOT NULL,
     due REAL,
     record TEXT NOT NULL,
     work TEXT NOT NULL
   )`,
  "CREATE INDEX IF NOT EXISTS mps_tasks_due ON mps_tasks (due) WHERE due IS NOT NULL",
  "CREATE INDEX IF NOT EXISTS mps_tasks_status ON mps_tasks (status, seq)",
  `CREATE TABLE IF NOT EXISTS mps_quotas (
     key TEXT PRIMARY KEY,
     log TEXT NOT NULL,
     until REAL NOT NULL
   )`,
];

/** One task as stored: `{ key, record, work, due }` (record and work parsed). */
function row(r) {
  return { key: r.key, record: JSON.parse(r.record), work: JSON.parse(r.work), due: r.due ?? null };
}

export class TaskTable {
  #sql;

  constructor(sql) {
    this.#sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
  }

  get(key) {
    const found = this.#sql.exec("SELECT key, record, work, due FROM mps_tasks WHERE key = ?", key).toArray();
    return found.length ? row(found[0]) : null;
  }

  /** Adds a task; false if its key exists (the caller has just looked, so only a bug gets here). */
  insert(task) {
    this.#sql.exec(
      "INSERT INTO mps_tasks (key, status, due, record, work) VALUES (?, ?, ?, ?, ?)",
      task.key,
      task.record.status,
      task.due,
      JSON.stringify(task.record),
      JSON.stringify(task.work),
    );
  }

  update(task) {
    this.#sql.exec(
      "UPDATE mps_tasks SET status = ?, due = ?, record = ?, work = ? WHERE key = ?",
      task.record.status,
      task.due,
      JSON.stringify(task.record),
      JSON.stringify(task.work),
      task.key,
    );
  }

  /**
   * Up to `limit` tasks whose work is due at `now`, most overdue first, skipping `busy` keys; with
   * `creates` false, none that are still to be created (PENDING).
   */
  due(now, limit, busy, creates = true) {
    if (limit <= 0) return [];
    const rows = this.#sql
      .exec(
        `SELECT key, record, work, due FROM mps_tasks WHERE due IS NOT NULL AND due <= ?${creates ? "" : " AND status != 'PENDING'"} ORDER BY due LIMIT ?`,
        now,
        limit + busy.size,
      )
      .toArray();
    return rows.filter((r) => !busy.has(r.key)).slice(0, limit).map(row);
  }

  /** When the next work not in `busy` is due (undefined: none); with `creates` false, no create's. */
  nextDue(busy, creates = true) {
    const rows = this.#sql
      .exec(
        `SELECT key, due FROM mps_tasks WHERE due IS NOT NULL${creates ? "" : " AND status != 'PENDING'"} ORDER BY due LIMIT ?`,
        busy.size + 1,
      )
      .toArray();
    return rows.find((r) => !busy.has(r.key))?.due;
  }

  /** Records in submission order after `after` (a seq), optionally of one status: `{ records, last }`. */
  list(status, after, limit) {
    const rows = status
      ? this.#sql
          .exec("SELECT seq, record FROM mps_tasks WHERE status = ? AND seq > ? ORDER BY seq LIMIT ?", status, after, limit + 1)
          .toArray()
      : this.#sql.exec("SELECT seq, record FROM mps_tasks WHERE seq > ? ORDER BY seq LIMIT ?", after, limit + 1).toArray();
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    return { records: page.map((r) => JSON.parse(r.record)), last: more ? page[page.length - 1].seq : null };
  }

  /** How many tasks are in each status. */
  counts() {
    const out = {};
    for (const r of this.#sql.exec("SELECT status, COUNT(*) AS n FROM mps_tasks GROUP BY status")) out[r.status] = r.n;
    return out;
  }

  quotaLog(key) {
    const found = this.#sql.exec("SELECT log FROM mps_quotas WHERE key = ?", key).toArray();
    return found.length ? JSON.parse(found[0].log) : [];
  }

  /** Writes a quota key's log; it can be forgotten after `until`. */
  saveQuotaLog(key, log, until) {
    this.#sql.exec("INSERT OR REPLACE INTO mps_quotas (key, log, until) VALUES (?, ?, ?)", key, JSON.stringify(log), until);
  }

  /** Writes a quota key's log again, as it was given back a place: it is forgotten when it was. */
  rewriteQuotaLog(key, log) {
    this.#sql.exec("UPDATE mps_quotas SET log = ? WHERE key = ?", JSON.stringify(log), key);
  }

  forgetQuotasBefore(now) {
    this.#sql.exec("DELETE FROM mps_quotas WHERE until < ?", now);
  }
}
