/** The walkthrough's manifests with the ports a test was given (the gateway port and the two echo backends). */
import { example8020, exampleManifests } from './manifests';

export interface WalkthroughPorts {
  readonly gateway: number;
  readonly v1: number;
  readonly v2: number;
}

function withPorts(files: Record<string, string>, p: WalkthroughPorts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    out[name] = text
      .replace(/\b31400\b/g, String(p.gateway))
      .replace(/tcp: 9000\b/g, `tcp: ${p.v1}`)
      .replace(/tcp: 9001\b/g, `tcp: ${p.v2}`);
  }
  return out;
}

/** Gateway + DestinationRule + all-v1 VirtualService + Service/Deployments + ServiceEntry, on the given ports. */
export function allV1Files(p: WalkthroughPorts, dir = ''): Record<string, string> {
  return prefix(withPorts(exampleManifests(), p), dir);
}

/** The same after the 80/20 commit. */
export function split8020Files(p: WalkthroughPorts, dir = ''): Record<string, string> {
  return prefix(withPorts(example8020(), p), dir);
}

function prefix(files: Record<string, string>, dir: string): Record<string, string> {
  return dir === '' ? files : Object.fromEntries(Object.entries(files).map(([k, v]) => [`${dir}/${k}`, v]));
}
