// `npx tsx bench/heap-summary.ts <file.heapsnapshot>`: what a V8 heap snapshot holds, by self size
// (not retained size: no dominator tree), in three cuts: node types (strings, code, arrays…), the top
// 20 constructors, and the loaded scripts (source text and compiled functions) by package.
import { readFileSync } from 'node:fs';

interface HeapSnapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const TOP = 20;
const path = process.argv[2];
if (!path) throw new Error('usage: tsx bench/heap-summary.ts <file.heapsnapshot>');
const { snapshot, nodes, edges, strings } = JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshot;
const { node_fields, node_types, edge_fields, edge_types } = snapshot.meta;
const NODE_WIDTH = node_fields.length;
const EDGE_WIDTH = edge_fields.length;
const [TYPE, NAME, SIZE, EDGE_COUNT] = ['type', 'name', 'self_size', 'edge_count'].map((f) => node_fields.indexOf(f)) as [
  number,
  number,
  number,
  number,
];
const [EDGE_TYPE, EDGE_NAME, EDGE_TO] = ['type', 'name_or_index', 'to_node'].map((f) => edge_fields.indexOf(f)) as [number, number, number];
const nodeTypes = node_types[0];
const edgeTypes = edge_types[0];
const count = nodes.length / NODE_WIDTH;

const typeOf = (n: number) => nodeTypes[nodes[n * NODE_WIDTH + TYPE]!]!;
const nameOf = (n: number) => strings[nodes[n * NODE_WIDTH + NAME]!]!;
const sizeOf = (n: number) => nodes[n * NODE_WIDTH + SIZE]!;

// Edges are stored per node, in node order: a node's first edge follows all of its predecessors' edges.
const firstEdge = new Uint32Array(count + 1);
for (let n = 0; n < count; n++) firstEdge[n + 1] = firstEdge[n]! + nodes[n * NODE_WIDTH + EDGE_COUNT]!;

/** The nodes `n` points to by named (non-index) edges, by edge name. */
function namedEdges(n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e++) {
    const at = e * EDGE_WIDTH;
    const kind = edgeTypes[edges[at + EDGE_TYPE]!];
    if (kind === 'element' || kind === 'hidden') continue;
    out.set(strings[edges[at + EDGE_NAME]!]!, edges[at + EDGE_TO]! / NODE_WIDTH);
  }
  return out;
}

class Tally {
  readonly rows = new Map<string, { count: number; bytes: number }>();
  add(key: string, bytes: number): void {
    const row = this.rows.get(key) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += bytes;
    this.rows.set(key, row);
  }
  print(title: string, limit = Infinity): void {
    const sorted = [...this.rows].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, limit);
    console.log(`\n${title}`);
    for (const [key, { count, bytes }] of sorted)
      console.log(`  ${mb(bytes).padStart(8)} MB ${String(count).padStart(8)}  ${key.slice(0, 110)}`);
  }
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

/** The Chrome DevTools "constructor" grouping, roughly: objects by class, the rest by kind. */
function constructorOf(n: number): string {
  const type = typeOf(n);
  if (STRING_TYPES.has(type)) return '(string)';
  if (type === 'object' || type === 'native') return nameOf(n);
  if (type === 'closure') return '(closure)';
  if (type === 'array') return `(array) ${nameOf(n)}`;
  if (type === 'code' || type === 'hidden') return `(${type}) ${nameOf(n).replace(/ \/ .*$/, '')}`;
  return `(${type})`;
}

/** The package a script belongs to: node_modules/<pkg>, regcred's own code, or Node's internals. */
function packageOf(script: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(script);
  if (inModules) return inModules[1]!;
  if (script.startsWith('node:') || !script.includes('/')) return '(node internals)';
  if (/\/(dist|src)\//.test(script)) return '(regcred)';
  return script;
}

const byType = new Tally();
const byConstructor = new Tally();
let total = 0;
for (let n = 0; n < count; n++) {
  const size = sizeOf(n);
  total += size;
  byType.add(typeOf(n), size);
  byConstructor.add(constructorOf(n), size);
}

// Scripts: a node with a "source" and a string "name" edge; the functions compiled from one point to it by "script".
const scriptPackage = new Map<number, string>();
const sources = new Tally();
for (let n = 0; n < count; n++) {
  if (typeOf(n) !== 'code' && typeOf(n) !== 'hidden') continue;
  const out = namedEdges(n);
  const source = out.get('source');
  const name = out.get('name');
  if (source === undefined || name === undefined || !STRING_TYPES.has(typeOf(name))) continue;
  const pkg = packageOf(nameOf(name));
  scriptPackage.set(n, pkg);
  sources.add(pkg, sizeOf(source));
}
const compiled = new Tally();
// A function's code may be shared (scope infos, feedback metadata): counted for the first function only.
const counted = new Uint8Array(count);
for (let n = 0; n < count; n++) {
  if (typeOf(n) !== 'code') continue;
  const out = namedEdges(n);
  const script = out.get('script');
  const pkg = script === undefined ? undefined : scriptPackage.get(script);
  if (pkg === undefined) continue;
  // A function's info and the code it holds directly (bytecode, scope info, feedback metadata).
  let bytes = sizeOf(n);
  counted[n] = 1;
  for (const [, to] of out) {
    if (to === script || typeOf(to) !== 'code' || counted[to]) continue;
    counted[to] = 1;
    bytes += sizeOf(to);
  }
  compiled.add(pkg, bytes);
}

console.log(`${path}: ${count} nodes, ${mb(total)} MB self size in all`);
byType.print('by node type (MB, count)');
byConstructor.print(`top ${TOP} constructors by self size (MB, count)`, TOP);
sources.print(`script source text by package, top ${TOP} (MB, scripts)`, TOP);
compiled.print(`compiled functions (info + bytecode) by package, top ${TOP} (MB, functions)`, TOP);
