/**
 * Prometheus text exposition (format 0.0.4) parsed into families: TYPE, HELP (null when absent) and
 * samples with their labels. Strict about line syntax; tolerant of a family's samples being split by
 * another family's (rtpengine 10.5 prints its kernel series and requests/request_seconds that way).
 */
export interface PromSample {
  labels: Map<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string | null;
  samples: PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';

function parseLabels(s: string): Map<string, string> {
  const labels = new Map<string, string>();
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index !== consumed) throw new Error(`bad labels: ${s}`);
    labels.set(m[1]!, m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)));
    consumed = re.lastIndex;
  }
  if (consumed !== s.length) throw new Error(`bad labels: ${s}`);
  return labels;
}

export function parseFamilies(text: string): Map<string, PromFamily> {
  const fams = new Map<string, PromFamily>();
  const helps = new Map<string, string>();
  const get = (name: string): PromFamily | undefined =>
    fams.get(name) ?? fams.get(name.replace(/_(bucket|sum|count)$/, ''));
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const h = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    if (h) { helps.set(h[1]!, h[2]!); continue; }
    const t = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (t) {
      if (fams.has(t[1]!)) throw new Error(`second TYPE for ${t[1]}`);
      fams.set(t[1]!, { name: t[1]!, type: t[2]!, help: null, samples: [] });
      continue;
    }
    const m = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)$`).exec(line);
    if (!m) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    const f = get(m[1]!);
    if (!f) throw new Error(`sample without TYPE: ${line}`);
    const labels = parseLabels(m[2] ?? '');
    if (m[1] !== f.name) labels.set('__suffix', m[1]!.slice(f.name.length));
    f.samples.push({ labels, value: Number(m[3]) });
  }
  for (const [name, help] of helps) {
    const f = fams.get(name);
    if (f) f.help = help;
  }
  return fams;
}

/** A sample's value by its labels (all given labels equal; undefined when none matches). */
export function sampleValue(f: PromFamily | undefined, labels: Record<string, string> = {}): number | undefined {
  return f?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels.get(k) === v))?.value;
}
