import { createServer, type IncomingMessage, type Server } from 'node:http';

/** One scripted model answer: tool calls, or text. A function sees the request (e.g. to read a tool result). */
export type ScriptStep =
  | { tools: { name: string; args: Record<string, unknown> }[]; text?: string }
  | { text: string }
  | ((request: ChatRequest) => { tools: { name: string; args: Record<string, unknown> }[]; text?: string } | { text: string });

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string | null | { type: string; text: string }[]; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; description: string; parameters: Record<string, unknown> } }[];
  tool_choice?: unknown;
}

/**
 * A local OpenAI-compatible endpoint: answers POST /v1/chat/completions from a script, in order, and
 * records every request. When the script runs out it answers 400 (no SDK retry) and counts it.
 */
export async function startScriptedLlm() {
  const script: ScriptStep[] = [];
  const requests: ChatRequest[] = [];
  let exhausted = 0;
  let seq = 0;
  /** Every request line the endpoint saw (the SDK must call nothing but chat completions). */
  const paths: string[] = [];
  /** Expectations that failed inside scripted steps. */
  const stepErrors: unknown[] = [];

  const body = (req: IncomingMessage) =>
    new Promise<string>((res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => res(data));
    });

  const server: Server = createServer(async (req, res) => {
    const raw = await body(req);
    paths.push(`${req.method} ${req.url}`);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const request = JSON.parse(raw) as ChatRequest;
    requests.push(request);
    const step = script.shift();
    if (!step) {
      exhausted++;
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'script exhausted', type: 'invalid_request_error' } }));
      return;
    }
    let out;
    try {
      out = typeof step === 'function' ? step(request) : step;
    } catch (err) {
      // A failed expectation inside a step: answer at once (the client would otherwise wait for its timeout).
      stepErrors.push(err);
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `script step failed: ${String(err)}`, type: 'invalid_request_error' } }));
      return;
    }
    const toolCalls = 'tools' in out ? out.tools.map((t) => ({ id: `call_${++seq}`, type: 'function', function: { name: t.name, arguments: JSON.stringify(t.args) } })) : [];
    const message = { role: 'assistant', content: out.text ?? null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}), refusal: null };
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${seq}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message, finish_reason: toolCalls.length ? 'tool_calls' : 'stop', logprobs: null }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    paths,
    stepErrors,
    /** Queue answers for the next model calls. */
    push: (...steps: ScriptStep[]) => void script.push(...steps),
    get pending() {
      return script.length;
    },
    get exhausted() {
      return exhausted;
    },
    /** The tool results (parsed) the model was sent in a request. */
    toolResults(request: ChatRequest): any[] {
      return request.messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(textOf(m.content) || 'null'));
    },
    reset() {
      script.length = 0;
      requests.length = 0;
      paths.length = 0;
      stepErrors.length = 0;
      exhausted = 0;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
/** A chat message's text, whether sent as a string or as content parts. */
export function textOf(content: ChatRequest['messages'][number]['content']): string {
  return typeof content === 'string' ? content : (content ?? []).map((p) => p.text ?? '').join('');
}
export type ScriptedLlm = Awaited<ReturnType<typeof startScriptedLlm>>;
