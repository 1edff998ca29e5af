import { redactUrl } from '../../src/redact-url';
import { redactUrl as fromHttpSender } from '../../src/transports/http/sender';
import { redactUrl as fromDataSource } from '../../src/store/data-source';

describe('url redaction: one for endpoints, databases and partner files', () => {
  test('an endpoint URL loses its password and credential-like query values, keeps the rest', () => {
    expect(redactUrl('https://gw:s3cret@erp.example/in?code=abc&tenant=acme&sig=xyz')).toBe(
      'https://gw:***@erp.example/in?code=***&tenant=acme&sig=***',
    );
    expect(redactUrl('http://erp.example/orders')).toBe('http://erp.example/orders');
  });

  test('a database URL loses its password; a SQLite path is shown as written', () => {
    expect(redactUrl('mysql://root:pw@127.0.0.1:3306/gw')).toBe('mysql://root:***@127.0.0.1:3306/gw');
    expect(redactUrl('sqlite:data/gateway.sqlite')).toBe('sqlite:data/gateway.sqlite');
  });

  test('what is not a URL still loses a user:password@', () => {
    expect(redactUrl('//gw:s3cret@ erp')).toBe('//gw:***@ erp');
    expect(redactUrl('data/gateway.sqlite')).toBe('data/gateway.sqlite');
  });

  test('the http sender and the store show URLs through the same function', () => {
    expect(fromHttpSender).toBe(redactUrl);
    expect(fromDataSource).toBe(redactUrl);
  });
});
