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
 * Real-format loaders (each returns { items, skipped }; bad rows throw DataError "file:line: …",
 * or are skipped and counted with { lenient: true }; image paths may not escape the dataset root):
 *   loadNih(root)                          NIH ChestX-ray14 (labels.csv, boxes.csv, images/) -> Study[]
 *   loadOpenIXml(tgzOrDir), loadOpenIKaggle(reportsCsv, projectionsCsv?) -> OpenIReport[];
 *   openIToStudies(reports) -> Study[] (text only);  loadR2GenSplit(json) -> uid -> split
 *   loadMimicCxr(root, { labeler, reportsRoot, patientsCsv, splits })  MIMIC-CXR-JPG -> Study[]
 *   extractSections(reportText) -> { findings, impression, all }
 *   loadMsCxr(csv, imagesRoot) -> phrases;  msCxrGrounding(phrases, 512) -> InstructionRecord[]
 *   loadExtVqa(json, { imagesRoot }), loadCxrVqa(csv, { imagesRoot, columns? }) -> InstructionRecord[]
 *   verifyImages(studies, root) -> { ok, bad }   decodes every image header
 *
 * XrayBench-shaped test set and the whole data stage:
 *   buildBenchmark({ cohort, mimic?, openi?, extVqa?, cxrVqa?, nih? }, { seed, total, vqaShare?, sizes? })
 *       -> { records (with .split), summary }   six splits; real sources take their splits
 *   benchmarkSizes(opts), XRAYBENCH_SPLITS, PAPER_REPORT_WEIGHTS
 *   prepareDatasets(config, dir) -> cohort + splits.json + instructions-{train,val}.jsonl + xraybench.jsonl
 *       (what `deepmedix cohort --datasets` runs)
 */
export { buildCohort, readStudies, studyRecord, validateStudy, type CohortOptions, type CohortManifest, type FindingMeta } from './cohort.js';
export { sampleCohortTruth, samplePatient, type StudyTruth, type PhantomOptions } from './phantom.js';
export { renderStudyPng, studySvg } from './render.js';
export { writeReport } from './report.js';
export { buildInstructions, buildVqa, buildGrounding, answerKindOf, fmtBox, EXT_VQA_TYPES, CXR_VQA_TYPES, type InstructionOptions, type VqaSet } from './instructions.js';
export { splitByPatient, leakedPatients, type Splits, type SplitOptions } from './split.js';
export { studyFacts, type Fact } from './facts.js';
export { resolveInside } from './safe-path.js';
export { loadImagePixels } from './images.js';
export { DataError, readCsv, parseCsv, type Loaded, type LoaderOptions, type Skipped } from './loaders/common.js';
export { loadNih, nihLabels, NIH_TO_CHEXPERT } from './loaders/nih.js';
export { loadOpenIXml, loadOpenIKaggle, loadR2GenSplit, openIToStudies, parseOpenIXml, type OpenIReport } from './loaders/openi.js';
export { loadMimicCxr } from './loaders/mimic.js';
export { extractSections, type ReportSections } from './loaders/sections.js';
export { loadMsCxr, msCxrGrounding, toFrame, type MsCxrPhrase } from './loaders/mscxr.js';
export { loadExtVqa, loadCxrVqa, CXR_VQA_DEFAULT_COLUMNS, type CxrVqaColumns } from './loaders/vqa-sets.js';
export { verifyImages } from './loaders/verify.js';
export { studyGridPng, writeStudyGrid } from './preview.js';
export { buildBenchmark, benchmarkSizes, XRAYBENCH_SPLITS, PAPER_REPORT_WEIGHTS, type XrayBenchSplit, type BenchmarkSources, type SplitSummary } from './benchmark.js';
export { prepareDatasets, type PreparedData } from './prepare.js';
export * from './types.js';
