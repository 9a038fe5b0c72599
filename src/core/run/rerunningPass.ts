// A pass over some work (the merge queue, the merge previews) that runs one at a time: a call while it runs
// shares its promise and makes it run once more when done, so what changed meanwhile is not missed and two
// passes never race over the same files.

export class RerunningPass<R> {
  private running?: Promise<R[]>;
  private again = false;

  constructor(
    private readonly pass: () => Promise<R[]>,
    /** Once true, no further pass starts. */
    private readonly stopped: () => boolean = () => false,
    /** After the last pass, with what every pass of this run returned. */
    private readonly done?: (all: R[]) => void,
  ) {}

  run(): Promise<R[]> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      const all: R[] = [];
      do {
        this.again = false;
        all.push(...(await this.pass()));
      } while (this.again && !this.stopped());
      this.done?.(all);
      return all;
    })().finally(() => (this.running = undefined));
    return this.running;
  }
}
