// How CLI commands print: one JSON object with --json, aligned text otherwise.

let stdoutClosed = false;

/**
 * `parley … | head -3`: once the reader of a pipe goes away, writes to it fail with EPIPE. That
 * is not the command's failure: what is still printed is dropped, and the command ends as it
 * would have (its database closed, its lock released), quietly. Other write errors still throw.
 */
export function tolerateClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      if (stream === process.stdout) stdoutClosed = true;
    });
  }
}

/** Whether the reader of stdout went away: a command printing as it goes can stop early. */
export function outputClosed(): boolean {
  return stdoutClosed;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cell = (value: unknown) => (value === null || value === undefined ? '-' : String(value));
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => cell(row[column]).length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((column) => cell(row[column])))}\n`);
}
