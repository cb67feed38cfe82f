import { describe, expect, it } from 'vitest';
import { fillTemplate, unknownVariables } from './canned-reply-template.ts';

describe('canned reply templates', () => {
  it('fills variables, with or without spaces', () => {
    expect(
      fillTemplate('Hi {{visitor.name}}, {{ agent.name }} here about {{conversation.id}}.', {
        'visitor.name': 'Ana',
        'agent.name': 'Ben',
        'conversation.id': 'conv_1',
      }),
    ).toBe('Hi Ana, Ben here about conv_1.');
  });

  it('uses the fallback, or nothing, when a value is missing or blank', () => {
    expect(fillTemplate('Hi {{visitor.name | there}}!', {})).toBe('Hi there!');
    expect(fillTemplate('Hi {{visitor.name|there}}!', { 'visitor.name': '  ' })).toBe('Hi there!');
    expect(fillTemplate('Hi {{visitor.name}}!', { 'visitor.name': null })).toBe('Hi !');
  });

  it('leaves text that is not a placeholder alone, and never re-reads a filled value', () => {
    expect(fillTemplate('{ {visitor.name} } {{visitor.name}}', { 'visitor.name': '{{agent.name}}' })).toBe(
      '{ {visitor.name} } {{agent.name}}',
    );
  });

  it('names variables that do not exist', () => {
    expect(unknownVariables('{{visitor.name}} {{visitor.nmae}} {{ bot.secret | x }}')).toEqual([
      'visitor.nmae',
      'bot.secret',
    ]);
    expect(unknownVariables('no variables')).toEqual([]);
  });
});
