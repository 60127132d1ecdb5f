/**
 * astdb on SQLite, with Asterisk's table (`astdb(key TEXT PRIMARY KEY, value TEXT)`, keys
 * `/family/key`) and its prefix semantics (main/db.c): gettree/deltree match `/family[/keytree]`
 * followed by `/` using LIKE, so `/amitest` matches `/amitest/k1` and `/amitest/sub/k2` but
 * not `/amitest2/x`. WAL with synchronous=FULL: a write acknowledged to a client survives kill -9.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DbEntry {
  key: string;
  value: string;
}

/** Keys an in-memory astdb holds (about 100 MB with 1 KB values). */
export const MEMORY_DB_MAX_ENTRIES = 100_000;

export class AstDb {
  private readonly db: Database.Database;
  private readonly stmts: {
    put: Database.Statement<[string, string]>;
    get: Database.Statement<[string], { value: string | null }>;
    del: Database.Statement<[string]>;
    deltree: Database.Statement<[string]>;
    deltreeAll: Database.Statement<[]>;
    gettree: Database.Statement<[string], { key: string; value: string | null }>;
    gettreeAll: Database.Statement<[], { key: string; value: string | null }>;
    showkey: Database.Statement<[string], { key: string; value: string | null }>;
    count: Database.Statement<[], { n: number }>;
  };

  /**
   * `path` ':memory:' for a throw-away database, which holds at most `maxEntries` keys (default
   * MEMORY_DB_MAX_ENTRIES; on disk there is no limit, as in Asterisk).
   */
  constructor(
    path: string,
    private readonly maxEntries: number | undefined = path === ':memory:' ? MEMORY_DB_MAX_ENTRIES : undefined,
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS astdb(key TEXT, value TEXT, PRIMARY KEY(key))');
    this.stmts = {
      put: this.db.prepare('INSERT OR REPLACE INTO astdb (key, value) VALUES (?, ?)'),
      get: this.db.prepare('SELECT value FROM astdb WHERE key=?'),
      del: this.db.prepare('DELETE FROM astdb WHERE key=?'),
      deltree: this.db.prepare("DELETE FROM astdb WHERE key || '/' LIKE ? || '/' || '%'"),
      deltreeAll: this.db.prepare('DELETE FROM astdb'),
      gettree: this.db.prepare(
        "SELECT key, value FROM astdb WHERE key || '/' LIKE ? || '/' || '%' ORDER BY key",
      ),
      gettreeAll: this.db.prepare('SELECT key, value FROM astdb ORDER BY key'),
      count: this.db.prepare('SELECT count(*) AS n FROM astdb'),
      showkey: this.db.prepare("SELECT key, value FROM astdb WHERE key LIKE '%' || '/' || ? ORDER BY key"),
    };
  }

  get(family: string, key: string): string | undefined {
    const row = this.stmts.get.get(`/${family}/${key}`);
    return row ? (row.value ?? '') : undefined;
  }

  /**
   * False (nothing written) when the database holds `maxEntries` keys and this one is new: Asterisk's
   * astdb lives on disk, ours may live in memory (no data directory), where a DBPut flood must not grow
   * the process without bound.
   */
  put(family: string, key: string, value: string): boolean {
    const full = `/${family}/${key}`;
    if (
      this.maxEntries !== undefined &&
      this.stmts.count.get()!.n >= this.maxEntries &&
      !this.stmts.get.get(full)
    )
      return false;
    this.stmts.put.run(full, value);
    return true;
  }

  /** True when the key existed (the AMI DBDel error depends on it). */
  del(family: string, key: string): boolean {
    return this.stmts.del.run(`/${family}/${key}`).changes > 0;
  }

  /** Number of keys removed; -1 for a key tree without family (Asterisk refuses it). */
  deltree(family: string, keytree = ''): number {
    if (!family && keytree) return -1;
    const prefix = prefixOf(family, keytree);
    return prefix ? this.stmts.deltree.run(prefix).changes : this.stmts.deltreeAll.run().changes;
  }

  gettree(family = '', keytree = ''): DbEntry[] {
    const prefix = prefixOf(family, keytree);
    const rows = prefix ? this.stmts.gettree.all(prefix) : this.stmts.gettreeAll.all();
    return rows.map((r) => ({ key: r.key, value: r.value ?? '' }));
  }

  /** `database showkey`: every family holding `key`. */
  showkey(key: string): DbEntry[] {
    return this.stmts.showkey.all(key).map((r) => ({ key: r.key, value: r.value ?? '' }));
  }

  close(): void {
    this.db.close();
  }
}

function prefixOf(family: string, keytree: string): string {
  if (!family) return '';
  return keytree ? `/${family}/${keytree}` : `/${family}`;
}
