import { createServer } from 'node:http';

/** A tiny eligibility API (POST /v1/eligibility): `answers` by the 15 digits, 404 otherwise; records the IDs asked. */
export async function startInsurer(answers: Record<string, unknown>) {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const id = (JSON.parse(data || '{}') as { emiratesId?: string }).emiratesId ?? '';
      asked.push(id);
      const answer = answers[id];
      res.writeHead(answer ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(answer ?? { status: 'not_found' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, asked, close: () => new Promise<void>((r) => server.close(() => r())) };
}
