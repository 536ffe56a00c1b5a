/** Deterministic payloads served by the loopback server (and prebuilt by the bare-MSW baseline). */

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa'.split(' ');

/** A ~1 KiB JSON document for item `i` (distinct per item). */
export function itemJson(i) {
  const tags = Array.from({ length: 6 }, (_, k) => WORDS[(i + k * 3) % WORDS.length]);
  const doc = {
    id: i,
    name: `item-${i}`,
    sku: `SKU-${String(i).padStart(8, '0')}`,
    price: Math.round(((i * 7919) % 100000) / 10) / 10,
    tags,
    createdAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    attributes: Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`attr${k}`, `${WORDS[(i * k) % 16]}-${i}-${k}`])),
    description: '',
  };
  const base = JSON.stringify(doc).length;
  doc.description = Array.from({ length: 200 }, (_, k) => WORDS[(i + k) % WORDS.length]).join(' ').slice(0, Math.max(0, 1024 - base));
  return JSON.stringify(doc);
}

/** One MiB of CSV text (repeated to build the large body). */
export function csvMiB() {
  const lines = [];
  let size = 0;
  for (let r = 0; size < 1024 * 1024; r++) {
    const line = `${r},${WORDS[r % 16]},${(r * 31) % 9973},${WORDS[(r * 7) % 16]}-${r}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, 1024 * 1024);
}

/** Items /items/100000+k are the untimed warm-up requests of the replay cases (recorded with the timed ones). */
export const WARMUP_OFFSET = 100_000;
