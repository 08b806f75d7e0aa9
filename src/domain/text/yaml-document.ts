import {
  isScalar,
  parseAllDocuments,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
  type ToJSOptions,
} from 'yaml';
import { BadRequestError } from '../../errors.js';
import { lineAndColumnAt } from './json-text.js';

// Plain YAML 1.2 data only: no custom or known extra tags (!!binary, !!set...), no merge keys,
// few aliases (a handful of them can otherwise expand into gigabytes).
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.2',
  schema: 'core',
  customTags: [],
  resolveKnownTags: false,
  merge: false,
  uniqueKeys: true,
  strict: true,
  prettyErrors: false,
};
const TO_JS_OPTIONS: ToJSOptions = { maxAliasCount: 10 };

/** The single YAML document of `text`, as plain data. Parser messages are not passed on: they quote the input. */
export function parseSingleYamlDocument(text: string): unknown {
  const documents = Array.from(parseAllDocuments(text, YAML_OPTIONS)).filter(
    (doc) => doc.errors.length > 0 || !(isScalar(doc.contents) && doc.contents.value === null),
  );
  if (documents.length === 0) throw new BadRequestError('The YAML body holds no document: send one Secret manifest');
  if (documents.length > 1) {
    throw new BadRequestError(`The YAML body holds ${documents.length} documents: send exactly one Secret manifest`);
  }
  const [document] = documents;
  const [error] = document.errors;
  if (error) throw new BadRequestError(`The YAML body is not valid YAML (${error.code} at ${lineAndColumnAt(text, error.pos[0])})`);
  return toPlainData(document);
}

function toPlainData(document: Document.Parsed): unknown {
  try {
    return document.toJS(TO_JS_OPTIONS);
  } catch (error) {
    const tooMany = error instanceof Error && error.message.startsWith('Excessive alias count');
    throw new BadRequestError(
      tooMany
        ? `The YAML body uses more than ${TO_JS_OPTIONS.maxAliasCount} aliases`
        : 'The YAML body has an alias without a matching anchor',
    );
  }
}

/**
 * Every YAML document of `text` (a stream separated by `---`), as plain data; empty documents are skipped.
 * @throws BadRequestError for none, more than `maxDocuments`, or one that does not parse (its position only)
 */
export function parseYamlDocuments(text: string, maxDocuments: number): unknown[] {
  const documents = Array.from(parseAllDocuments(text, YAML_OPTIONS)).filter(
    (doc) => doc.errors.length > 0 || !(isScalar(doc.contents) && doc.contents.value === null),
  );
  if (documents.length === 0) throw new BadRequestError('The YAML body holds no document');
  if (documents.length > maxDocuments) {
    throw new BadRequestError(`The YAML body holds ${documents.length} documents: send at most ${maxDocuments}`);
  }
  return documents.map((document, index) => {
    const [error] = document.errors;
    const which = documents.length > 1 ? `document ${index + 1} of the YAML body` : 'The YAML body';
    if (error) throw new BadRequestError(`${which} is not valid YAML (${error.code} at ${lineAndColumnAt(text, error.pos[0])})`);
    try {
      return document.toJS(TO_JS_OPTIONS);
    } catch (error) {
      const tooMany = error instanceof Error && error.message.startsWith('Excessive alias count');
      throw new BadRequestError(
        tooMany ? `${which} uses more than ${TO_JS_OPTIONS.maxAliasCount} aliases` : `${which} has an alias without a matching anchor`,
      );
    }
  });
}
