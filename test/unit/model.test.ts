/** PythonModel questions shared by many rules, checked on small programs. */
import * as assert from 'assert';
import { ready, withModel } from './helpers';

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
