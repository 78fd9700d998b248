// A real SMTP server for the SMTP adapter's tests (nodemailer's smtp-server): STARTTLS with the certificate the test
// made (--key and --cert, PEM files), AUTH PLAIN/LOGIN only after TLS, one account, and each accepted message written to
// --dir as N.eml. Recipients whose local part is "bounce" are refused with 550 and "busy" with 451, as a real
// server refuses unknown mailboxes and greylists. Prints {"port": N} on stdout once it listens.
import { SMTPServer } from 'smtp-server';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const dir = arg('dir', '.');
const user = arg('user', 'monitor');
const pass = arg('pass', 'secret');
mkdirSync(dir, { recursive: true });
let count = 0;

const server = new SMTPServer({
  name: 'smtp.test.local',
  key: readFileSync(arg('key')),
  cert: readFileSync(arg('cert')),
  authMethods: ['PLAIN', 'LOGIN'],
  allowInsecureAuth: false,
  onAuth(auth, _session, callback) {
    if (auth.username === user && auth.password === pass) return callback(null, { user: auth.username });
    return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
  },
  onRcptTo(address, _session, callback) {
    const local = address.address.split('@')[0];
    if (local === 'bounce') return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
    if (local === 'busy') return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
    return callback();
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      count += 1;
      const envelope = { from: session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address), secure: session.secure, user: session.user };
      writeFileSync(join(dir, `${count}.eml`), Buffer.concat(chunks));
      writeFileSync(join(dir, `${count}.json`), JSON.stringify(envelope));
      callback(null, `queued as test-${count}`);
    });
  },
  logger: false,
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.server.address().port }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
