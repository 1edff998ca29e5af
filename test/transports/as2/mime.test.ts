import {
  MimeError,
  base64Lines,
  buildEntity,
  buildMultipart,
  canonicalizeText,
  decodeTransferEncoding,
  formatHeaderValue,
  parseEntity,
  parseHeaderValue,
  splitMultipart,
  splitSigned,
} from '../../../src/transports/as2/mime';
import { contentDisposition } from '../../../src/transports/as2/message';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('as2 mime: entities', () => {
  test('reads headers case-insensitively, unfolds folded lines, and keeps the body byte for byte', () => {
    const raw = b(
      'content-TYPE: multipart/signed;\r\n\tprotocol="application/pkcs7-signature";\r\n micalg=sha-256; boundary="b 1"\r\nX-Empty:\r\n\r\nbody\r\n\r\n',
    );
    const e = parseEntity(raw);
    expect(e.headers.get('Content-Type')).toBe(
      'multipart/signed;\tprotocol="application/pkcs7-signature"; micalg=sha-256; boundary="b 1"',
    );
    expect(e.headers.get('x-empty')).toBe('');
    expect(e.body.equals(b('body\r\n\r\n'))).toBe(true);
    expect(Buffer.concat([e.headerBytes, e.body]).equals(raw)).toBe(true);
    const ct = parseHeaderValue(e.headers.get('content-type')!);
    expect(ct.value).toBe('multipart/signed');
    expect(Object.fromEntries(ct.params)).toEqual({
      protocol: 'application/pkcs7-signature',
      micalg: 'sha-256',
      boundary: 'b 1',
    });
  });

  test('tolerates LF-only input', () => {
    const e = parseEntity(b('Content-Type: text/plain\nX-A: 1\n  continued\n\nline1\nline2\n'));
    expect(e.headers.get('x-a')).toBe('1  continued');
    expect(e.body.toString()).toBe('line1\nline2\n');
  });

  test('an entity that starts with its empty line has no headers; one without an empty line is all headers', () => {
    expect(parseEntity(b('\r\nonly body')).body.toString()).toBe('only body');
    const e = parseEntity(b('Content-Type: text/plain'));
    expect(e.headers.get('content-type')).toBe('text/plain');
    expect(e.body.length).toBe(0);
  });

  test('refuses bytes that are not a header block (what a wrong key decrypts to)', () => {
    expect(() => parseEntity(Buffer.from([0x8f, 0x12, 0x00, 0x41, 0x3a, 0x0d, 0x0a, 0x0d, 0x0a]))).toThrow(MimeError);
    expect(() => parseEntity(b(' folded first: x\r\n\r\n'))).toThrow(MimeError);
  });

  test('header values: quoted strings with escapes, RFC 2231 file names, quoting on output', () => {
    const v = parseHeaderValue('attachment; filename="a \\"b\\";c.x12"; size=10');
    expect(v.params.get('filename')).toBe('a "b";c.x12');
    expect(v.params.get('size')).toBe('10');
    expect(
      parseHeaderValue("attachment; filename=fallback.x12; filename*=utf-8''M%C3%BCller.x12").params.get('filename'),
    ).toBe('Müller.x12');
    expect(parseHeaderValue(contentDisposition('Müller 1.x12')).params.get('filename')).toBe('Müller 1.x12');
    expect(contentDisposition('Müller.x12')).toMatch(/^[\x20-\x7e]+$/);
    expect(formatHeaderValue('multipart/signed', { micalg: 'sha-256', boundary: 'a=b' })).toBe(
      'multipart/signed; micalg=sha-256; boundary="a=b"',
    );
    expect(formatHeaderValue('attachment', { filename: 'po.x12' })).toBe('attachment; filename="po.x12"');
  });
});

