// Certificates for local TLS: a throw-away certificate authority and a server and a client certificate it
// signs, made with the system's openssl. The devstack's secure listeners and the tests use them; nothing here
// is meant for production keys.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackError } from './errors.js';

const run = promisify(execFile);

/** PEM files of a CA and the certificates it signed; keys are unencrypted PKCS#8. */
export interface Certificates {
  dir: string;
  caFile: string;
  caKeyFile: string;
  /** Valid for `localhost`, `127.0.0.1` and `::1` (and any extra names asked for); serverAuth and clientAuth. */
  serverCertFile: string;
  serverKeyFile: string;
  /** The server certificate followed by its key, in one file (Kafka's PEM keystore). */
  serverPemFile: string;
  /** A client certificate (CN `skein-client`) for mutual TLS. */
  clientCertFile: string;
  clientKeyFile: string;
}

export interface CertificateOptions {
  /** DNS names besides localhost the server certificate is valid for. */
  hosts?: readonly string[];
  /** Common name of the CA, so several sets are told apart in errors. */
  caName?: string;
  days?: number;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const detail = e.code === 'ENOENT' ? 'openssl is not installed' : (e.stderr ?? e.message).trim();
    throw new DevstackError('DEVSTACK_INSTALL_FAILED', `openssl ${args[0]} failed in ${cwd}: ${detail}`, {
      cause: err,
    });
  }
}

async function signed(
  dir: string,
  name: string,
  subject: string,
  extensions: string,
  days: number,
): Promise<void> {
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    ],
    dir,
  );
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      String(days),
      '-sha256',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

/** Makes a CA, a server certificate and a client certificate in `dir` (created if needed). */
export async function generateCertificates(
  dir: string,
  options: CertificateOptions = {},
): Promise<Certificates> {
  await mkdir(dir, { recursive: true });
  const days = options.days ?? 30;
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      String(days),
      '-sha256',
      '-subj',
      `/CN=${options.caName ?? 'skein devstack CA'}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const names = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1', ...(options.hosts ?? []).map((h) => `DNS:${h}`)];
  await signed(
    dir,
    'server',
    '/CN=localhost',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=${names.join(',')}`,
      '',
    ].join('\n'),
    days,
  );
  await signed(
    dir,
    'client',
    '/CN=skein-client',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=clientAuth',
      '',
    ].join('\n'),
    days,
  );
  const serverPemFile = join(dir, 'server.pem');
  await writeFile(
    serverPemFile,
    `${await readFile(join(dir, 'server.key'), 'utf8')}${await readFile(join(dir, 'server.crt'), 'utf8')}`,
    { mode: 0o600 },
  );
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    caKeyFile: join(dir, 'ca.key'),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    serverPemFile,
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
  };
}
