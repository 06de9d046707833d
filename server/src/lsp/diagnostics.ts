/** Findings as LSP diagnostics: code, source, docs link, related places. */
import { pathToFileURL } from 'url';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import { docsUrl, type Finding, type Severity } from '../rules/types';

export const SOURCE = 'trainguard';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

export function toDiagnostic(f: Finding, uri: string): Diagnostic {
  return {
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.code,
    codeDescription: { href: docsUrl(f.code) },
    source: SOURCE,
    message: f.message,
    // a place in another module of the project (issue 18) carries its own file
    relatedInformation: f.related?.map((r) => ({ location: { uri: r.file ? pathToFileURL(r.file).href : uri, range: r.range }, message: r.message })),
    data: { fixable: !!f.fix },
  };
}
