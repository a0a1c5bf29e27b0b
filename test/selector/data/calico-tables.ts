/**
 * Calico's own selector test tables, row for row (projectcalico/calico, libcalico-go/lib/selector/
 * parser/parser_test.go: selectorTests, badSelectors, canonicalisationTests; tokenizer/tokenizer_test.go:
 * tokenTests). Calico's errors carry no position, so the columns and expectations of rejected rows are ours.
 */
import { type CanonicalisationTest, EXPECTED, type RejectedSelector, type SelectorTest } from './rows.js';

export const SELECTOR_TESTS: readonly SelectorTest[] = [
  { selector: `a == "b"`, matches: [{ a: 'b' }, { a: 'b', c: 'd' }], nonMatches: [{}, { a: 'c' }, { c: 'd' }] },
  {
    selector: `a == "b" && c == "d"`,
    matches: [{ a: 'b', c: 'd' }],
    nonMatches: [{}, { a: 'b', c: 'e' }, { a: 'c', c: 'd' }, { c: 'd' }, { a: 'b' }],
  },
  {
    selector: `a == "b" || c == "d"`,
    matches: [{ a: 'b', c: 'd' }, { a: 'b' }, { c: 'd' }],
    nonMatches: [{}, { a: 'e', c: 'e' }, { c: 'e' }, { a: 'e' }],
  },
  { selector: `a in {"'", '"', "c"}`, matches: [{ a: 'c' }, { a: '"' }, { a: "'" }], nonMatches: [{}, { a: 'e' }] },
  { selector: `a not in {"'", '"', "c"}`, matches: [{}, { a: 'e' }], nonMatches: [{ a: 'c' }, { a: '"' }, { a: "'" }] },
  { selector: `a == 'a'`, matches: [{ a: 'a' }], nonMatches: [] },
  { selector: `a == "a"`, matches: [{ a: 'a' }], nonMatches: [] },
  { selector: `a != "b"`, matches: [{ a: 'a' }], nonMatches: [] },
  { selector: `a != "a"`, matches: [{}], nonMatches: [] },
  {
    selector: `a contains "a"`,
    matches: [{ a: 'a' }, { a: 'bab' }, { a: 'aaa', b: 'c' }],
    nonMatches: [{}, { a: 'b' }, { b: 'aaa' }],
  },
  {
    selector: `a starts with "a"`,
    matches: [{ a: 'a' }, { a: 'abb' }, { a: 'aaa', b: 'c' }],
    nonMatches: [{}, { a: 'b' }, { a: 'baa' }, { b: 'aaa' }],
  },
  {
    selector: `a ends with "a"`,
    matches: [{ a: 'a' }, { a: 'bba' }, { a: 'aaa', b: 'c' }],
    nonMatches: [{}, { a: 'b' }, { a: 'aab' }, { b: 'aaa' }],
  },
  { selector: `a in {"a"}`, matches: [{ a: 'a' }], nonMatches: [] },
  { selector: `!a in {"a"}`, matches: [{ a: 'b' }], nonMatches: [] },
  { selector: `a in {"a", "b"}`, matches: [{ a: 'a' }], nonMatches: [] },
  { selector: `a in {"a", "b"}`, matches: [{ a: 'b' }], nonMatches: [] },
  { selector: `a not in {"d", "e"}`, matches: [{ a: 'a' }], nonMatches: [] },
  { selector: `has(a)`, matches: [{ a: 'b' }], nonMatches: [] },
  { selector: `!has(a)`, matches: [{ b: 'b' }], nonMatches: [] },
  { selector: ``, matches: [{}], nonMatches: [] },
  { selector: ` `, matches: [{}], nonMatches: [] },
  { selector: ``, matches: [{ a: 'b' }], nonMatches: [] },
  { selector: `all()`, matches: [{}], nonMatches: [] },
  { selector: ` all()`, matches: [{}], nonMatches: [] },
  { selector: ` all()`, matches: [{ a: 'b' }], nonMatches: [] },
  { selector: `global()`, matches: [{}], nonMatches: [] },
  { selector: ` global()`, matches: [{}], nonMatches: [] },
  { selector: ` global()`, matches: [{ a: 'b' }], nonMatches: [] },
  { selector: `a == 'a'`, matches: [], nonMatches: [{ a: 'b' }] },
  { selector: `a == 'a'`, matches: [], nonMatches: [{}] },
  { selector: `a != "a"`, matches: [], nonMatches: [{ a: 'a' }] },
  { selector: `a != 'a'`, matches: [], nonMatches: [{ a: 'a' }] },
  { selector: `a in {"a"}`, matches: [], nonMatches: [{ a: 'b' }] },
  { selector: `a not in {"a"}`, matches: [], nonMatches: [{ a: 'a' }] },
  { selector: `a in {"a", "b"}`, matches: [], nonMatches: [{ a: 'c' }] },
  { selector: `has(b)`, matches: [], nonMatches: [{ a: 'b' }] },
  { selector: `!!has(b)`, matches: [], nonMatches: [{ a: 'b' }] },
  { selector: `! has(a)`, matches: [], nonMatches: [{ a: 'b' }] },
  { selector: `!has(a)`, matches: [], nonMatches: [{ a: 'b' }] },
  { selector: `!!! has(a)`, matches: [], nonMatches: [{ a: 'b' }] },
  { selector: `!!!has(a)`, matches: [], nonMatches: [{ a: 'b' }] },
  { selector: `!! ! has(a)`, matches: [], nonMatches: [{ a: 'b' }] },
  { selector: `! !!has(a)`, matches: [], nonMatches: [{ a: 'b' }] },
  { selector: `a == 'a1' && b == 'b1'`, matches: [{ a: 'a1', b: 'b1' }], nonMatches: [] },
  { selector: `a == 'a1' && b != 'b1'`, matches: [], nonMatches: [{ a: 'a1', b: 'b1' }] },
  { selector: `a != 'a1' && b == 'b1'`, matches: [], nonMatches: [{ a: 'a1', b: 'b1' }] },
  { selector: `a != 'a1' && b != 'b1'`, matches: [], nonMatches: [{ a: 'a1', b: 'b1' }] },
  { selector: `a != 'a1' && !b == 'b1'`, matches: [], nonMatches: [{ a: 'a1', b: 'b1' }] },
  { selector: `!a == 'a1' && b == 'b1'`, matches: [], nonMatches: [{ a: 'a1', b: 'b1' }] },
  { selector: `has(a) && !has(b)`, matches: [{ a: 'a' }], nonMatches: [] },
  { selector: `!has(b) && has(a)`, matches: [{ a: 'a' }], nonMatches: [] },
  { selector: `!(!has(a) || has(b))`, matches: [{ a: 'a' }], nonMatches: [] },
  { selector: `!(has(b) || !has(a))`, matches: [{ a: 'a' }], nonMatches: [] },
  { selector: `a == 'a1' || b == 'b1'`, matches: [{ a: 'a1', b: 'b1' }], nonMatches: [] },
  { selector: `a == 'a1' || b != 'b1'`, matches: [{ a: 'a1', b: 'b1' }], nonMatches: [] },
  { selector: `a != 'a1' || b == 'b1'`, matches: [{ a: 'a1', b: 'b1' }], nonMatches: [] },
  { selector: `a != 'a1' || b != 'b1'`, matches: [], nonMatches: [{ a: 'a1', b: 'b1' }] },
  { selector: `! a == 'a1' || ! b == 'b1'`, matches: [], nonMatches: [{ a: 'a1', b: 'b1' }] },
];

