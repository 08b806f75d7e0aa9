import fc from 'fast-check';

export interface MultipartBody {
  contentType: string;
  body: Buffer;
  /** What was done to it, for the findings. */
  shape: string;
}

const CRLF = '\r\n';

function part(name: string, content: string, { filename = 'config.json', headers = [] as string[] } = {}): string {
  const disposition = `Content-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}`;
  return [disposition, 'Content-Type: application/json', ...headers].join(CRLF) + CRLF + CRLF + content + CRLF;
}

function assemble(boundary: string, parts: string[], { close = true, preamble = '' } = {}): string {
  return preamble + parts.map((p) => `--${boundary}${CRLF}${p}`).join('') + (close ? `--${boundary}--${CRLF}` : '');
}

/** multipart/form-data bodies carrying `config`: well-formed ones, and every way of getting one wrong. */
export function multipartBody(config: fc.Arbitrary<string>, shapes: readonly string[] = SHAPES): fc.Arbitrary<MultipartBody> {
  const boundary = fc.constantFrom('----fuzzBoundary7MA4YWxk', 'x', '"quoted-boundary"', 'b'.repeat(70));
  return fc.tuple(config, boundary, fc.nat(), fc.constantFrom(...shapes)).map(([content, rawBoundary, cut, shape]) => {
    const b = rawBoundary.replace(/"/g, '');
    const header = `multipart/form-data; boundary=${rawBoundary}`;
    const make = (text: string, contentType = header) => ({ contentType, body: Buffer.from(text, 'utf8'), shape });
    const good = assemble(b, [part('config', content)]);
    switch (shape) {
      case 'valid':
        return make(good);
      case 'truncated':
        return make(good.slice(0, cut % Math.max(good.length, 1)));
      case 'no-closing-boundary':
        return make(assemble(b, [part('config', content)], { close: false }));
      case 'no-boundary-parameter':
        return make(good, 'multipart/form-data');
      case 'empty-boundary':
        return make(good, 'multipart/form-data; boundary=');
      case 'other-boundary':
        return make(good, 'multipart/form-data; boundary=not-the-one');
      case 'broken-part-header':
        return make(`--${b}${CRLF}Content-Disposition form-data name=config${CRLF}${CRLF}${content}${CRLF}--${b}--${CRLF}`);
      case 'no-disposition':
        return make(`--${b}${CRLF}Content-Type: application/json${CRLF}${CRLF}${content}${CRLF}--${b}--${CRLF}`);
      case 'no-header-end':
        return make(`--${b}${CRLF}Content-Disposition: form-data; name="config"; filename="c.json"${CRLF}${content}`);
      case 'two-files':
        return make(assemble(b, [part('config', content), part('config', content)]));
      case 'wrong-part-name':
        return make(assemble(b, [part('file', content)]));
      case 'field-not-file':
        return make(assemble(b, [part('config', content, { filename: '' })]));
      case 'field-then-file':
        return make(assemble(b, [part('note', 'x', { filename: '' }), part('config', content)]));
      case 'huge-field-name':
        return make(assemble(b, [part('n'.repeat(10_000), content)]));
      case 'many-headers':
        return make(assemble(b, [part('config', content, { headers: Array.from({ length: 50 }, (_, i) => `X-H${i}: v`) })]));
      case 'lf-only':
        return make(good.replace(/\r\n/g, '\n'));
      case 'hostile-filename':
        return make(assemble(b, [part('config', content, { filename: '../../etc/passwd\u00e9"; name="x' })]));
      case 'empty':
        return make('');
      case 'preamble-epilogue':
        return make(assemble(b, [part('config', content)], { preamble: `ignored preamble${CRLF}` }) + 'epilogue');
      case 'mixed-type':
        return make(good, `multipart/mixed; boundary=${rawBoundary}`);
      default:
        return make(good);
    }
  });
}

const SHAPES = [
  'valid',
  'valid',
  'valid',
  'truncated',
  'no-closing-boundary',
  'no-boundary-parameter',
  'empty-boundary',
  'other-boundary',
  'broken-part-header',
  'no-disposition',
  'no-header-end',
  'two-files',
  'wrong-part-name',
  'field-not-file',
  'field-then-file',
  'huge-field-name',
  'many-headers',
  'lf-only',
  'hostile-filename',
  'empty',
  'preamble-epilogue',
  'mixed-type',
] as const;
