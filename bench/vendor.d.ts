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
