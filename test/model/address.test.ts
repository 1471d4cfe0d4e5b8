/** isWildcard and hostPort, table-driven (mutation survivors in src/model/address.ts). */
import { hostPort, isWildcard } from '../../src/model/address';

test.each([
  ['0.0.0.0', true], ['::', true], ['::0', true],
  ['127.0.0.1', false], ['::1', false], ['0.0.0.1', false], ['', false], ['0:0::0', false],
])('isWildcard(%p) = %p', (s, want) => {
  expect(isWildcard(s)).toBe(want);
});

test.each([
  ['127.0.0.1', 80, '127.0.0.1:80'],
  ['::1', 9000, '[::1]:9000'],
  ['::', 31400, '[::]:31400'],
  ['db.example.com', 5432, 'db.example.com:5432'],
])('hostPort(%p, %i) = %p', (a, p, want) => {
  expect(hostPort(a, p)).toBe(want);
});
