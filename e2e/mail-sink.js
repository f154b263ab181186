// A tiny SMTP server on loopback for the browser tests: it takes every mail the certdesk
// outbox worker sends and writes it, as received, to DIR/<n>.eml. Set-password links are
// put into mails only when they are delivered (the outbox keeps a placeholder), so the
// tests read them here, as the person would in their mailbox.
//
//   node mail-sink.js DIR      prints "port <N>" once it listens on 127.0.0.1:<N>
//
// Plain SMTP, no TLS, no authentication: certdesk is started with
// CERTDESK_SMTP_URL=smtp://127.0.0.1:<N>?tls=none.
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node mail-sink.js DIR');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
let count = 0;

const server = createServer((socket) => {
  socket.setEncoding('utf8');
  let buffer = '';
  let inData = false;
  let data = '';
  const reply = (line) => socket.write(`${line}\r\n`);
  reply('220 mail-sink ESMTP');
  socket.on('data', (chunk) => {
    buffer += chunk;
    for (;;) {
      if (inData) {
        const end = buffer.indexOf('\r\n.\r\n');
        if (end === -1) {
          data += buffer;
          buffer = '';
          return;
        }
        data += buffer.slice(0, end + 2);
        buffer = buffer.slice(end + 5);
        inData = false;
        count += 1;
        // Dot-stuffing undone, as a mailbox would store it.
        writeFileSync(join(dir, `${String(count).padStart(5, '0')}.eml`), data.replace(/\r\n\.\./g, '\r\n.'));
        data = '';
        reply('250 OK');
        continue;
      }
      const eol = buffer.indexOf('\r\n');
      if (eol === -1) return;
      const line = buffer.slice(0, eol);
      buffer = buffer.slice(eol + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') reply('250 mail-sink');
      else if (verb === 'DATA') {
        inData = true;
        reply('354 End data with <CR><LF>.<CR><LF>');
      } else if (verb === 'QUIT') {
        reply('221 Bye');
        socket.end();
        return;
      } else reply('250 OK');
    }
  });
  socket.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => {
  console.log(`port ${server.address().port}`);
});
