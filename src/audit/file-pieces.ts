import { closeSync, openSync, readSync } from 'node:fs';

/**
 * A large file read as raw text in pieces, so the audit scans a file of any size with bounded
 * memory (one string cannot hold more than ~512 MiB, and reading a whole 900 MB file costs 2 GB).
 */

/** One piece: whole lines where the file has line feeds; `firstLine` is the 1-based line it starts on. */
export interface FilePiece {
  bytes: Buffer;
  firstLine: number;
}

/** Bytes of a cut line carried into the next piece, so a secret across the cut is still whole in one of them. */
const OVERLAP = 4096;

/**
 * Reads `file` in pieces of at most `pieceBytes`, each ending after its last line feed. A line
 * longer than a piece is cut, and its last {@link OVERLAP} bytes start the next piece as well.
 *
 * @example
 * for (const { bytes, firstLine } of filePieces('/p/cassettes/big.bodies/9f…')) scan(bytes.toString('latin1'), firstLine);
 */
export function* filePieces(file: string, pieceBytes = 16 * 1024 * 1024): Generator<FilePiece> {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.max(pieceBytes, 2 * OVERLAP));
    let carry = 0;
    let line = 1;
    for (;;) {
      const n = readSync(fd, buffer, carry, buffer.length - carry, null);
      const end = carry + n;
      if (n === 0) {
        if (end > 0) yield { bytes: Buffer.from(buffer.subarray(0, end)), firstLine: line };
        return;
      }
      const afterLastLf = buffer.lastIndexOf(0x0a, end - 1) + 1;
      const cut = afterLastLf > 0 ? afterLastLf : end;
      const piece = Buffer.from(buffer.subarray(0, cut));
      yield { bytes: piece, firstLine: line };
      for (let i = piece.indexOf(0x0a); i !== -1; i = piece.indexOf(0x0a, i + 1)) line++;
      const from = afterLastLf > 0 ? cut : end - OVERLAP;
      buffer.copy(buffer, 0, from, end);
      carry = end - from;
    }
  } finally {
    closeSync(fd);
  }
}
