/**
 * A minimal Chrome DevTools Protocol client for the browser tests (the
 * report's pages, every figure), and `browserTest` to declare one:
 * launches a headless Chromium with a fresh profile, opens pages, records
 * every console error, exception, error log entry and JavaScript dialog,
 * evaluates expressions and takes screenshots. Nothing is downloaded: it uses
 * the system's Chromium (Debian: `apt-get install chromium`).
 *
 * @module
 */
import { fail } from "@std/assert";

/** Where Debian installs Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether an executable file exists at `path`. */
export function hasExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * A test that needs Chromium: ignored where it is missing, unless
 * REQUIRE_BROWSER=1, which makes its absence a failure.
 */
export function browserTest(name: string, fn: () => Promise<void>): void {
  const have = hasExecutable(CHROMIUM);
  const ignore = !have && Deno.env.get("REQUIRE_BROWSER") !== "1";
  if (ignore) {
    console.warn(
      `${CHROMIUM} not found (Debian: apt-get install chromium): "${name}" is ignored.`,
    );
  }
  Deno.test({
    name,
    ignore,
    async fn() {
      if (!have) {
        fail(
          `${CHROMIUM} not found: apt-get install chromium (REQUIRE_BROWSER=1 is set, so this is a failure, not ignored)`,
        );
      }
      await fn();
    },
  });
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
  sessionId?: string;
}

/** Rejects with `message` after `ms` unless `promise` settles first; clears its timer. */
async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One WebSocket connection to the browser, with flat sessions for pages. */
class Connection {
  #ws: WebSocket;
  #nextId = 1;
  #pending = new Map<
    number,
    {
      resolve: (r: Record<string, unknown>) => void;
      reject: (e: Error) => void;
    }
  >();
  #listeners = new Set<(m: Message) => void>();
  #closed: Promise<void>;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.#closed = new Promise((resolve) => {
      ws.addEventListener("close", () => {
        for (const { reject } of this.#pending.values()) {
          reject(new Error("CDP: the connection closed"));
        }
        this.#pending.clear();
        resolve();
      });
    });
    ws.addEventListener("message", (event) => {
      const message = JSON.parse(event.data as string) as Message;
      if (message.id !== undefined) {
        const waiter = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) {
          waiter?.reject(
            new Error(`CDP: ${message.error.message} (${message.error.code})`),
          );
        } else waiter?.resolve(message.result ?? {});
      } else {
        for (const listener of this.#listeners) listener(message);
      }
    });
  }

  static async open(url: string): Promise<Connection> {
    const ws = new WebSocket(url);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.addEventListener("open", () => resolve(), { once: true });
        ws.addEventListener(
          "error",
          () => reject(new Error(`CDP: cannot connect to ${url}`)),
          { once: true },
        );
      }),
      10_000,
      `CDP: no connection to ${url} within 10 s`,
    );
    return new Connection(ws);
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    return withTimeout(
      new Promise((resolve, reject) => {
        this.#pending.set(id, { resolve, reject });
        this.#ws.send(JSON.stringify({ id, method, params, sessionId }));
      }),
      60_000,
      `CDP: no answer to ${method} within 60 s`,
    );
  }

  /** Calls `listener` for every event; returns a function that stops it. */
  on(listener: (m: Message) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes the socket and waits until it is closed. */
  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close();
    if (this.#ws.readyState !== WebSocket.CLOSED) {
      await withTimeout(this.#closed, 5_000, "CDP: the socket did not close")
        .catch(() => {});
    }
  }
}

/** A page (tab) attached with a flat session. */
export class Page {
  #cdp: Connection;
  #targetId: string;
  #sessionId: string;
  #stop: () => void;
  #loads: (() => void)[] = [];
  /** Every console error, exception, error log entry and dialog, in order. */
  readonly problems: string[] = [];

  constructor(cdp: Connection, targetId: string, sessionId: string) {
    this.#cdp = cdp;
    this.#targetId = targetId;
    this.#sessionId = sessionId;
    this.#stop = cdp.on((m) => {
      if (m.sessionId !== sessionId || !m.params) return;
      // deno-lint-ignore no-explicit-any
      const p = m.params as any;
      switch (m.method) {
        case "Page.loadEventFired":
          this.#loads.splice(0).forEach((resolve) => resolve());
          break;
        case "Runtime.consoleAPICalled":
          if (p.type === "error" || p.type === "assert") {
            this.problems.push(
              `console.${p.type}: ${
                (p.args ?? []).map((
                  a: { value?: unknown; description?: string },
                ) => a.value ?? a.description).join(" ")
              }`,
            );
          }
          break;
        case "Runtime.exceptionThrown":
          this.problems.push(
            `exception: ${
              p.exceptionDetails?.exception?.description ??
                p.exceptionDetails?.text
            }`,
          );
          break;
        case "Log.entryAdded":
          if (p.entry?.level === "error") {
            this.problems.push(
              `log (${p.entry.source}): ${p.entry.text} ${p.entry.url ?? ""}`,
            );
          }
          break;
        case "Page.javascriptDialogOpening":
          this.problems.push(`dialog ${p.type}: ${p.message}`);
          // Dismiss it, or the page would hang on it.
          this.#send("Page.handleJavaScriptDialog", { accept: false })
            .catch(() => {});
          break;
      }
    });
  }

  #send(method: string, params: Record<string, unknown> = {}) {
    return this.#cdp.send(method, params, this.#sessionId);
  }

  /** Enables the Runtime, Log and Page domains and sets the viewport. */
  async init(width: number, height: number): Promise<void> {
    await this.#send("Runtime.enable");
    await this.#send("Log.enable");
    await this.#send("Page.enable");
    await this.#send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
  }

  /** Navigates to `url` and waits for the load event. */
  async goto(url: string, timeoutMs = 30_000): Promise<void> {
    const loaded = new Promise<void>((resolve) => this.#loads.push(resolve));
    const result = await this.#send("Page.navigate", { url });
    if (result.errorText) {
      throw new Error(`navigating to ${url}: ${result.errorText}`);
    }
    await withTimeout(
      loaded,
      timeoutMs,
      `${url}: no load event within ${timeoutMs} ms`,
    );
  }

  /** Evaluates `expression` in the page and returns its value (JSON). */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const r = await this.#send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    }) as {
      result: { value?: unknown };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) {
      throw new Error(
        `evaluating ${expression}: ${
          r.exceptionDetails.exception?.description ?? r.exceptionDetails.text
        }`,
      );
    }
    return r.result.value as T;
  }

  /**
   * A PNG screenshot: of the viewport, or of `clip` (page coordinates, CSS
   * pixels) even beyond the viewport.
   */
  async screenshot(
    clip?: { x: number; y: number; width: number; height: number },
  ): Promise<Uint8Array> {
    const r = await this.#send("Page.captureScreenshot", {
      format: "png",
      ...(clip
        ? { clip: { ...clip, scale: 1 }, captureBeyondViewport: true }
        : {}),
    });
    const binary = atob(r.data as string);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  /** Detaches its listener and closes the tab. */
  async close(): Promise<void> {
    this.#stop();
    await this.#cdp.send("Target.closeTarget", { targetId: this.#targetId })
      .catch(() => {});
  }
}