export const BAD_SELECTORS: readonly RejectedSelector[] = [
  { selector: 'b == b', column: 6, expected: EXPECTED.string }, // label == label
  { selector: 'b contains b', column: 12, expected: EXPECTED.string },
  { selector: 'b starts with b', column: 15, expected: EXPECTED.string },
  { selector: 'b ends with b', column: 13, expected: EXPECTED.string },
  { selector: "'b1' == b", column: 1, expected: EXPECTED.operation }, // literal on lhs
  { selector: 'b', column: 2, expected: EXPECTED.operatorAfter('b') }, // bare label
  { selector: 'a b', column: 3, expected: EXPECTED.operatorAfter('a') },
  { selector: '!', column: 2, expected: EXPECTED.operation },
  { selector: 'foo == "bar" &', column: 14, expected: EXPECTED.afterSelector },
  { selector: 'foo == "bar" |', column: 14, expected: EXPECTED.afterSelector },
  { selector: 'foo != ||', column: 8, expected: EXPECTED.string },
  { selector: 'foo in {"", ||', column: 13, expected: EXPECTED.setMember },
  { selector: 'foo in ""', column: 8, expected: EXPECTED.set },
  { selector: '"FOO', column: 1, expected: EXPECTED.closing('"') }, // unterminated string
  { selector: `"FOO'`, column: 1, expected: EXPECTED.closing('"') },
  { selector: '"FOO', column: 1, expected: EXPECTED.closing('"') },
  { selector: "'FOO", column: 1, expected: EXPECTED.closing("'") },
  { selector: '(', column: 2, expected: EXPECTED.operation }, // unterminated paren
  { selector: '(a == "foo"', column: 12, expected: EXPECTED.afterNested },
  { selector: ')', column: 1, expected: EXPECTED.operation },
  { selector: '()', column: 2, expected: EXPECTED.operation },
  { selector: '%', column: 1, expected: EXPECTED.operation }, // unexpected character
  { selector: 'a == "b" && %', column: 13, expected: EXPECTED.operation },
  { selector: 'a == "b" || %', column: 13, expected: EXPECTED.operation },
  { selector: 'a ', column: 3, expected: EXPECTED.operatorAfter('a') }, // should be followed by an operator
  { selector: 'has(foo) &&', column: 12, expected: EXPECTED.operation },
];

