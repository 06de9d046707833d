/**
 * "Train Guard: Insert template..." (`trainguard.insertTemplate`): a quick pick of the snippets in
 * the extension's snippets/python.json (the templates of the Kaggle training hints), inserted at the
 * cursor with `editor.insertSnippet`, so tab stops work as with completion. With no editor open, the
 * template goes into a new untitled Python file. `executeCommand('trainguard.insertTemplate', 'tg-smoke-test')`
 * inserts one without asking (used by the end-to-end tests) and resolves to whether it was inserted.
 */
import vscode = require('vscode');
import type { ClientFeature } from './types';
import { findTemplate, parseTemplates, templateLabel, type Template } from './template-list';

export const templates: ClientFeature = {
  name: 'templates',
  activate(context, _client, output) {
    const file = vscode.Uri.joinPath(context.extensionUri, 'snippets', 'python.json');
    let loaded: Promise<Template[]> | undefined;
    const load = () => {
      loaded ??= Promise.resolve(vscode.workspace.fs.readFile(file)).then((bytes) => parseTemplates(new TextDecoder().decode(bytes)));
      loaded.catch(() => (loaded = undefined)); // a failed read is tried again next time
      return loaded;
    };

    const pick = async (list: Template[]): Promise<Template | undefined> => {
      const items = list.map((t) => ({ label: templateLabel(t), description: t.prefix, detail: t.description, template: t }));
      const chosen = await vscode.window.showQuickPick(items, {
        title: 'Train Guard: Insert template',
        placeHolder: 'Template to insert at the cursor (Tab moves between the names to fill in)',
        matchOnDescription: true,
        matchOnDetail: true,
      });
      return chosen?.template;
    };

    context.subscriptions.push(
      vscode.commands.registerCommand('trainguard.insertTemplate', async (key?: unknown): Promise<boolean> => {
        let list: Template[];
        try {
          list = await load();
        } catch (e) {
          output.error(`cannot read the templates in ${file.fsPath}: ${(e as Error)?.message ?? e}`);
          void vscode.window.showErrorMessage(`Train Guard: cannot read the templates (${(e as Error)?.message ?? e})`);
          return false;
        }
        let template: Template | undefined;
        if (typeof key === 'string') {
          template = findTemplate(list, key);
          if (!template) {
            void vscode.window.showErrorMessage(`Train Guard: no template "${key}" (known: ${list.map((t) => t.prefix).join(', ')})`);
            return false;
          }
        } else {
          template = await pick(list);
          if (!template) return false;
        }
        let editor = vscode.window.activeTextEditor;
        if (!editor) {
          const doc = await vscode.workspace.openTextDocument({ language: 'python', content: '' });
          editor = await vscode.window.showTextDocument(doc);
        }
        return editor.insertSnippet(new vscode.SnippetString(template.body));
      }),
    );
  },
};
