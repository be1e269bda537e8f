import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Writes a throw-away self-signed certificate and its key (`<name>.crt`, `<name>.key`, PEM; the
 * key is PKCS#8, which both Node and the Java broker read) into `dir` with openssl. `san` adds a
 * subjectAltName (e.g. `IP:127.0.0.1`) so that a client verifying hostnames accepts it; the
 * certificate then also serves as its own trust anchor.
 */
export function makeSelfSignedCert(
  dir: string,
  name: string,
  options: { san?: string; keyType?: 'ec' | 'rsa' } = {},
): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const keyArgs =
    options.keyType === 'rsa'
      ? ['-newkey', 'rsa:2048']
      : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...keyArgs,
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      ...(options.san === undefined ? [] : ['-addext', `subjectAltName=${options.san}`]),
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
