/** The training-time estimator: measured throughput tables, GPU factors, the estimate and plans that fit. */
export * from './estimate';
export { GPUS, GPU_IDS, findGpu, AMP_SPEEDUP, TWO_GPU_SCALING, type GpuSpec } from './gpus';
export { CATALOG, ALL_MODEL_NAMES, resolveModelName, searchModels, modelRecord, familyOf, catalogEntry, type ResolvedModel, type CatalogEntry } from './models';
export { SEED_TABLE, seedRow, seedTrainingMinutes, SEED_INFERENCE_MINUTES } from './seed';
export { inputFromScript, type ScriptInput } from './fromScript';
