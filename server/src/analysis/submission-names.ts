/**
 * What a submission file is, by its name: the one test shared by the rules (TG231, TG232, TG901,
 * TG902, through submissions.ts and file-writes.ts) and the run guard (the file a run wrote). A
 * module of its own, with no import, so the extension's run guard bundles only this.
 */

/** Does a path template name a submission file (`submission*.csv`, `<name>_submission.csv`)? */
export function isSubmissionPath(template: string): boolean {
  const parts = template.split(/[\\/]/);
  const base = parts[parts.length - 1];
  return /submission/i.test(base) && !/sample_submission/i.test(base) && /(\.csv(\.gz|\.zip)?|\*)$/i.test(base);
}