describe('as2 mime: multipart', () => {
  test('the CRLF before a delimiter belongs to the delimiter, so a part ending in LF keeps its LF', () => {
    const body = b(
      'preamble\r\n--XX\r\nContent-Type: a/b\r\n\r\nline ends LF\n\r\n--XX\r\nContent-Type: c/d\r\n\r\nsecond\r\n--XX--\r\nepilogue',
    );
    const m = splitMultipart(body, 'XX');
    expect(m.preamble.toString()).toBe('preamble');
    expect(m.parts.map((p) => p.toString())).toEqual([
      'Content-Type: a/b\r\n\r\nline ends LF\n',
      'Content-Type: c/d\r\n\r\nsecond',
    ]);
    expect(m.epilogue.toString()).toBe('epilogue');
    expect(m.closed).toBe(true);
  });

  test('LF-only multipart: the LF before the delimiter is the delimiter', () => {
    const m = splitMultipart(b('--XX\nA: 1\n\none\n--XX\nA: 2\n\ntwo\n\n--XX--\n'), 'XX');
    expect(m.parts.map((p) => p.toString())).toEqual(['A: 1\n\none', 'A: 2\n\ntwo\n']);
  });

  test('a line that only starts like the boundary, or a boundary not at a line start, is content', () => {
    const m = splitMultipart(b('--XX\r\n\r\nx --XX y\r\n--XXY\r\n--XX \t\r\n\r\nz\r\n--XX--'), 'XX');
    expect(m.parts.map((p) => p.toString())).toEqual(['\r\nx --XX y\r\n--XXY', '\r\nz']);
  });

  test('a body without its close delimiter is split but reported as not closed', () => {
    const m = splitMultipart(b('--XX\r\n\r\none\r\n--XX\r\n\r\ntwo'), 'XX');
    expect(m.closed).toBe(false);
    expect(m.parts.map((p) => p.toString())).toEqual(['\r\none', '\r\ntwo']);
    expect(() => splitMultipart(b('no delimiter'), 'XX')).toThrow(MimeError);
  });

  test('build and split round-trip exactly', () => {
    const parts = [
      buildEntity([['Content-Type', 'text/plain']], b('a\r\n')),
      buildEntity([['Content-Type', 'x/y']], Buffer.from([0, 13, 10, 255])),
    ];
    const m = splitMultipart(buildMultipart(parts, 'bnd'), 'bnd');
    expect(m.parts).toEqual(parts);
    expect(m.closed).toBe(true);
  });

  test('multipart/signed: the signed bytes are the first part exactly; the signature is base64-decoded', () => {
    const first = b('Content-Type: application/edi-x12\r\n\r\nISA*~\n');
    const sig = Buffer.from([0x30, 0x80, 1, 2, 3]);
    const body = buildMultipart(
      [
        first,
        buildEntity(
          [
            ['Content-Type', 'application/pkcs7-signature'],
            ['Content-Transfer-Encoding', 'base64'],
          ],
          base64Lines(sig),
        ),
      ],
      'S',
    );
    const s = splitSigned(
      parseEntity(
        buildEntity(
          [['Content-Type', 'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha1; boundary=S']],
          body,
        ),
      ),
    );
    expect(s.signedBytes.equals(first)).toBe(true);
    expect(s.signature.equals(sig)).toBe(true);
    expect(s.micalg).toBe('sha1');
    expect(s.content.headers.get('content-type')).toBe('application/edi-x12');
  });
});

describe('as2 mime: transfer encodings and canonical text', () => {
  test('base64 with line breaks, quoted-printable with soft breaks and trailing blanks, identity encodings', () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    expect(decodeTransferEncoding(base64Lines(data), 'BASE64').equals(data)).toBe(true);
    expect(
      decodeTransferEncoding(b('caf=C3=A9 =3D x  \r\nsoft=\r\nbreak\r\n'), 'quoted-printable').toString('utf8'),
    ).toBe('café = x\r\nsoftbreak\r\n');
    for (const e of [undefined, '7bit', '8bit', 'binary'])
      expect(decodeTransferEncoding(b('x\ny'), e).toString()).toBe('x\ny');
    expect(() => decodeTransferEncoding(b('x'), 'x-uuencode')).toThrow(MimeError);
  });

  test('canonicalization turns LF and lone CR into CRLF and leaves CRLF alone', () => {
    expect(canonicalizeText(b('a\nb\r\nc\rd\n\n')).toString()).toBe('a\r\nb\r\nc\r\nd\r\n\r\n');
  });
});
