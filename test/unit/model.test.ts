/** PythonModel questions shared by many rules, checked on small programs. */
import * as assert from 'assert';
import { parsePython } from '../../server/src/analysis/parser';
import { PythonModel } from '../../server/src/analysis/model';
import { SourceText } from '../../server/src/analysis/source';
import { ready } from './helpers';

function withModel<T>(text: string, fn: (m: PythonModel) => T): T {
  const tree = parsePython(text);
  try {
    return fn(new PythonModel(tree, new SourceText(text)));
  } finally {
    tree.delete();
  }
}

describe('PythonModel.identifiersIn', () => {
  before(ready);

  it('gives the names an expression reads, not attribute or keyword names', () => {
    const text = 'x = torch.amp.autocast(device_type=dev, dtype=torch.bfloat16)(a.b.c, k=v[i].d)\n';
    const names = withModel(text, (m) => m.identifiersIn(m.root.namedChildren[0].namedChildren[0].childForFieldName('right')!));
    assert.deepStrictEqual(names, ['torch', 'dev', 'torch', 'a', 'v', 'i']);
  });

  it('keeps names nested anywhere else: calls, subscripts, comprehensions, lambdas', () => {
    const text = 'y = f(g(p), q[r:s], [t for t in u if w], lambda z: z + o)\n';
    const names = withModel(text, (m) => m.identifiersIn(m.root.namedChildren[0].namedChildren[0].childForFieldName('right')!));
    assert.deepStrictEqual(names, ['f', 'g', 'p', 'q', 'r', 's', 't', 't', 'u', 'w', 'z', 'z', 'o']);
  });
});