/** A running headless Chromium with a throwaway profile. */
export class Browser {
  #child: Deno.ChildProcess;
  #profile: string;
  #cdp: Connection;
  #drain: Promise<void>;
  #reader: ReadableStreamDefaultReader<string>;
  /** The start of Chromium's stderr, for error messages. */
  readonly log: string[];

  private constructor(
    child: Deno.ChildProcess,
    profile: string,
    cdp: Connection,
    reader: ReadableStreamDefaultReader<string>,
    drain: Promise<void>,
    log: string[],
  ) {
    this.#child = child;
    this.#profile = profile;
    this.#cdp = cdp;
    this.#reader = reader;
    this.#drain = drain;
    this.log = log;
  }

  /**
   * Starts Chromium headless on a free port with a fresh profile, reads the
   * `DevTools listening on ws://...` line from its stderr and connects.
   */
  static async launch(path = CHROMIUM): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "ember_chromium_" });
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(path, {
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--no-default-browser-check",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-extensions",
          `--user-data-dir=${profile}`,
          "--remote-debugging-port=0",
          "about:blank",
        ],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      await Deno.remove(profile, { recursive: true });
      throw error;
    }
    const reader = child.stderr.pipeThrough(new TextDecoderStream())
      .getReader();
    const log: string[] = [];
    let text = "";
    let url: string | null = null;
    let cdp: Connection | null = null;
    try {
      url = await withTimeout(
        (async () => {
          while (true) {
            const { value, done } = await reader.read();
            if (done) return null;
            text += value;
            const m = text.match(/DevTools listening on (ws:\/\/\S+)/);
            if (m) return m[1];
          }
        })(),
        30_000,
        "chromium printed no DevTools URL within 30 s",
      );
      log.push(text.slice(0, 4000));
      if (url === null) {
        throw new Error(
          `chromium exited before printing its DevTools URL:\n${
            text.slice(0, 4000)
          }`,
        );
      }
      cdp = await Connection.open(url);
    } catch (error) {
      await stopProcess(child, reader, drainStderr(reader), 0);
      await removeProfile(profile);
      throw error;
    }
    // Keep reading stderr so that Chromium never blocks on a full pipe.
    const drain = drainStderr(reader);
    return new Browser(child, profile, cdp, reader, drain, log);
  }

  /** Opens a new tab, attached with a flat session, domains enabled. */
  async newPage(width = 1024, height = 1400): Promise<Page> {
    const { targetId } = await this.#cdp.send("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await this.#cdp.send("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const page = new Page(this.#cdp, targetId as string, sessionId as string);
    await page.init(width, height);
    return page;
  }

  /** Closes the browser (gracefully, then by force), and removes the profile. */
  async close(): Promise<void> {
    await withTimeout(this.#cdp.send("Browser.close"), 5_000, "")
      .catch(() => {});
    await this.#cdp.close();
    await stopProcess(this.#child, this.#reader, this.#drain, 5_000);
    await removeProfile(this.#profile);
  }
}

/** Reads a stream to its end, discarding it (until cancelled). */
async function drainStderr(
  reader: ReadableStreamDefaultReader<string>,
): Promise<void> {
  try {
    while (!(await reader.read()).done) { /* discard */ }
  } catch { /* cancelled */ }
}

/**
 * Waits up to `graceMs` for Chromium to exit, then sends SIGTERM, then
 * SIGKILL 5 s later; then waits for its stderr to end.
 */
async function stopProcess(
  child: Deno.ChildProcess,
  reader: ReadableStreamDefaultReader<string>,
  drain: Promise<void>,
  graceMs: number,
): Promise<void> {
  const exited = child.status.then(() => true);
  const waitExit = (ms: number) =>
    withTimeout(exited, ms, "").catch(() => false);
  if (!(await waitExit(graceMs))) {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    if (!(await waitExit(5_000))) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await exited;
    }
  }
  // Its helper processes share the pipe; stop reading if they linger.
  await withTimeout(drain, 5_000, "").catch(() => reader.cancel());
  await drain;
}

/** Removes the profile folder, retrying while Chromium's helpers finish writing. */
async function removeProfile(profile: string): Promise<void> {
  for (let attempt = 0;; attempt++) {
    try {
      await Deno.remove(profile, { recursive: true });
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
