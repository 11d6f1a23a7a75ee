/**
 * One keep-alive HTTP/1.1 connection for the REST bench's load client: it writes a request prepared once as bytes
 * and reads the response (Content-Length or chunked) with a few buffer scans, one request at a time. Why not
 * node:http: its Agent, ClientRequest and IncomingMessage cost the client ≈ 60–240 µs of CPU per request (measured
 * with the bench), and the client shares the two cores with the server it measures; this costs a fraction of that.
 * It speaks only what `cody serve` answers the bench with — no trailers, no 1xx, no pipelining — and fails loudly on
 * anything else.
 */
import net from "node:net";

export interface Reply {
  status: number;
  body: string;
}

const CRLF = Buffer.from("\r\n");
const HEADERS_END = Buffer.from("\r\n\r\n");

/** The bytes of a POST with a JSON body (the same every time, so built once). */
export function postBytes(host: string, path: string, headers: Record<string, string>, body: string): Buffer {
  const lines = [`POST ${path} HTTP/1.1`, `Host: ${host}`, `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

interface Head {
  status: number;
  /** Body length when given by Content-Length; undefined when chunked. */
  length: number | undefined;
  close: boolean;
}

function parseHead(text: string): Head {
  const lines = text.split("\r\n");
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(lines[0] ?? "");
  if (!status) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(lines[0])}`);
  let length: number | undefined;
  let chunked = false;
  let close = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim().toLowerCase();
    if (name === "content-length") length = Number(value);
    else if (name === "transfer-encoding") chunked = value === "chunked";
    else if (name === "connection") close = value === "close";
  }
  if (!chunked && length === undefined) throw new Error("a response with neither Content-Length nor chunked encoding");
  return { status: Number(status[1]), length: chunked ? undefined : length, close };
}

export class Connection {
  readonly #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #head: Head | undefined;
  /** Chunked bodies: the decoded chunks so far. */
  #chunks: Buffer[] = [];
  #pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  #closed: Error | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (data: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
      try {
        this.#parse();
      } catch (error) {
        this.#fail(error as Error);
        socket.destroy();
      }
    });
    const gone = (error?: Error): void => this.#fail(error ?? new Error("the server closed the connection"));
    socket.on("error", gone);
    socket.on("close", () => gone());
  }

  static open(port: number, host: string): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        socket.off("error", reject);
        resolve(new Connection(socket));
      });
      socket.once("error", reject);
    });
  }

  /** True once the connection can no longer be used. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  send(bytes: Buffer): Promise<Reply> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#pending) return Promise.reject(new Error("one request at a time"));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#socket.write(bytes);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }

  #done(body: Buffer): void {
    const head = this.#head as Head;
    this.#head = undefined;
    this.#chunks = [];
    const pending = this.#pending;
    this.#pending = undefined;
    if (head.close) this.#socket.end();
    pending?.resolve({ status: head.status, body: body.toString("utf8") });
  }

  #parse(): void {
    if (this.#head === undefined) {
      const end = this.#buffer.indexOf(HEADERS_END);
      if (end < 0) return;
      this.#head = parseHead(this.#buffer.toString("latin1", 0, end));
      this.#buffer = this.#buffer.subarray(end + 4);
    }
    const head = this.#head;
    if (head.length !== undefined) {
      if (this.#buffer.length < head.length) return;
      const body = this.#buffer.subarray(0, head.length);
      this.#buffer = this.#buffer.subarray(head.length);
      this.#done(body);
      return;
    }
    // Chunked (RFC 9112 §7.1): `<hex size>\r\n<data>\r\n`, ended by a zero-size chunk and an empty line.
    for (;;) {
      const lineEnd = this.#buffer.indexOf(CRLF);
      if (lineEnd < 0) return;
      const size = Number.parseInt(this.#buffer.toString("latin1", 0, lineEnd), 16);
      if (!Number.isInteger(size) || size < 0) throw new Error("a bad chunk size");
      const need = lineEnd + 2 + size + 2;
      if (this.#buffer.length < need) return;
      if (size === 0) {
        this.#buffer = this.#buffer.subarray(need);
        this.#done(Buffer.concat(this.#chunks));
        return;
      }
      this.#chunks.push(this.#buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      this.#buffer = this.#buffer.subarray(need);
    }
  }
}
