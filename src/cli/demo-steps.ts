/** The walkthrough's edits to the example repo, as pure text transforms (shared by the demo and the tests). */

/** `tcp-echo-all-v1.yaml` with its VirtualService document replaced by `virtualService` (the 80/20 sample). */
export function replaceVirtualService(allV1: string, virtualService: string): string {
  const docs = allV1.split(/^---[ \t]*$/m);
  const kept = docs.filter((d) => !/^kind:\s*VirtualService\s*$/m.test(d));
  if (kept.length === docs.length) throw new Error('no VirtualService document to replace');
  return `${kept.join('---').replace(/\s*$/, '\n')}---\n${virtualService.replace(/^\s+/, '')}`;
}
