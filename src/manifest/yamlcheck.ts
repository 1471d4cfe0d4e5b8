/** Linear-time checks of a composed YAML document: duplicate keys and aliases (resolved here, once). Pure. */
import { isAlias, isMap, isNode, isScalar, visit, type Alias, type Document, type Node } from 'yaml';

/** What one pass over a document found; offsets are into the file's text. */
export interface DocCheck {
  /** Keys written a second time in the same mapping. */
  readonly duplicates: number[];
  /** Aliases with no anchor before them. */
  readonly unresolved: number[];
  /** Aliases that point at a node containing them (would make the document infinite). */
  readonly cyclic: number[];
  /** Every alias in the document, resolved to its node (the last anchor of that name before it). */
  readonly aliases: Map<Alias, Node>;
  /** Offset of every alias, in document order. */
  readonly aliasOffsets: number[];
}

/**
 * One depth-first pass in document order (the nesting is already bounded, so recursion is safe).
 * The yaml library's own checks are quadratic (uniqueKeys, Alias.resolve); these are linear.
 */
export function checkDocument(doc: Document): DocCheck {
  const result: DocCheck = { duplicates: [], unresolved: [], cyclic: [], aliases: new Map(), aliasOffsets: [] };
  const anchors = new Map<string, Node>();
  visit(doc, (_key, node, path) => {
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      result.aliasOffsets.push(offset);
      const target = anchors.get(node.source);
      if (!target) result.unresolved.push(offset);
      else if (path.includes(target)) result.cyclic.push(offset);
      else result.aliases.set(node, target);
      return;
    }
    if (isNode(node) && node.anchor) anchors.set(node.anchor, node);
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const v = pair.key.value;
        const id = `${typeof v}:${String(v)}`;
        if (seen.has(id)) result.duplicates.push(pair.key.range?.[0] ?? 0);
        seen.add(id);
      }
    }
    return undefined;
  });
  return result;
}
