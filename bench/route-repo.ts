/**
 * The big repo of the storm and scale sections: `files` files of `perFile` routes each; every route
 * is its own Gateway listener (each file carries its own Gateway for its routes) and VirtualService
 * with an 80/20 or 70/30 split. Route 0 (`echo`) and route 1 (`ping`) go to the echo service and
 * never change: they are the untouched routes the load runs through. The last route (`probe`)
 * goes to the `id` upstreams (all to `a` or all to `b`), to see when a commit is serving.
 */
import { gatewayDoc, serviceDocs, virtualService, type BenchRoute } from './manifests';
import type { Pool } from './peers';
import { Repo } from './repo';
import { services, type Upstreams } from './targets';

const SPLITS: readonly (readonly [number, number])[] = [[80, 20], [70, 30]];

/** The routes and their generations; renders files and peer pools from them. */
export class RouteRepo {
  readonly routes: number;
  readonly files: number;
  /** Generation of each file: its routes' weights alternate with it. */
  private readonly gen: number[];
  private probeToB = false;

  constructor(readonly ports: readonly number[], readonly u: Upstreams, readonly perFile = 100) {
    this.routes = ports.length;
    this.files = Math.ceil(this.routes / perFile);
    this.gen = new Array<number>(this.files).fill(0);
  }

  get echoPort(): number { return this.ports[0]!; }
  get pingPort(): number { return this.ports[1]!; }
  get probePort(): number { return this.ports[this.routes - 1]!; }
  /** The upstream id (`a` or `b`) the probe route sends new connections to. */
  get probeWant(): string { return this.probeToB ? 'b' : 'a'; }

  /** Route `i` as it stands. */
  route(i: number): BenchRoute {
    const listen = this.ports[i]!;
    if (i === 0) return { name: 'echo', listen, host: 'echo', weights: [80, 20] };
    if (i === 1) return { name: 'ping', listen, host: 'echo', weights: [80, 20] };
    if (i === this.routes - 1) return { name: 'probe', listen, host: 'probe', weights: this.probeToB ? [0, 100] : [100, 0] };
    const gen = this.gen[Math.floor(i / this.perFile)]!;
    return { name: `r${String(i).padStart(5, '0')}`, listen, host: i % 2 === 0 ? 'echo' : 'sink', weights: SPLITS[gen % 2]! };
  }

  private fileName(f: number): string {
    return `routes-${String(f).padStart(3, '0')}.yaml`;
  }

  private fileText(f: number): string {
    const rs: BenchRoute[] = [];
    for (let i = f * this.perFile; i < Math.min(this.routes, (f + 1) * this.perFile); i++) rs.push(this.route(i));
    const gw = `gw-${String(f).padStart(3, '0')}`;
    return [gatewayDoc(gw, rs), ...rs.map((r) => virtualService(r, gw))].join('---\n');
  }

  /** Every file of the repo. */
  allFiles(): Record<string, string> {
    const out: Record<string, string> = { 'services.yaml': services(this.u).map(serviceDocs).join('---\n') };
    for (let f = 0; f < this.files; f++) out[this.fileName(f)] = this.fileText(f);
    return out;
  }

  /** Changes the weights of every route in file `f` (not the fixed echo/ping routes); returns that file. */
  touch(f: number): Record<string, string> {
    this.gen[f]!++;
    return { [this.fileName(f)]: this.fileText(f) };
  }

  /** Changes every file (every route but the fixed ones); returns them all. */
  touchAll(): Record<string, string> {
    for (let f = 0; f < this.files; f++) this.gen[f]!++;
    return this.allFiles();
  }

  /** Flips the probe route to the other upstream: a change to the last file only. */
  flipProbe(): Record<string, string> {
    this.probeToB = !this.probeToB;
    const f = this.files - 1;
    return { [this.fileName(f)]: this.fileText(f) };
  }

  /** The same routes as peer pools (HAProxy, nginx): one listener per route with its weights. */
  pools(): Pool[] {
    const portsOf = (host: string): readonly [number, number] => (host === 'echo' ? this.u.echo : host === 'sink' ? this.u.sink : this.u.id);
    const out: Pool[] = [];
    for (let i = 0; i < this.routes; i++) {
      const r = this.route(i);
      const [v1, v2] = portsOf(r.host);
      // nginx takes no weight 0: a subset with no weight is left out
      const ups = [{ port: v1, weight: r.weights[0] }, { port: v2, weight: r.weights[1] }].filter((x) => x.weight > 0);
      out.push({ listen: r.listen, upstreams: ups });
    }
    return out;
  }

  /** Writes every file into a new git repo at `dir` and commits it. */
  createRepo(dir: string): Repo {
    const repo = new Repo(dir);
    repo.commit(this.allFiles(), `bench: ${this.routes} routes in ${this.files} files`);
    return repo;
  }
}
