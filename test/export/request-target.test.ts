/**
 * The hand-written request-target reader (src/export/request-target.ts): the targets that killed
 * the agent, the forms it accepts, and a property: it never throws, and whatever it accepts is made
 * only of the characters RFC 3986 allows where they stand.
 */
import fc from 'fast-check';
import t from 'tap';
import { isPathOnly, parseRequestTarget } from '../../src/export/request-target.ts';

t.test('the four targets that crashed the agent (new URL threw) are read, not thrown on', async (t) => {
  t.same(parseRequestTarget('//x:99999/metrics'), { form: 'origin', path: '//x:99999/metrics', query: undefined }, 'valid origin-form: a 404, not a crash');
  t.equal(parseRequestTarget('//[').form, 'invalid');
  t.equal(parseRequestTarget('http://[/').form, 'invalid');
  t.same(parseRequestTarget('//a@b:c/'), { form: 'origin', path: '//a@b:c/', query: undefined });
});

t.test('origin-form, absolute-form and *', async (t) => {
  t.same(parseRequestTarget('/metrics'), { form: 'origin', path: '/metrics', query: undefined });
  t.same(parseRequestTarget('/metrics?name[]=x'.replace('[]', '%5B%5D')), { form: 'origin', path: '/metrics', query: 'name%5B%5D=x' });
  t.same(parseRequestTarget('/metrics?'), { form: 'origin', path: '/metrics', query: '' });
  t.same(parseRequestTarget('/a/./b/../c'), { form: 'origin', path: '/a/./b/../c', query: undefined }, 'dot segments kept as sent: no normalization');
  t.same(parseRequestTarget('http://127.0.0.1:9464/metrics'), { form: 'absolute', path: '/metrics', query: undefined });
  t.same(parseRequestTarget('HTTPS://user:pw@[::1]:1/metrics?a=b'), { form: 'absolute', path: '/metrics', query: 'a=b' });
  t.same(parseRequestTarget('http://host'), { form: 'absolute', path: '/', query: undefined });
  t.same(parseRequestTarget('http://host?x'), { form: 'absolute', path: '/', query: 'x' });
  t.same(parseRequestTarget('*'), { form: 'asterisk' });
  for (const bad of ['', 'metrics', '/a b', '/a#f', '/%', '/%4g', '/[', '/é', 'ftp://h/', 'http://', 'http://h:65536/', 'http://h:123456/', 'http://a@b@c/', 'http://[::1/', 'http://[]/', 'http://[::1]x/', 'http://h/a\\b', '/'.repeat(8193)])
    t.equal(parseRequestTarget(bad).form, 'invalid', `invalid: ${JSON.stringify(bad.slice(0, 30))}`);
});

t.test('config paths: RFC 3986 path characters only', async (t) => {
  t.ok(isPathOnly('/metrics'));
  t.ok(isPathOnly("/a!$&'()*+,;=:@b/%41"));
  for (const bad of ['metrics', '/a?b', '/a b', '/[x]', '/%zz', ''])
    t.notOk(isPathOnly(bad), JSON.stringify(bad));
});

const PCHAR = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$/;
const QUERY = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;

t.test('property: never throws; what it accepts is well formed', async (t) => {
  const anyText = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ unit: fc.constantFrom(...'/?#%[]@:.abc09 "\\'.split('')), maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...'/?#%[]@:.abc09 "\\'.split('')), maxLength: 40 }).map((s) => `http://${s}`),
    fc.webUrl({ withQueryParameters: true }),
  );
  fc.assert(
    fc.property(anyText, (s) => {
      const r = parseRequestTarget(s);
      if (r.form === 'invalid') return typeof r.reason === 'string';
      if (r.form === 'asterisk') return s === '*';
      const segs = r.path.split('/');
      return segs[0] === '' && segs.slice(1).every((x) => PCHAR.test(x)) && (r.query === undefined || QUERY.test(r.query)) && !s.includes('#');
    }),
    { numRuns: 20_000, seed: 12 },
  );
  t.pass('20,000 generated targets');
});
