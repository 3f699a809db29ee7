// The gbdt run the resume tests train on penguins: softmax over 3 classes with row sampling on 2 threads,
// a checkpoint every 10 rounds. kill-resume-gbdt.test.ts kills it mid-run; resume-any-round-gbdt.test.ts
// resumes it from chosen rounds, with fewer trees.
export const penguinsGbdt = (trees: number) => ({
  dataset: 'penguins',
  target: 'Species',
  task: 'multiclass' as const,
  model: {
    type: 'gbdt' as const,
    trees,
    learningRate: 0.05,
    maxDepth: 3,
    subsample: 0.8,
    checkpointEvery: 10,
    threads: 2,
  },
  seed: 21,
});
