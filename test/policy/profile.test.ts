/** Calico Profiles: the rules and labels host endpoints get from the profiles they name (engine/profiles.ts applies them). */
import { describe, expect, test } from 'vitest';
import { checkServiceReferences, overlay } from '../../src/policy/views.js';
import { at, codes, load, plain } from './helpers.js';

const PROFILE = `
  apiVersion: projectcalico.org/v3
  kind: Profile
  metadata: {name: edge, labels: {ignored: x}}
  spec:
    labelsToApply: {tier: edge}
    ingress:
      - {action: Allow, protocol: TCP, destination: {ports: [443]}, source: {selector: "role == 'lb'"}}
      - {action: Deny}
    egress:
      - {action: Allow}
`;

describe('Profile', () => {
  test('rules and labelsToApply, read as a global policy reads its rules', () => {
    const result = load(PROFILE);
    expect(result.diagnostics).toEqual([]);
    const edge = result.policySet.profiles.get('edge');
    expect(plain(edge)).toMatchObject({
      name: 'edge',
      labelsToApply: { tier: 'edge' },
      ingress: [
        { index: 0, action: 'Allow', protocol: 6, destination: { ports: [{ kind: 'range', min: 443, max: 443 }] }, source: { selector: 'sel:role == "lb"' } },
        { index: 1, action: 'Deny' },
      ],
      egress: [{ index: 0, action: 'Allow' }],
    });
    expect(edge?.origin).toMatchObject({ file: 'test.yaml', line: 1 });
  });

  test('a Profile without a spec is one without rules or labels, as Calico reads it', () => {
    const result = load('apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: labels-only}');
    expect(result.diagnostics).toEqual([]);
    expect(plain(result.policySet.profiles.get('labels-only'))).toMatchObject({ name: 'labels-only', ingress: [], egress: [], labelsToApply: {} });
  });

  test("the profiles Calico makes itself are skipped without a word (kubectl get profiles lists them)", () => {
    const generated = ['kns.prod', 'ksa.prod.default', 'projectcalico-default-allow']
      .map((name) => `apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: ${name}}\nspec: {ingress: [{action: Allow}], egress: [{action: Allow}]}`)
      .join('\n---\n');
    const result = load(generated);
    expect(result.diagnostics).toEqual([]);
    expect([...result.policySet.profiles.keys()]).toEqual([]);
  });

  test('a bad rule and an unknown field are reported where they are; the profile with an error is left out', () => {
    const text = `
      apiVersion: projectcalico.org/v3
      kind: Profile
      metadata: {name: broken}
      spec:
        ingres: []
        ingress:
          - {action: Allow, protocol: TCP, destination: {ports: [70000]}}
    `;
    const result = load(text);
    expect(codes(result)).toEqual([
      ['unknown-field', ...at(text, 'ingres:'), 'spec.ingres'],
      ['bad-port', ...at(text, '70000'), 'spec.ingress[0].destination.ports[0]'],
    ]);
    expect(result.policySet.profiles.size).toBe(0);
  });

  test('a profile rule matching a Service the inventory holds no EndpointSlice of is named, as a policy rule is', () => {
    const text = `
      apiVersion: projectcalico.org/v3
      kind: Profile
      metadata: {name: edge}
      spec:
        egress:
          - {action: Allow, destination: {services: {name: api, namespace: prod}}}
    `;
    const result = load(text);
    expect(result.diagnostics).toEqual([]);
    const [d, ...rest] = checkServiceReferences(result.policySet, () => false);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'service-without-endpoints', line: at(text, '{action: Allow')[0] });
    expect(d!.message).toMatch(/^egress\[0\] of profile edge matches destination\.services prod\/api, of which the inventory holds no EndpointSlice/);
    expect(checkServiceReferences(result.policySet, () => true)).toEqual([]);
  });

  test('a second profile of the same name is a duplicate; --change replaces a profile by name', () => {
    const twice = load(`${PROFILE}---\n${PROFILE}`);
    expect(codes(twice).map((c) => c[0])).toEqual(['duplicate-resource']);
    const change = load(PROFILE.replace('tier: edge', 'tier: core'));
    const merged = overlay(load(PROFILE).policySet, change.policySet);
    expect(merged.profiles.get('edge')?.labelsToApply).toEqual({ tier: 'core' });
  });
});
