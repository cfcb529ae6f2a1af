/**
 * The spellings of internal hosts that got through before (issue 12, point 17): loopback,
 * unspecified, link-local (cloud metadata) and private addresses, in the forms URL parsers
 * accept. A push endpoint a browser hands in must be refused in every one: the policy's
 * unit test (protocol/push.test.ts) and the route's workerd test (test/push.test.ts) share
 * the list.
 */
export const INTERNAL_HOST_URLS = [
  "https://127.0.0.1/x",
  "https://localhost/x",
  "https://[::1]/x",
  "https://127.0.0.2/x",
  "https://[::ffff:127.0.0.1]/x",
  "https://localhost./x",
  "https://0.0.0.0/x",
  "https://169.254.169.254/latest/meta-data/",
  "https://10.0.0.1/x",
  "https://2130706434/x",
] as const;
