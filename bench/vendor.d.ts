/** The parts of the untyped `edifact` package (node-edifact) that the benchmark uses. */
declare module 'edifact/parser.js' {
  class Parser {
    constructor(validator?: unknown, config?: unknown);
    encoding(level: 'UNOA' | 'UNOB' | 'UNOC' | 'UNOY' | 'UCS2'): void;
    write(chunk: string): void;
    /** Throws when the last segment is incomplete. */
    end(): void;
    onopensegment(segment: string): void;
    onclosesegment(): void;
    onelement(): void;
    oncomponent(data: string): void;
  }
  export = Parser;
}

/** The part of better-sqlite3 (no @types installed) that the sftp rows use: a read-only handle on the gateway's SQLite file. */
declare module 'better-sqlite3' {
  interface Statement {
    get(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
  }
  class Database {
    constructor(file: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number });
    prepare(sql: string): Statement;
    close(): void;
  }
  export = Database;
}
