/**
 * Syntax tree → predicate over labels: one closure per node, built once per distinct selector, so a `matches`
 * call walks closures and allocates nothing.
 */
import type { SelectorNode } from './ast.js';
import type { Labels } from './types.js';

export type LabelPredicate = (labels: Labels) => boolean;

const always: LabelPredicate = () => true;

export function compileSelector(node: SelectorNode): LabelPredicate {
  switch (node.kind) {
    case 'all':
    case 'global':
      return always;
    case 'has': {
      const { key } = node;
      return (labels) => valueOf(labels, key) !== undefined;
    }
    case 'equals': {
      const { key, value } = node;
      return (labels) => valueOf(labels, key) === value;
    }
    case 'notEquals': {
      // Absent counts as "different" (ast.go LabelNeValueNode).
      const { key, value } = node;
      return (labels) => valueOf(labels, key) !== value;
    }
    case 'contains': {
      const { key, value } = node;
      return (labels) => valueOf(labels, key)?.includes(value) === true;
    }
    case 'startsWith': {
      const { key, value } = node;
      return (labels) => valueOf(labels, key)?.startsWith(value) === true;
    }
    case 'endsWith': {
      const { key, value } = node;
      return (labels) => valueOf(labels, key)?.endsWith(value) === true;
    }
    case 'in': {
      const { key } = node;
      const values = new Set(node.values);
      return (labels) => {
        const value = valueOf(labels, key);
        return value !== undefined && values.has(value);
      };
    }
    case 'notIn': {
      // Absent counts as "none of them" (ast.go LabelNotInSetNode).
      const { key } = node;
      const values = new Set(node.values);
      return (labels) => {
        const value = valueOf(labels, key);
        return value === undefined || !values.has(value);
      };
    }
    case 'not': {
      const operand = compileSelector(node.operand);
      return (labels) => !operand(labels);
    }
    case 'and': {
      const operands = node.operands.map(compileSelector);
      return (labels) => {
        for (const operand of operands) if (!operand(labels)) return false;
        return true;
      };
    }
    case 'or': {
      const operands = node.operands.map(compileSelector);
      return (labels) => {
        for (const operand of operands) if (operand(labels)) return true;
        return false;
      };
    }
  }
}

/**
 * The label's value, or undefined when it is absent. Label keys may spell inherited properties (`constructor`,
 * `__proto__` and `toString` are valid keys), which on a plain object are functions or objects, never strings:
 * checking the type keeps those absent without the cost of an own-property lookup.
 */
function valueOf(labels: Labels, key: string): string | undefined {
  const value: unknown = labels[key];
  return typeof value === 'string' ? value : undefined;
}
