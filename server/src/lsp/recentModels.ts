/**
 * Which open documents keep their tree and model between checks. A model holds the syntax arrays
 * and every memoised answer of its analysis (about 7 MB of heap for 50 small scripts), and the tree
 * is of no use to the next parse (tree-sitter-python re-parses an edited file almost entirely:
 * bench/NOTES.md). So only the documents checked most recently (the ones being edited, whose hover,
 * suppression actions, CodeLens and budget panel ask for the model) keep theirs; another document's
 * model is rebuilt from its text if a request needs it.
 */
export class RecentModels {
  private readonly order: string[] = [];

  constructor(readonly size: number) {}

  /** `uri` was just checked: it is now the most recent. Returns the URIs that fell out. */
  touch(uri: string): string[] {
    this.forget(uri);
    this.order.unshift(uri);
    return this.order.splice(this.size);
  }

  /** `uri` was closed. */
  forget(uri: string): void {
    const i = this.order.indexOf(uri);
    if (i >= 0) this.order.splice(i, 1);
  }

  /** The URIs keeping their model, most recent first. */
  get uris(): readonly string[] {
    return this.order;
  }
}
