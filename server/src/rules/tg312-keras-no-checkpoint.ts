/**
 * TG312 keras-no-checkpoint
 *
 * What it does: finds a Keras `model.fit(...)` with no `ModelCheckpoint` callback in the file and
 * no save after the fit (`model.save`, `save_weights`, `model.export`, `tf.saved_model.save`,
 * `keras.models.save_model`, a pickle / joblib dump).
 * Why it is bad: when the run is killed at the time budget, or crashes in the last epoch, or the
 * notebook session ends, every epoch trained is lost and predict.py has nothing to load: the
 * hints' top-3 failure (section 7), the whole GPU budget gone.
 * Example: `model.fit(x, y, epochs=50, callbacks=[EarlyStopping(patience=3)])` and the script ends.
 * Fix: add `ModelCheckpoint("model_last.keras", save_best_only=False)` to the fit's callbacks
 * (appended to the list literal, or to the list the `callbacks` name is bound to; a
 * `callbacks=[...]` argument when there is none), spelled through the file's own Keras imports.
 * Silent: a ModelCheckpoint among the fit's callbacks (TG701 judges best-only ones; one given to
 * another fit of the file does not save this one), a save after the fit, a `tf.train.Checkpoint` /
 * `CheckpointManager`, callbacks Train Guard cannot see (custom classes, unknown objects) that may
 * save; non-Keras training. The callbacks are the values that reach the fit (a notebook that
 * rebinds `early_stopping` in several cells: the last binding before the fit).
 */
import type { CallSite, PythonModel } from '../analysis/model';
import { listElements } from '../analysis/keras';
import { sources } from '../analysis/config-values';
import { appendItem } from '../fixes/insert';
import { fileQuote, spellKeras } from '../fixes/spelling';
import type { Fix, Rule } from './types';

export const rule: Rule = {
  meta: {
    code: 'TG312',
    name: 'keras-no-checkpoint',
    severity: 'warning',
    section: '7. Model saving & checkpointing',
    summary: 'Keras model.fit with no ModelCheckpoint callback and no save after it',
    fixable: true,
  },
  check(ctx) {
    const m = ctx.model;
    const fits = m.frameworkLoops().filter((f) => f.framework === 'keras');
    if (!fits.length) return;
    // a tf.train checkpoint saves through calls of its own; a ModelCheckpoint counts for the fit it is given to
    if (m.calls.some((c) => /^tensorflow\.train\.(Checkpoint|CheckpointManager)$/.test(c.qualified ?? ''))) return;
    for (const { call } of fits) {
      if (savedAfter(m, call) || callbacksMaySave(m, call)) continue;
      ctx.report({
        node: call.callee,
        message: 'model.fit with no ModelCheckpoint and no save after it: a killed or crashed run loses every epoch trained. Add ModelCheckpoint(save_best_only=False) to the callbacks',
        fix: checkpointFix(m, call),
      });
    }
  },
};

const SAVES = /^(tensorflow\.saved_model\.save|keras\.(models|saving)\.save_model|joblib\.dump|pickle\.dump|tensorflowjs\.converters\.save_keras_model)$/;

/** A save of a Keras model after the fit (later in the same function, or in another function). */
function savedAfter(m: PythonModel, fit: CallSite): boolean {
  // the models the fit trains, by where they were built: a save of another model built in the file does not save this one
  const trained = new Set((fit.receiver ? m.originsOf(fit.receiver) : []).filter((o) => o.base).map((o) => o.node.id));
  for (const c of m.calls) {
    if (c.fn === fit.fn && c.node.startIndex < fit.node.endIndex) continue;
    if (SAVES.test(c.qualified ?? '')) return true;
    if (c.method && /^(save|save_weights|export)$/.test(c.method) && c.receiver) {
      if (fit.receiver && c.receiver.text === fit.receiver.text) return true;
      const saved = m.originsOf(c.receiver).filter((o) => /^keras\./.test(o.base ?? '') || (o.base ?? '').startsWith('<local>.'));
      if (saved.length && (!trained.size || saved.some((o) => trained.has(o.node.id)))) return true;
    }
  }
  return false;
}

/** Keras callbacks that never write the model. */
const NON_SAVING = /^keras\.callbacks\.(EarlyStopping|ReduceLROnPlateau|CSVLogger|TensorBoard|LearningRateScheduler|TerminateOnNaN|ProgbarLogger|History|RemoteMonitor|BackupAndRestore)$/;

/** Does a callback passed to the fit possibly save the model (anything but the known non-saving ones)? */
function callbacksMaySave(m: PythonModel, fit: CallSite): boolean {
  const cb = fit.keywords.get('callbacks');
  if (!cb) return false;
  const found = listElements(m, cb);
  if (!found) return true;
  return found.elements.some((e) => {
    // the values that reach the fit (a notebook rebinding the name cell after cell: the last one before the fit)
    const reaching = e.type === 'identifier' ? sources(m, e).map((s) => s.node).filter((n) => n.id !== e.id) : [];
    const origins = reaching.length ? reaching.flatMap((n) => m.originsOf(n)) : m.originsOf(e);
    return !origins.length || origins.some((o) => !NON_SAVING.test(o.base ?? '') || o.chain.length > 0);
  });
}

function checkpointFix(m: PythonModel, fit: CallSite): Fix | null {
  const args = fit.node.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return null;
  const mc = spellKeras(m, 'callbacks.ModelCheckpoint');
  const q = fileQuote(m);
  const checkpoint = `${mc.text}(${q}model_last.keras${q}, save_best_only=False)`;
  const edits = [];
  const cb = fit.keywords.get('callbacks');
  if (cb) {
    const found = listElements(m, cb);
    if (!found) return null;
    edits.push(appendItem(m.source, found.list, checkpoint));
  } else {
    edits.push(appendItem(m.source, args, `callbacks=[${checkpoint}]`));
  }
  if (mc.edit) edits.push(mc.edit);
  return { title: 'Add a ModelCheckpoint callback that saves every epoch', applicability: 'safe', edits };
}
