// Canned replies' variables: `{{visitor.name}}`, with an optional fallback after a bar
// (`{{visitor.name | there}}`), filled in on the server from the conversation. Only the names
// below exist, so a typo is refused when the reply is saved, never sent to a visitor as is.

export const TEMPLATE_VARIABLES = [
  'visitor.name',
  'visitor.first_name',
  'visitor.email',
  'agent.name',
  'agent.email',
  'conversation.id',
] as const;

export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Partial<Record<TemplateVariable, string | null>>;

const PLACEHOLDER = /\{\{\s*([a-z_.]+)\s*(?:\|\s*([^}]*?)\s*)?\}\}/g;

/** The variable names a template uses that do not exist. */
export function unknownVariables(template: string): string[] {
  const known = new Set<string>(TEMPLATE_VARIABLES);
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!).filter((name) => !known.has(name));
}

/** Fills the template: a variable with no value takes its fallback, or nothing. */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_whole, name: string, fallback: string | undefined) => {
    const value = values[name as TemplateVariable];
    return value?.trim() ? value : (fallback ?? '');
  });
}
