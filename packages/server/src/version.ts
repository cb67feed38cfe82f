export const PARLEY_VERSION = '0.1.0';
