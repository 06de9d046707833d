/**
 * Requirement specifiers -> the highest version pip may install (analysis/versions.ts). The
 * fixtures of TG301 / TG304 use a few pins; the specifier forms they cannot all show are here.
 */
import * as assert from 'assert';
import { ceilingBelow, ceilingOf, ceilingWithin, compareVersions, parseVersion, requirement } from '../../server/src/analysis/versions';

describe('requirement versions', () => {
  it('parses versions, dropping local and pre-release parts', () => {
    assert.deepStrictEqual(parseVersion('2.1.2+cu118'), [2, 1, 2]);
    assert.deepStrictEqual(parseVersion('1.4.0rc1'), [1, 4, 0]);
    assert.strictEqual(parseVersion('latest'), null);
    assert.strictEqual(compareVersions([1, 4], [1, 4, 0]), 0);
    assert.strictEqual(compareVersions([1, 4, 10], [1, 4, 9]), 1);
  });

  it('reads the ceiling of each specifier form', () => {
    assert.deepStrictEqual(ceilingOf('==1.4.10'), { kind: 'exact', v: [1, 4, 10] });
    assert.deepStrictEqual(ceilingOf('>=1.4,<1.4.16'), { kind: 'max', v: [1, 4, 16], inclusive: false });
    assert.deepStrictEqual(ceilingOf('<=0.0.16'), { kind: 'max', v: [0, 0, 16], inclusive: true });
    assert.deepStrictEqual(ceilingOf('~=1.4.10'), { kind: 'max', v: [1, 5], inclusive: false });
    assert.deepStrictEqual(ceilingOf('==1.4.*'), { kind: 'max', v: [1, 5], inclusive: false });
    assert.deepStrictEqual(ceilingOf('>=1.3'), { kind: 'latest' });
    assert.deepStrictEqual(ceilingOf('^1.4.10'), { kind: 'max', v: [2], inclusive: false });
    assert.deepStrictEqual(ceilingOf('^0.0.16'), { kind: 'max', v: [0, 0, 17], inclusive: false });
    assert.deepStrictEqual(ceilingOf('^0.2.3'), { kind: 'max', v: [0, 3], inclusive: false });
    assert.deepStrictEqual(ceilingOf('~1.4.10'), { kind: 'max', v: [1, 5], inclusive: false });
    assert.deepStrictEqual(ceilingOf('~1'), { kind: 'max', v: [2], inclusive: false });
    assert.deepStrictEqual(ceilingOf(''), { kind: 'latest' });
    assert.deepStrictEqual(ceilingOf('==2.3.1; python_version >= "3.9"'), { kind: 'exact', v: [2, 3, 1] });
    assert.strictEqual(ceilingOf('@ https://example.invalid/pkg.whl'), null);
    assert.strictEqual(ceilingOf(null), null);
  });

  it('decides whether the ceiling lands in a range of releases', () => {
    const broken = (spec: string) => ceilingWithin(ceilingOf(spec)!, [1, 4, 8], [1, 4, 15], [1, 4, 16]);
    assert.ok(broken('==1.4.10'));
    assert.ok(broken('<=1.4.15'));
    assert.ok(broken('<1.4.16'));
    assert.ok(!broken('==1.3.1'));
    assert.ok(!broken('==1.4.16'));
    assert.ok(!broken('<1.4.8'));
    assert.ok(!broken('~=1.4.10'));
    assert.ok(!broken('>=1.4.10'));
    assert.ok(ceilingBelow(ceilingOf('<0.0.17')!, [0, 0, 17]));
    assert.ok(ceilingBelow(ceilingOf('==0.0.16')!, [0, 0, 17]));
    assert.ok(!ceilingBelow(ceilingOf('<=0.0.17')!, [0, 0, 17]));
    assert.ok(!ceilingBelow(ceilingOf('>=0.0.11')!, [0, 0, 17]));
  });

  it('finds a package the way pip names it', () => {
    assert.strictEqual(requirement({ 'Albumentations': '==1.3.1' }, 'albumentations'), '==1.3.1');
    assert.strictEqual(requirement({ 'opencv_python_headless': '' }, 'opencv-python-headless'), '');
    assert.strictEqual(requirement({ torch: '==2.1' }, 'albucore'), null);
    assert.strictEqual(requirement(null, 'torch'), null);
  });
});
