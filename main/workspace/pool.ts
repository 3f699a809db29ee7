// A bounded number of async loops over work items: cross-validation folds and search trials (train/), and
// the columns a profile holds value counts of at once (data/).

/** Runs up to `parallel` loops that each take the next index until `next()` says there are none. */
export async function pool(
  parallel: number,
  next: () => number | null,
  work: (i: number) => Promise<void>,
): Promise<void> {
  const loop = async () => {
    for (let i = next(); i !== null; i = next()) await work(i);
  };
  await Promise.all(Array.from({ length: parallel }, loop));
}
