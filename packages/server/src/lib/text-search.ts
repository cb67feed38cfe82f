// Text search configuration names shared by the schema and the API.
/** PostgreSQL text search configurations that exist on every server (and in PGlite). */
export const TEXT_SEARCH_LANGUAGES = [
  'simple',
  'arabic',
  'danish',
  'dutch',
  'english',
  'finnish',
  'french',
  'german',
  'greek',
  'hungarian',
  'indonesian',
  'irish',
  'italian',
  'lithuanian',
  'nepali',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'spanish',
  'swedish',
  'tamil',
  'turkish',
] as const;

export type TextSearchLanguage = (typeof TEXT_SEARCH_LANGUAGES)[number];
