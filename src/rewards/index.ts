/** The reward library: r = (1 − λ)·r_ans + λ·r_form + r_coo and its parts and variants. */
export * from './answer.js';
export * from './coordinate.js';
export * from './format.js';
export * from './compose.js';
export { sentenceBleu, rouge1F, rougeTokens, charTokens, wordTokens } from './text-similarity.js';
export { porterStem } from '../text/porter.js';
