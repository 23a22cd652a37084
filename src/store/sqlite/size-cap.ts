import type { Statement } from 'better-sqlite3';
import type { Db } from './db.ts';

/** The share of `storage.max_size` kept for the dispatcher's bookkeeping, and its floor in pages. */
const RESERVE_SHARE = 0.02;
const RESERVE_MIN_PAGES = 64;

/**
 * `storage.max_size` for new events, short of the hard cap (`max_page_count`)
 * by a reserve. Claims, completions and attempt rows grow the database a
 * little too, and without room for them a full database could never deliver
 * (and so never prune) what it holds: ingest stops at the reserve, the
 * dispatcher keeps working in it until retention frees pages again.
 */
export class SizeCap {
  private readonly acceptPages: number;
  private readonly pageCount: Statement<[], { page_count: number }>;
  private readonly freePages: Statement<[], { freelist_count: number }>;
  private used = 0;

  constructor(db: Db, maxPages: number) {
    this.acceptPages = maxPages - Math.max(RESERVE_MIN_PAGES, Math.ceil(maxPages * RESERVE_SHARE));
    this.pageCount = db.prepare('PRAGMA page_count');
    this.freePages = db.prepare('PRAGMA freelist_count');
    this.sample();
  }

  /** After every commit and prune: pages in use now (two cheap header reads). */
  sample(): void {
    this.used = this.pageCount.get()!.page_count - this.freePages.get()!.freelist_count;
  }

  get full(): boolean {
    return this.used >= this.acceptPages;
  }
}
