/** The walkthrough's edits to the example repo, as pure text transforms (shared by the demo and the tests). */

/** `tcp-echo-all-v1.yaml` with its VirtualService document replaced by `virtualService` (the 80/20 sample). */
export function replaceVirtualService(allV1: string, virtualService: string): string {
  return replaceDocument(allV1, 'VirtualService', virtualService);
}

/** `text` with its documents of `kind` dropped and `replacement` appended (the all-v1 file after the 80/20 step). */
export function replaceDocument(text: string, kind: string, replacement: string): string {
  const docs = text.split(/^---[ \t]*$/m);
  const kept = docs.filter((d) => !new RegExp(`^kind:\\s*${kind}\\s*$`, 'm').test(d));
  if (kept.length === docs.length) throw new Error(`no ${kind} document to replace`);
  return `${kept.join('---').replace(/\s*$/, '\n')}---\n${replacement.replace(/^\s+/, '')}`;
}

/** The demo's ports: the Gateway's and the two backends'. */
export interface DemoPorts {
  readonly port: number;
  readonly v1: number;
  readonly v2: number;
}

/** A manifest of the example repo moved to other ports: the Gateway's 31400, and the WorkloadEntries' `tcp: 9000`/`tcp: 9001`. */
export function withDemoPorts(text: string, p: DemoPorts): string {
  return text
    .replace(/\b31400\b/g, String(p.port))
    .replace(/\btcp: 9000\b/g, `tcp: ${p.v1}`)
    .replace(/\btcp: 9001\b/g, `tcp: ${p.v2}`);
}

/** The client line the walkthrough prints, for any shell with bash (no netcat variant needed): sends the date, prints the answer. */
export function clientCommand(port: number, host = '127.0.0.1'): string {
  return `bash -c 'exec 3<>/dev/tcp/${host}/${port}; date >&3; head -n1 <&3'`;
}
