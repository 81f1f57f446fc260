/**
 * The data side of the workbench (stage "cohort" of the pipeline). Import from here.
 *
 * Synthetic cohort (the embedded default):
 *   buildCohort(outDir, { n, seed, frame?, normalFraction?, concurrency?, quiet? })
 *       -> { dir, studies, seconds }   renders studies.jsonl + images/*.png + manifest.json
 *                                      (temp dir then rename; same seed -> byte-identical files)
 *   readStudies(dir, { lenient? })  -> { studies, skipped, manifest }   validated, paths kept inside dir
 *   sampleCohortTruth(n, { seed, frame, normalFraction }) -> StudyTruth[]   ground truth without images
 *   studyRecord(truth) -> Study      report + labels + boxes of one truth (no rendering)
 *   renderStudyPng(truth) -> PNG bytes
 *
 * Instruction records (InstructionRecord, one JSONL format for every later stage):
 *   buildInstructions(studies, { seed, tasks?, vqaPerStudy?, imagePrefix? }) -> InstructionRecord[]
 *       report-findings, report-impression, vqa (vqaSet 'ext-vqa' | 'cxr-vqa'), grounding
 *   answerKindOf(answer) -> 'short' | 'list' | 'free'
 *
 * Splits by patient (no leakage):
 *   splitByPatient(items, { seed, test, val }) -> { train, val, test };  leakedPatients(splits) -> []
 *
 * Real datasets, benchmark: see the exports below (loaders/*, benchmark.ts) as they land.
 */
export { buildCohort, readStudies, studyRecord, validateStudy, type CohortOptions, type CohortManifest, type FindingMeta } from './cohort.js';
export { sampleCohortTruth, samplePatient, type StudyTruth, type PhantomOptions } from './phantom.js';
export { renderStudyPng, studySvg } from './render.js';
export { writeReport } from './report.js';
export { buildInstructions, buildVqa, buildGrounding, answerKindOf, fmtBox, EXT_VQA_TYPES, CXR_VQA_TYPES, type InstructionOptions, type VqaSet } from './instructions.js';
export { splitByPatient, leakedPatients, type Splits, type SplitOptions } from './split.js';
export { studyFacts, type Fact } from './facts.js';
export { resolveInside } from './safepath.js';
export { loadImagePixels } from './images.js';
export * from './types.js';
