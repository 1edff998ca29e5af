import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayConfig } from '../config/gateway';
import { type LoadedPartner, identify, loadPartnersOf } from '../config/partners';
import { type ConfigIssue, formatIssue } from '../config/yaml';
import type { Logger } from './logger';

export interface DirectoryChange {
  /** Partners whose file was added or changed (and is valid). */
  changed: LoadedPartner[];
  /** Ids of partners whose file was removed. */
  removed: string[];
  /** Problems in files that were refused (a broken edit keeps the last good version). */
  issues: ConfigIssue[];
}

/**
 * The partners the gateway runs with, read from partners/*.yaml and kept current: an edited file is
 * picked up without a restart, a broken file is refused with located problems while every other
 * partner keeps running, and a broken edit of a working partner leaves its last good version in place.
 */
export class PartnerDirectory {
  /** The last good version of each file's partner, by file. */
  private byFile = new Map<string, LoadedPartner>();
  private byId = new Map<string, LoadedPartner>();
  private signature = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: GatewayConfig,
    private readonly logger: Logger,
  ) {}

  list(): LoadedPartner[] {
    return [...this.byId.values()];
  }

  get(id: string): LoadedPartner | undefined {
    return this.byId.get(id);
  }

  identify(who: Parameters<typeof identify>[1]): LoadedPartner | undefined {
    return identify(this.list(), who);
  }

  /** Reads the folder again when anything in it changed; returns what changed (nothing: null). */
  reload(force = false): DirectoryChange | null {
    const sig = this.currentSignature();
    if (!force && sig === this.signature) return null;
    this.signature = sig;
    const loaded = loadPartnersOf(this.config);
    const valid = new Map(loaded.partners.map((p) => [p.file, p]));
    const change: DirectoryChange = { changed: [], removed: [], issues: [] };
    const issuesByFile = new Map<string, ConfigIssue[]>();
    for (const i of loaded.issues) issuesByFile.set(i.file, [...(issuesByFile.get(i.file) ?? []), i]);

    const next = new Map<string, LoadedPartner>();
    for (const file of loaded.files) {
      const good = valid.get(file);
      const before = this.byFile.get(file);
      const issues = issuesByFile.get(file) ?? [];
      if (good) {
        next.set(file, good);
        if (!before || JSON.stringify(before) !== JSON.stringify(good)) change.changed.push(good);
        // Clashes between files are reported but do not refuse either file.
        for (const i of issues) this.logger.warn({ file, issue: formatIssue(i) }, 'partner file problem');
        continue;
      }
      change.issues.push(...issues);
      for (const i of issues) this.logger.error({ file, issue: formatIssue(i) }, 'partner file refused');
      if (before) {
        next.set(file, before);
        this.logger.warn({ file, partner: before.id }, 'partner file is broken: its last good version keeps running');
      }
    }
    for (const [file, p] of this.byFile) {
      if (!next.has(file)) {
        change.removed.push(p.id);
        this.logger.info({ file, partner: p.id }, 'partner file removed');
      }
    }
    for (const i of loaded.issues)
      if (!loaded.files.includes(i.file)) {
        change.issues.push(i);
        this.logger.error({ issue: formatIssue(i) }, 'partners folder problem');
      }
    this.byFile = next;
    const byId = new Map<string, LoadedPartner>();
    for (const p of next.values()) if (!byId.has(p.id)) byId.set(p.id, p);
    this.byId = byId;
    for (const p of change.changed) this.logger.info({ partner: p.id, file: p.file }, 'partner loaded');
    return change;
  }

  /** Checks the folder every `everyMs` and calls `onChange` with what changed. */
  watch(everyMs: number, onChange: (c: DirectoryChange) => void): void {
    this.unwatch();
    this.timer = setInterval(() => {
      try {
        const c = this.reload();
        if (c && (c.changed.length || c.removed.length || c.issues.length)) onChange(c);
      } catch (e) {
        this.logger.error({ err: (e as Error).message }, 'reading the partners folder failed');
      }
    }, everyMs);
    this.timer.unref();
  }

  unwatch(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Names, sizes and times of the partner files: a cheap test for "something changed". */
  private currentSignature(): string {
    const dir = this.config.partners;
    try {
      return readdirSync(dir)
        .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
        .sort()
        .map((n) => {
          const st = statSync(join(dir, n));
          return `${n}:${st.size}:${st.mtimeMs}`;
        })
        .join('|');
    } catch {
      return 'unreadable';
    }
  }
}