export const CANONICALISATION_TESTS: readonly CanonicalisationTest[] = [
  { input: ``, canonical: `all()` },
  { input: ` all() `, canonical: `all()` },
  { input: ` (all() )`, canonical: `all()` },
  { input: `! (has( b)||! has(a ))`, canonical: `!(has(b) || !has(a))` },
  { input: `! (a == "b"&&! c != "d")`, canonical: `!(a == "b" && !c != "d")` },
  { input: `a == "'"`, canonical: `a == "'"` },
  { input: `a == '"'`, canonical: `a == '"'` },
  { input: `a contains '"'`, canonical: `a contains '"'` },
  { input: `a contains "'"`, canonical: `a contains "'"` },
  { input: `a startswith '"'`, canonical: `a starts with '"'` },
  { input: `a endswith "'"`, canonical: `a ends with "'"` },
  { input: `a!='"'`, canonical: `a != '"'` },
  { input: `a in {"d"}`, canonical: `a in {"d"}` },
  { input: `a in {"a", "b"}`, canonical: `a in {"a", "b"}` },
  { input: `a in {"d", "a", "b"}`, canonical: `a in {"a", "b", "d"}` },
  { input: `a in {"z", "x", "y", "a"}`, canonical: `a in {"a", "x", "y", "z"}` },
  { input: `a in {"z", "z", "x", "y", "x", "a"}`, canonical: `a in {"a", "x", "y", "z"}` },
];

/**
 * Tokens as `kind` or `kind:value`. Calico's tokenizer rejects some texts that our tokenizer passes on as
 * tokens for the parser to reject (it reports what it expected there); for those rows the whole selector must
 * be rejected, at the column given.
 */
