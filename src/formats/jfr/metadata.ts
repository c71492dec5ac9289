import type { JfrReader } from './reader.js';

/** JfrField is one field of a metadata class. */
export interface JfrField {
  name: string;
  typeId: number;
  /** constantPool: the value is written as a constant-pool id, not inline. */
  constantPool: boolean;
  /** array: the value is a count followed by that many elements (dimension 1). */
  array: boolean;
}

/** JfrClass is one class descriptor from a chunk's metadata event. */
export interface JfrClass {
  id: number;
  name: string;
  superType: string | null;
  fields: JfrField[];
  /** fieldIndex maps a field name to its position in `fields` (and in decoded values). */
  fieldIndex: Map<string, number>;
}

/** JfrTypes is the type table of one chunk, by id and by name. */
export interface JfrTypes {
  byId: Map<number, JfrClass>;
  byName: Map<string, JfrClass>;
}

/** MetadataElement is a node of the metadata event's element tree (root, metadata, class, field, ...). */
interface MetadataElement {
  name: string;
  attributes: Map<string, string>;
  children: MetadataElement[];
}

// Real metadata trees are 4 levels deep (root/metadata/class/field/annotation); anything far
// deeper is hostile and would otherwise blow the JS stack.
const MAX_ELEMENT_DEPTH = 32;

/**
 * readMetadata reads the metadata event at the reader's position: a header (size, type id,
 * start, duration, metadata id), a string table, and an element tree whose "class" elements
 * describe every type the chunk uses.
 */
export function readMetadata(r: JfrReader): JfrTypes {
  const start = r.pos;
  const size = r.varint();
  if (size === 0 || size > r.limit - start) r.fail(`metadata event size ${size} is out of range`, start);
  const end = start + size;
  const outerLimit = r.limit;
  r.limit = end;
  try {
    r.varlong(); // event type (0)
    r.varlong(); // start time
    r.varlong(); // duration
    r.varlong(); // metadata id
    const n = r.count('metadata string');
    const strings = new Array<string>(n);
    for (let i = 0; i < n; i++) strings[i] = r.string() ?? '';
    const root = readElement(r, strings, 0);
    return typesFrom(root, r);
  } finally {
    r.limit = outerLimit;
  }
}

function readElement(r: JfrReader, strings: string[], depth: number): MetadataElement {
  if (depth > MAX_ELEMENT_DEPTH) r.fail('metadata elements nested too deeply');
  const name = stringAt(r, strings);
  const attributeCount = r.count('metadata attribute');
  const attributes = new Map<string, string>();
  for (let i = 0; i < attributeCount; i++) {
    const key = stringAt(r, strings);
    attributes.set(key, stringAt(r, strings));
  }
  const childCount = r.count('metadata element');
  const children: MetadataElement[] = [];
  for (let i = 0; i < childCount; i++) children.push(readElement(r, strings, depth + 1));
  return { name, attributes, children };
}

function stringAt(r: JfrReader, strings: string[]): string {
  const at = r.pos;
  const i = r.varint();
  if (i >= strings.length) r.fail(`metadata string index ${i} out of range (${strings.length} strings)`, at);
  return strings[i];
}

function typesFrom(root: MetadataElement, r: JfrReader): JfrTypes {
  const byId = new Map<number, JfrClass>();
  const byName = new Map<string, JfrClass>();
  for (const section of root.children) {
    if (section.name !== 'metadata') continue;
    for (const el of section.children) {
      if (el.name !== 'class') continue;
      const cls = classFrom(el, r);
      byId.set(cls.id, cls);
      byName.set(cls.name, cls);
    }
  }
  return { byId, byName };
}

function classFrom(el: MetadataElement, r: JfrReader): JfrClass {
  const id = Number(el.attributes.get('id'));
  const name = el.attributes.get('name') ?? '';
  if (!Number.isSafeInteger(id)) r.fail(`metadata class ${JSON.stringify(name)} has no numeric id`);
  const fields: JfrField[] = [];
  const fieldIndex = new Map<string, number>();
  for (const f of el.children) {
    if (f.name !== 'field') continue;
    const typeId = Number(f.attributes.get('class'));
    const fieldName = f.attributes.get('name') ?? '';
    if (!Number.isSafeInteger(typeId)) r.fail(`field ${name}.${fieldName} has no numeric type`);
    fieldIndex.set(fieldName, fields.length);
    fields.push({
      name: fieldName,
      typeId,
      constantPool: f.attributes.get('constantPool') === 'true',
      array: f.attributes.get('dimension') === '1',
    });
  }
  return { id, name, superType: el.attributes.get('superType') ?? null, fields, fieldIndex };
}