export const TOKENIZER_TESTS: readonly (
  | { readonly input: string; readonly tokens: readonly string[] }
  | { readonly input: string; readonly rejectedAtColumn: number }
)[] = [
  { input: `a=="b"`, tokens: ['label:a', '==', 'string:b', 'end'] },
  { input: `a!="b"`, tokens: ['label:a', '!=', 'string:b', 'end'] },
  { input: `a != "b"`, tokens: ['label:a', '!=', 'string:b', 'end'] },
  { input: `(a=="b")`, tokens: ['(', 'label:a', '==', 'string:b', ')', 'end'] },
  { input: `a=="b"`, tokens: ['label:a', '==', 'string:b', 'end'] },
  { input: `label == "value"`, tokens: ['label:label', '==', 'string:value', 'end'] },
  { input: `label contains "value"`, tokens: ['label:label', 'contains', 'string:value', 'end'] },
  { input: `contains contains "contains"`, tokens: ['label:contains', 'contains', 'string:contains', 'end'] },
  { input: `contains contains 'contains'`, tokens: ['label:contains', 'contains', 'string:contains', 'end'] },
  { input: `label contains"value"`, tokens: ['label:label', 'contains', 'string:value', 'end'] },
  { input: `label startswith "value"`, tokens: ['label:label', 'starts with', 'string:value', 'end'] },
  { input: `label endswith "value"`, tokens: ['label:label', 'ends with', 'string:value', 'end'] },
  { input: `label starts with "value"`, tokens: ['label:label', 'starts with', 'string:value', 'end'] },
  { input: `startswith starts with "value"`, tokens: ['label:startswith', 'starts with', 'string:value', 'end'] },
  { input: `label ends with "value"`, tokens: ['label:label', 'ends with', 'string:value', 'end'] },
  { input: `endswith ends with "value"`, tokens: ['label:endswith', 'ends with', 'string:value', 'end'] },
  { input: `label starts  with "value"`, tokens: ['label:label', 'starts with', 'string:value', 'end'] },
  { input: `label ends  with "value"`, tokens: ['label:label', 'ends with', 'string:value', 'end'] },
  { input: 'a'.repeat(512) + ` == "value"`, tokens: ['label:' + 'a'.repeat(512), '==', 'string:value', 'end'] },
  { input: 'a'.repeat(513) + ` == "value"`, rejectedAtColumn: 1 },
  { input: `label == "value`, rejectedAtColumn: 10 },
  { input: `label == 'value`, rejectedAtColumn: 10 },
  { input: `label = "value"`, rejectedAtColumn: 7 },
  { input: `all(`, rejectedAtColumn: 5 },
  { input: `global(`, rejectedAtColumn: 8 },
  { input: `has()`, rejectedAtColumn: 5 },
  { input: `has(foo`, rejectedAtColumn: 8 },
  { input: `has( foo `, rejectedAtColumn: 10 },
  { input: `a == "b" & has(foo)`, rejectedAtColumn: 10 },
  { input: `a == "b" | has(foo)`, rejectedAtColumn: 10 },
  { input: `label starts foo "value"`, rejectedAtColumn: 7 },
  { input: `label inf "value"`, rejectedAtColumn: 7 },
  { input: `label ends foo "value"`, rejectedAtColumn: 7 },
  { input: `label ends withs "value"`, rejectedAtColumn: 7 },
  { input: `label squiggles "value"`, rejectedAtColumn: 7 },
  {
    input: `a not in "bar" && !has(foo) || b in c`,
    tokens: ['label:a', 'not in', 'string:bar', '&&', '!', 'has:foo', '||', 'label:b', 'in', 'label:c', 'end'],
  },
  { input: `has(calico/k8s_ns)`, tokens: ['has:calico/k8s_ns', 'end'] },
  { input: `has(calico/k8s_ns/role)`, tokens: ['has:calico/k8s_ns/role', 'end'] },
  { input: `has(calico/k8s_NS-.1/role)`, tokens: ['has:calico/k8s_NS-.1/role', 'end'] },
  {
    input: `calico/k8s_ns == "kube-system" && k8s-app == "kube-dns"`,
    tokens: ['label:calico/k8s_ns', '==', 'string:kube-system', '&&', 'label:k8s-app', '==', 'string:kube-dns', 'end'],
  },
  {
    input: `a  not  in  "bar"  &&  ! has( foo )  ||  b  in  c `,
    tokens: ['label:a', 'not in', 'string:bar', '&&', '!', 'has:foo', '||', 'label:b', 'in', 'label:c', 'end'],
  },
  {
    input: `a notin"bar"&&!has(foo)||b in"c"`,
    tokens: ['label:a', 'not in', 'string:bar', '&&', '!', 'has:foo', '||', 'label:b', 'in', 'string:c', 'end'],
  },
  { input: `a not in {}`, tokens: ['label:a', 'not in', '{', '}', 'end'] },
  { input: `a not in {"a"}`, tokens: ['label:a', 'not in', '{', 'string:a', '}', 'end'] },
  { input: `a not in {"a","B"}`, tokens: ['label:a', 'not in', '{', 'string:a', ',', 'string:B', '}', 'end'] },
  { input: `global()`, tokens: ['global', 'end'] },
  { input: `global( )`, tokens: ['global', 'end'] },
  { input: `all()`, tokens: ['all', 'end'] },
  { input: `all( )`, tokens: ['all', 'end'] },
];
